/** Volume units the loader converts between (the units of oil and gas fields). */
export const VOLUME_UNITS = ['bbl', 'Sm3', 'mscf', 'MMscf', 'boe'] as const;

/** One of {@link VOLUME_UNITS}. */
export type VolumeUnit = (typeof VOLUME_UNITS)[number];

/** Phase of a product, needed only to convert a volume to or from `boe` (an energy equivalent). */
export type Phase = 'liquid' | 'gas';

/** Cubic metres in one unit of each pure volume unit (`boe` is not a volume, see {@link BOE}). */
export const CUBIC_METRES_PER_UNIT: Readonly<Record<Exclude<VolumeUnit, 'boe'>, number>> = {
  Sm3: 1,
  /** US oil barrel: 42 US gallons = 0.158987294928 m³. */
  bbl: 0.158987294928,
  /** Thousand standard cubic feet: 1,000 × 0.028316846592 m³. */
  mscf: 28.316846592,
  /** Million standard cubic feet. */
  MMscf: 28_316.846592,
};

/** Barrel of oil equivalent: one barrel of a liquid, or 6 mscf of gas (the SPE energy convention). */
export const BOE = { liquidBbl: 1, gasMscf: 6 } as const;

/** A conversion a mapping declares for one product: volumes are multiplied by `factor`. */
export interface UnitConversion {
  from: VolumeUnit;
  to: VolumeUnit;
  phase?: Phase;
  factor: number;
}

const isVolumeUnit = (unit: string): unit is VolumeUnit => (VOLUME_UNITS as readonly string[]).includes(unit);

/** `boe` per cubic metre of a product of the phase. */
function boePerCubicMetre(phase: Phase): number {
  return phase === 'liquid'
    ? BOE.liquidBbl / CUBIC_METRES_PER_UNIT.bbl
    : 1 / (BOE.gasMscf * CUBIC_METRES_PER_UNIT.mscf);
}

const GAS_UNITS: readonly VolumeUnit[] = ['mscf', 'MMscf'];

/**
 * The factor that turns a volume in `from` into `to`, or a message saying why there is none. Conversions
 * between bbl, Sm3, mscf and MMscf are exact volume ratios; to or from `boe` the product's phase decides
 * (a liquid barrel is 1 boe, 6 mscf of gas is 1 boe): it is implied by bbl (liquid) and mscf/MMscf (gas),
 * and must be given for Sm3.
 */
export function conversionFactor(
  from: string,
  to: string,
  phase?: Phase,
): { factor: number } | { error: string } {
  for (const unit of [from, to])
    if (!isVolumeUnit(unit))
      return { error: `"${unit}" is not a unit the loader converts (${VOLUME_UNITS.join(', ')})` };
  if (from === to) return { error: `from and to are both ${from}; nothing to convert` };
  const toCubicMetres = (unit: VolumeUnit, resolvedPhase: Phase | undefined): number | string => {
    if (unit !== 'boe') return CUBIC_METRES_PER_UNIT[unit];
    if (!resolvedPhase) return 'converting Sm3 to or from boe needs phase: liquid or phase: gas';
    return 1 / boePerCubicMetre(resolvedPhase);
  };
  const other = from === 'boe' ? (to as VolumeUnit) : (from as VolumeUnit);
  const implied: Phase | undefined =
    other === 'bbl' ? 'liquid' : GAS_UNITS.includes(other) ? 'gas' : undefined;
  if (phase && implied && phase !== implied)
    return { error: `phase ${phase} contradicts ${other}, which measures a ${implied}` };
  const resolved = phase ?? implied;
  const fromM3 = toCubicMetres(from as VolumeUnit, resolved);
  const toM3 = toCubicMetres(to as VolumeUnit, resolved);
  if (typeof fromM3 === 'string') return { error: fromM3 };
  if (typeof toM3 === 'string') return { error: toM3 };
  return { factor: fromM3 / toM3 };
}

/** A product whose unit in the warehouse differs from the unit a load declares for it. */
export interface UnitClash {
  product_id: string;
  warehouse_unit: string;
  file_unit: string;
}

/**
 * A load declared another unit for a product the warehouse already holds; nothing was written. A
 * product's unit never changes once loaded; the mapping's `convert_units` converts the file instead.
 */
export class UnitClashError extends Error {
  constructor(readonly clashes: UnitClash[]) {
    const listed = clashes
      .map(
        (clash) =>
          `${clash.product_id} is stored in ${clash.warehouse_unit} but the file declares ${clash.file_unit}`,
      )
      .join('; ');
    const convertible = clashes.filter(
      (clash) => !('error' in conversionFactor(clash.file_unit, clash.warehouse_unit)),
    );
    const hint =
      convertible.length > 0
        ? ` Add to the mapping: convert_units: { ${convertible
            .map((clash) => `${clash.product_id}: { from: ${clash.file_unit}, to: ${clash.warehouse_unit} }`)
            .join(', ')} }, or load into another data directory.`
        : ' Load into another data directory, or give the product another id.';
    super(`a product's unit never changes once loaded: ${listed}.${hint}`);
    this.name = 'UnitClashError';
  }
}
