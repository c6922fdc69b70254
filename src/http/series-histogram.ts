import { Histogram, type HistogramConfiguration, type LabelValues } from 'prom-client';

/** One labelled series: its label values, per-bucket counts (not cumulative), sum and count. */
interface Series<Label extends string> {
  labels: LabelValues<Label>;
  counts: Float64Array;
  sum: number;
  count: number;
}

/** A value of the exposition, in the shape prom-client's registry renders. */
interface ExportedValue<Label extends string> {
  labels: { le?: string | number } | LabelValues<Label>;
  sharedLabels?: LabelValues<Label>;
  value: number;
  metricName: string;
  /** Always null (no exemplars), on `_bucket` lines only, as prom-client writes it. */
  exemplar?: null;
}

/**
 * A prom-client `Histogram` for the request path: {@link record} adds an observation to a series named by
 * a key the caller already has (`"GET /insights/daily 200"`), so an observation is one map lookup and one
 * bucket increment, where prom-client's `observe` validates, hashes and copies the labels each time. The
 * registry renders it like any histogram (cumulative `_bucket` with `le`, `_sum`, `_count`).
 */
export class SeriesHistogram<Label extends string> extends Histogram<Label> {
  private readonly series = new Map<string, Series<Label>>();
  private readonly bounds: readonly number[];
  private readonly metricName: string;
  private readonly metricHelp: string;

  constructor(config: HistogramConfiguration<Label> & { buckets: readonly number[] }) {
    super({ ...config, buckets: [...config.buckets] });
    this.bounds = [...config.buckets].sort((left, right) => left - right);
    this.metricName = config.name;
    this.metricHelp = config.help;
  }

  /** Adds `value` to the series `key`; `labels` are kept the first time the key is seen. */
  record(key: string, labels: LabelValues<Label>, value: number): void {
    let series = this.series.get(key);
    if (!series) {
      series = { labels, counts: new Float64Array(this.bounds.length), sum: 0, count: 0 };
      this.series.set(key, series);
    }
    const bounds = this.bounds;
    let bucket = 0;
    while (bucket < bounds.length && value > (bounds[bucket] as number)) bucket += 1;
    if (bucket < bounds.length) series.counts[bucket] = (series.counts[bucket] as number) + 1;
    series.sum += value;
    series.count += 1;
  }

  override reset(): void {
    // prom-client's constructor calls reset() before this class's fields exist.
    if (this.series) this.series.clear();
    super.reset();
  }

  /** What the registry renders (`registry.metrics()`): label values shared by a series' lines. */
  async getForPromString() {
    return this.exported(false);
  }

  override async get() {
    return this.exported(true) as unknown as Awaited<ReturnType<Histogram<Label>['get']>>;
  }

  private exported(splay: boolean) {
    const values: ExportedValue<Label>[] = [];
    const line = (
      labels: ExportedValue<Label>['labels'],
      shared: LabelValues<Label>,
      value: number,
      suffix: string,
    ): ExportedValue<Label> => ({
      ...(splay ? { labels: { ...shared, ...labels } } : { labels, sharedLabels: shared }),
      value,
      metricName: `${this.metricName}${suffix}`,
      ...(suffix === '_bucket' ? { exemplar: null } : {}),
    });
    for (const series of this.series.values()) {
      let cumulative = 0;
      this.bounds.forEach((bound, index) => {
        cumulative += series.counts[index] as number;
        values.push(line({ le: bound }, series.labels, cumulative, '_bucket'));
      });
      values.push(line({ le: '+Inf' }, series.labels, series.count, '_bucket'));
      values.push(line({}, series.labels, series.sum, '_sum'));
      values.push(line({}, series.labels, series.count, '_count'));
    }
    return {
      name: this.metricName,
      help: this.metricHelp,
      type: 'histogram' as const,
      aggregator: 'sum' as const,
      values,
    };
  }
}
