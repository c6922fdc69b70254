import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SeriesHistogram } from '../../../src/http/series-histogram.js';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const config = {
  name: 'http_request_duration_seconds',
  help: 'latency',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: BUCKETS,
};

/** Deterministic observations across three series, bucket edges and the overflow included. */
function observations() {
  const routes = ['/insights/daily', '/rag/search', '/insights'];
  const values = [0, 0.005, 0.0051, 0.01, 0.3, 0.99, 1, 1.5, 42, 0.024999];
  return values.flatMap((value, index) =>
    routes.map((route, offset) => ({
      labels: { method: 'GET', route, status: String(200 + ((index + offset) % 2) * 204) },
      value: value * (offset + 1),
    })),
  );
}

describe('SeriesHistogram', () => {
  it('renders exactly what prom-client’s Histogram renders for the same observations', async () => {
    const reference = new Registry();
    const fast = new Registry();
    const expected = new Histogram({ ...config, registers: [reference] });
    const actual = new SeriesHistogram({ ...config, registers: [fast] });
    for (const { labels, value } of observations()) {
      expected.observe(labels, value);
      actual.record(`${labels.method} ${labels.route} ${labels.status}`, labels, value);
    }
    expect(await fast.metrics()).toBe(await reference.metrics());
    const plain = (value: unknown) => JSON.parse(JSON.stringify(value));
    expect(plain(await actual.get())).toEqual(plain(await expected.get()));
  });

  it('forgets every series on reset', async () => {
    const registry = new Registry();
    const histogram = new SeriesHistogram({ ...config, registers: [registry] });
    histogram.record('GET / 200', { method: 'GET', route: '/', status: '200' }, 0.2);
    histogram.reset();
    expect((await histogram.get()).values).toEqual([]);
  });
});
