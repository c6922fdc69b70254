import type { Warehouse } from '../../ports/warehouse.js';
import { readLoadStates, type TableLoadState } from './freshness.js';
import { type SemanticModel, warehouseTable } from './semantic.js';

/** A member of a dimension. */
export interface Member {
  id: string;
  name: string;
}

/** Dimension members, data freshness and the data version used to key caches. */
export interface Catalog {
  sites: Member[];
  assets: Array<Member & { site_id: string; type: string }>;
  products: Array<Member & { unit: string }>;
  /** Last date with production data (`null` when the warehouse is empty). */
  asOf: string | null;
  firstDate: string | null;
  /** Forecast model versions present, newest first. */
  forecastVersions: string[];
  /** Last load and last data date of each table (freshness is judged against the day it is read). */
  loadStates: TableLoadState[];
  /** Count of rows per data-quality flag. */
  qualityFlags: Record<string, number>;
  /** Changes whenever data is loaded; part of every cache key. */
  dataVersion: string;
}

/** Reads the data version cheaply: last load time, number of loads and last production date. */
export async function readDataVersion(warehouse: Warehouse, model: SemanticModel): Promise<string> {
  const { rows } = await warehouse.query<{ loaded_at: string | null; loads: number }>(
    `SELECT MAX(loaded_at) AS loaded_at, COUNT(*) AS loads FROM ${warehouseTable(model, 'load_metadata')}`,
  );
  const row = rows[0];
  return `${row?.loaded_at ?? 'never'}#${row?.loads ?? 0}`;
}

/** Loads the full catalog from the warehouse (a handful of small queries). */
export async function readCatalog(warehouse: Warehouse, model: SemanticModel): Promise<Catalog> {
  const dims = model.dimensions;
  const site = dims.site?.members;
  const asset = dims.asset?.members;
  const product = dims.product?.members;
  if (!site || !asset || !product) throw new Error('semantic model lacks site, asset or product members');
  const [dataVersion, sites, assets, products, range, versions, flags, loadStates] = await Promise.all([
    readDataVersion(warehouse, model),
    warehouse.query<{ id: string; name: string }>(
      `SELECT ${site.id} AS id, ${site.name} AS name FROM ${site.table} ORDER BY ${site.id}`,
    ),
    warehouse.query<{ id: string; name: string; site_id: string; type: string }>(
      `SELECT ${asset.id} AS id, ${asset.name} AS name, site_id, asset_type AS type FROM ${asset.table} ORDER BY ${asset.id}`,
    ),
    warehouse.query<{ id: string; name: string; unit: string }>(
      `SELECT ${product.id} AS id, ${product.name} AS name, unit FROM ${product.table} ORDER BY ${product.id}`,
    ),
    warehouse.query<{ first_date: string | null; as_of: string | null }>(
      `SELECT MIN(date) AS first_date, MAX(date) AS as_of FROM ${model.sources.production.table}`,
    ),
    warehouse.query<{ model_version: string }>(
      `SELECT model_version FROM ${model.sources.forecast.table} GROUP BY model_version ORDER BY MAX(generated_at) DESC`,
    ),
    warehouse.query<{ quality_flags: string; n: number }>(
      `SELECT quality_flags, COUNT(*) AS n FROM ${model.sources.production.table} WHERE quality_flags IS NOT NULL GROUP BY quality_flags`,
    ),
    readLoadStates(warehouse, model),
  ]);
  const qualityFlags: Record<string, number> = {};
  for (const row of flags.rows) {
    for (const flag of row.quality_flags.split(',')) {
      const name = flag.trim();
      if (name) qualityFlags[name] = (qualityFlags[name] ?? 0) + row.n;
    }
  }
  return {
    sites: sites.rows,
    assets: assets.rows,
    products: products.rows,
    asOf: range.rows[0]?.as_of ?? null,
    firstDate: range.rows[0]?.first_date ?? null,
    forecastVersions: versions.rows.map((row) => row.model_version),
    qualityFlags,
    loadStates,
    dataVersion,
  };
}
