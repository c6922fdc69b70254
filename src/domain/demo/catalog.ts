/** Products measured in the demo dataset. */
export const DEMO_PRODUCT_IDS = ['oil', 'gas', 'water'] as const;

/** A demo product id. */
export type DemoProductId = (typeof DEMO_PRODUCT_IDS)[number];

/** Row of `analytics.sites`. */
export interface SiteRow {
  site_id: string;
  site_name: string;
  region: string | null;
  timezone: string | null;
}

/** Row of `analytics.assets`. */
export interface AssetRow {
  asset_id: string;
  asset_name: string;
  site_id: string;
  asset_type: DemoAssetType;
  unit: string | null;
}

/** Row of `analytics.products`. */
export interface ProductRow {
  product_id: DemoProductId;
  product_name: string;
  unit: string;
}

/** Kinds of equipment in the demo. Only wells carry production rows; facilities carry events. */
export type DemoAssetType = 'well' | 'compressor' | 'separator' | 'pump';

/** Whether a downtime cause was scheduled (the plan knows about it) or not. */
export type CauseCategory = 'planned' | 'unplanned';

/** Cause codes used in `downtime_events.cause_code` (and in the runbooks). */
export const DEMO_CAUSE_CODES = {
  'CMP-TRIP': { category: 'unplanned', label: 'Compressor trip' },
  'PWR-OUT': { category: 'unplanned', label: 'Power outage / emergency shutdown (ESD)' },
  'TAR-PLN': { category: 'planned', label: 'Planned turnaround' },
  'DEC-RES': { category: 'unplanned', label: 'Reservoir decline (trend, no downtime event)' },
  'PMP-FAIL': { category: 'unplanned', label: 'Pump failure' },
  'SEP-HLL': { category: 'unplanned', label: 'Separator high liquid level shutdown' },
  'HYD-PLUG': { category: 'unplanned', label: 'Hydrate or wax restriction in the flowline' },
  'INST-FLT': { category: 'unplanned', label: 'Instrument or control fault' },
  'WELL-SD': { category: 'unplanned', label: 'Well shut-in by the safety system' },
  'MNT-PLN': { category: 'planned', label: 'Planned maintenance or well test' },
} as const satisfies Record<string, { category: CauseCategory; label: string }>;

/** A demo cause code. */
export type DemoCauseCode = keyof typeof DEMO_CAUSE_CODES;

/** The three demo sites. */
export const DEMO_SITES: readonly SiteRow[] = [
  {
    site_id: 'SITE-A',
    site_name: 'Site A — North Basin',
    region: 'North Basin',
    timezone: 'America/Chicago',
  },
  {
    site_id: 'SITE-B',
    site_name: 'Site B — Sierra Alta',
    region: 'Sierra Alta Plateau',
    timezone: 'America/Denver',
  },
  {
    site_id: 'SITE-C',
    site_name: 'Site C — Río Claro',
    region: 'Río Claro Valley',
    timezone: 'America/Argentina/Buenos_Aires',
  },
];

/** The demo products and their units. */
export const DEMO_PRODUCTS: readonly ProductRow[] = [
  { product_id: 'oil', product_name: 'Crude oil', unit: 'bbl' },
  { product_id: 'gas', product_name: 'Natural gas', unit: 'mscf' },
  { product_id: 'water', product_name: 'Produced water', unit: 'bbl' },
];

/** Reservoir and fluid parameters of one demo well at the first day of the dataset. */
export interface WellProfile {
  asset_id: string;
  /** Oil potential on the first day (bbl/d at 24 h uptime). */
  initialOilRate: number;
  /** Exponential decline per year (0.12 = 12 %/yr). */
  annualDecline: number;
  /** Gas-oil ratio on the first day (scf/bbl); rises 5 % a year. */
  gasOilRatio: number;
  /** Water-oil ratio on the first day (bbl/bbl). */
  waterOilRatio: number;
  /** Exponential growth of the water-oil ratio per year. */
  waterGrowth: number;
}

/** What a facility stop does to the wells of its site. */
export type FacilityImpact = 'site-wells' | 'none';

/** Facility (non-well) equipment and which wells its stops affect. */
export interface FacilityProfile {
  asset_id: string;
  impact: FacilityImpact;
}

const well = (
  asset_id: string,
  initialOilRate: number,
  annualDecline: number,
  gasOilRatio: number,
  waterOilRatio: number,
  waterGrowth: number,
): WellProfile => ({ asset_id, initialOilRate, annualDecline, gasOilRatio, waterOilRatio, waterGrowth });

/** Well parameters, one per producing well. */
export const DEMO_WELLS: readonly WellProfile[] = [
  well('WELL-A01', 1150, 0.14, 850, 0.35, 0.18),
  well('WELL-A02', 980, 0.12, 920, 0.5, 0.15),
  well('WELL-A03', 760, 0.16, 780, 0.8, 0.12),
  well('WELL-A04', 640, 0.1, 1000, 0.25, 0.2),
  well('WELL-B01', 820, 0.15, 1400, 0.6, 0.14),
  well('WELL-B02', 700, 0.13, 1550, 0.45, 0.16),
  well('WELL-B03', 610, 0.17, 1300, 0.9, 0.1),
  well('WELL-B04', 540, 0.11, 1650, 0.3, 0.18),
  well('WELL-C01', 520, 0.12, 600, 1.2, 0.1),
  well('WELL-C02', 470, 0.14, 650, 1.0, 0.12),
  well('WELL-C03', 560, 0.13, 700, 0.7, 0.12),
  well('WELL-C04', 390, 0.1, 560, 1.5, 0.08),
];

