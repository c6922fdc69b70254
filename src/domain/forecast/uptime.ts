import { DayStatus } from './series.js';

/** Run-length statistics of producing and shut-in spells, for the shut-in forecast. */
export interface UptimeModel {
  /** State on the last known day. */
  currentlyProducing: boolean;
  /** Length of the current spell in days (the last day included). */
  currentAge: number;
  /** P(spell ends after exactly `age` days | it lasted `age` days), index = age, for producing spells. */
  producingHazard: Float64Array;
  /** Same for shut-in spells. Beyond the longest shut-in ever seen ended, the hazard is 0. */
  shutInHazard: Float64Array;
  /** Share of known days that were shut-ins. */
  shutInFraction: number;
}

/** Options of `fitUptimeModel`. */
export interface UptimeModelOptions {
  /** Only spells that ended in (or overlap) the last `window` days count (default 365: the recent uptime pattern). */
  window?: number;
  /**
   * Weight k, in spells, of the constant-hazard prior: hazard(age) = (endings + k·λ) / (atRisk + k), where
   * λ = spells ended per day spent in that state (default 2). For shut-ins λ is 0 beyond the longest
   * shut-in that ever ended, so part of every shut-in's probability stays "possibly permanent".
   */
  priorStrength?: number;
}

interface Spell {
  producing: boolean;
  length: number;
  ended: boolean;
}

function spellsOf(status: Uint8Array, from: number, end: number): Spell[] {
  const spells: Spell[] = [];
  let current: Spell | null = null;
  for (let index = from; index < end; index++) {
    const day = status[index]!;
    if (day === DayStatus.missing) {
      if (current) current.length++;
      continue;
    }
    const producing = day === DayStatus.producing;
    if (current && current.producing === producing) {
      current.length++;
    } else {
      if (current) current.ended = true;
      current = { producing, length: 1, ended: false };
      spells.push(current);
    }
  }
  return spells;
}

function hazardOf(
  spells: Spell[],
  maxAge: number,
  priorStrength: number,
  zeroBeyondSupport: boolean,
): Float64Array {
  const atRisk = new Float64Array(maxAge + 2);
  const endings = new Float64Array(maxAge + 2);
  let exposure = 0;
  let ended = 0;
  let longestEnded = 0;
  for (const spell of spells) {
    const length = Math.min(spell.length, maxAge + 1);
    for (let age = 1; age <= length; age++) atRisk[age]!++;
    exposure += spell.length;
    if (spell.ended) {
      endings[length]!++;
      ended++;
      longestEnded = Math.max(longestEnded, spell.length);
    }
  }
  const priorHazard = exposure > 0 ? (ended + 0.5) / (exposure + 1) : 0.5;
  const hazard = new Float64Array(maxAge + 2);
  for (let age = 1; age <= maxAge + 1; age++) {
    const prior = zeroBeyondSupport && age > longestEnded ? 0 : priorHazard;
    hazard[age] = (endings[age]! + priorStrength * prior) / (atRisk[age]! + priorStrength);
  }
  return hazard;
}

/** State and spell age on the last day before `end` (missing days extend the spell they fall in). */
export function currentSpell(status: Uint8Array, end: number): { producing: boolean; age: number } {
  let index = end - 1;
  while (index >= 0 && status[index] === DayStatus.missing) index--;
  if (index < 0) return { producing: true, age: 0 };
  const state = status[index];
  let start = index;
  for (let previous = index - 1; previous >= 0; previous--) {
    const day = status[previous];
    if (day === DayStatus.missing) continue;
    if (day !== state) break;
    start = previous;
  }
  return { producing: state === DayStatus.producing, age: end - start };
}

/** Longest spell age the hazards are tabulated for; older spells use the last entry. */
const MAX_AGE = 400;