/** Facilities and whether their stops cut the production of their site's wells. */
export const DEMO_FACILITIES: readonly FacilityProfile[] = [
  { asset_id: 'SEP-A1', impact: 'site-wells' },
  { asset_id: 'CMP-A1', impact: 'site-wells' },
  { asset_id: 'P-101A', impact: 'site-wells' },
  { asset_id: 'P-101B', impact: 'none' },
  { asset_id: 'SEP-B1', impact: 'site-wells' },
  { asset_id: 'CMP-B1', impact: 'site-wells' },
  { asset_id: 'SEP-C1', impact: 'site-wells' },
  { asset_id: 'P-201A', impact: 'none' },
];

const wellAsset = (asset_id: string, site_id: string, name: string): AssetRow => ({
  asset_id,
  asset_name: name,
  site_id,
  asset_type: 'well',
  unit: 'bbl/d',
});

/** All demo assets: twelve wells and eight facilities over three sites. */
export const DEMO_ASSETS: readonly AssetRow[] = [
  wellAsset('WELL-A01', 'SITE-A', 'Well A-01 (North Basin 1H)'),
  wellAsset('WELL-A02', 'SITE-A', 'Well A-02 (North Basin 2H)'),
  wellAsset('WELL-A03', 'SITE-A', 'Well A-03 (North Basin 3)'),
  wellAsset('WELL-A04', 'SITE-A', 'Well A-04 (North Basin 4H)'),
  {
    asset_id: 'SEP-A1',
    asset_name: 'Production separator train 1',
    site_id: 'SITE-A',
    asset_type: 'separator',
    unit: 'bbl/d',
  },
  {
    asset_id: 'CMP-A1',
    asset_name: 'Gas export compressor A1',
    site_id: 'SITE-A',
    asset_type: 'compressor',
    unit: 'mscf/d',
  },
  {
    asset_id: 'P-101A',
    asset_name: 'Oil transfer pump P-101A (duty)',
    site_id: 'SITE-A',
    asset_type: 'pump',
    unit: 'bbl/d',
  },
  {
    asset_id: 'P-101B',
    asset_name: 'Oil transfer pump P-101B (standby)',
    site_id: 'SITE-A',
    asset_type: 'pump',
    unit: 'bbl/d',
  },
  wellAsset('WELL-B01', 'SITE-B', 'Well B-01 (Sierra Alta 1, gas lift)'),
  wellAsset('WELL-B02', 'SITE-B', 'Well B-02 (Sierra Alta 2, gas lift)'),
  wellAsset('WELL-B03', 'SITE-B', 'Well B-03 (Sierra Alta 3, gas lift)'),
  wellAsset('WELL-B04', 'SITE-B', 'Well B-04 (Sierra Alta 4, gas lift)'),
  {
    asset_id: 'SEP-B1',
    asset_name: 'Production separator B1',
    site_id: 'SITE-B',
    asset_type: 'separator',
    unit: 'bbl/d',
  },
  {
    asset_id: 'CMP-B1',
    asset_name: 'Gas-lift compressor B1',
    site_id: 'SITE-B',
    asset_type: 'compressor',
    unit: 'mscf/d',
  },
  wellAsset('WELL-C01', 'SITE-C', 'Pozo C-01 (Río Claro 1)'),
  wellAsset('WELL-C02', 'SITE-C', 'Pozo C-02 (Río Claro 2)'),
  wellAsset('WELL-C03', 'SITE-C', 'Pozo C-03 (Río Claro 3)'),
  wellAsset('WELL-C04', 'SITE-C', 'Pozo C-04 (Río Claro 4)'),
  {
    asset_id: 'SEP-C1',
    asset_name: 'Separador de producción C1',
    site_id: 'SITE-C',
    asset_type: 'separator',
    unit: 'bbl/d',
  },
  {
    asset_id: 'P-201A',
    asset_name: 'Bomba de inyección de agua P-201A',
    site_id: 'SITE-C',
    asset_type: 'pump',
    unit: 'bbl/d',
  },
];

/** Site of a demo asset; throws for an unknown id. */
export function siteOfAsset(assetId: string): string {
  const asset = DEMO_ASSETS.find((candidate) => candidate.asset_id === assetId);
  if (!asset) throw new Error(`unknown demo asset ${assetId}`);
  return asset.site_id;
}

/** Ids of the assets of `siteId`, optionally of one type, in catalog order. */
export const assetIdsOfSite = (siteId: string, type?: DemoAssetType): string[] =>
  DEMO_ASSETS.filter(
    (asset) => asset.site_id === siteId && (type === undefined || asset.asset_type === type),
  ).map((asset) => asset.asset_id);