/** Estimates producing and shut-in spell hazards from the day statuses before `end`. */
export function fitUptimeModel(
  status: Uint8Array,
  end: number,
  options: UptimeModelOptions = {},
): UptimeModel {
  const from = Math.max(0, end - (options.window ?? 365));
  const spells = spellsOf(status, from, end);
  const priorStrength = options.priorStrength ?? 2;
  const last = spells[spells.length - 1];
  let known = 0;
  let shutIn = 0;
  for (let index = from; index < end; index++) {
    if (status[index] === DayStatus.missing) continue;
    known++;
    if (status[index] === DayStatus.shutIn) shutIn++;
  }
  return {
    currentlyProducing: last?.producing ?? true,
    currentAge: last?.length ?? 0,
    producingHazard: hazardOf(
      spells.filter((spell) => spell.producing),
      MAX_AGE,
      priorStrength,
      false,
    ),
    shutInHazard: hazardOf(
      spells.filter((spell) => !spell.producing),
      MAX_AGE,
      priorStrength,
      true,
    ),
    shutInFraction: known > 0 ? shutIn / known : 0,
  };
}

/**
 * Probability that the well produces on each of the next `horizon` days, by propagating the two-state
 * semi-Markov chain (state, spell age) forward. The current spell is tracked as one mass of known age;
 * spells that start after the last day have ages up to the step, so the cost is O(horizon²).
 */
export function producingProbabilities(model: UptimeModel, horizon: number): Float64Array {
  const hazardAt = (table: Float64Array, age: number): number => table[Math.min(age, table.length - 1)]!;
  const size = horizon + 2;
  let producing = new Float64Array(size);
  let shutIn = new Float64Array(size);
  let nextProducing = new Float64Array(size);
  let nextShutIn = new Float64Array(size);
  let currentMass = 1;
  let currentAge = Math.max(model.currentAge, 1);
  const currentHazard = model.currentlyProducing ? model.producingHazard : model.shutInHazard;
  const result = new Float64Array(horizon);
  for (let step = 0; step < horizon; step++) {
    nextProducing.fill(0, 0, step + 3);
    nextShutIn.fill(0, 0, step + 3);
    const ending = currentMass * hazardAt(currentHazard, currentAge);
    if (model.currentlyProducing) nextShutIn[1]! += ending;
    else nextProducing[1]! += ending;
    currentMass -= ending;
    currentAge++;
    for (let age = 1; age <= step; age++) {
      const onMass = producing[age]!;
      if (onMass > 0) {
        const end = onMass * hazardAt(model.producingHazard, age);
        nextShutIn[1]! += end;
        nextProducing[age + 1]! += onMass - end;
      }
      const offMass = shutIn[age]!;
      if (offMass > 0) {
        const end = offMass * hazardAt(model.shutInHazard, age);
        nextProducing[1]! += end;
        nextShutIn[age + 1]! += offMass - end;
      }
    }
    [producing, nextProducing] = [nextProducing, producing];
    [shutIn, nextShutIn] = [nextShutIn, shutIn];
    let total = model.currentlyProducing ? currentMass : 0;
    for (let age = 1; age <= step + 1; age++) total += producing[age]!;
    result[step] = total;
  }
  return result;
}

/**
 * `producingProbabilities` of `model` from any current spell, memoised: spells whose ages the hazard tables
 * cannot tell apart (0 and 1; beyond the last tabulated age) share one computation, so the result is the
 * same as calling `producingProbabilities` with that spell.
 */
export function producingProbabilitiesBySpell(
  model: UptimeModel,
  horizon: number,
): (spell: { producing: boolean; age: number }) => Float64Array {
  const memo = new Map<number, Float64Array>();
  return (spell) => {
    const table = spell.producing ? model.producingHazard : model.shutInHazard;
    const age = Math.min(Math.max(spell.age, 1), table.length - 1);
    const key = spell.producing ? age : -age;
    let probabilities = memo.get(key);
    if (!probabilities) {
      probabilities = producingProbabilities(
        { ...model, currentlyProducing: spell.producing, currentAge: spell.age },
        horizon,
      );
      memo.set(key, probabilities);
    }
    return probabilities;
  };
}
