import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../../src/http/context.js';
import { accessLog, type RequestObserver } from '../../../src/http/middleware/access-log.js';
import { capturingLogger } from '../../support/services.js';

type Sample = Parameters<RequestObserver>[0];

function probeApp() {
  const { logger, lines } = capturingLogger('info');
  const samples: Sample[] = [];
  const app = new Hono<AppEnv>();
  app.use(accessLog({ logger, environment: 'dev', observe: (sample) => void samples.push(sample) }));
  app.get('/health', (c) =>
    c.req.query('fail') ? c.json({ status: 'down' }, 503) : c.json({ status: 'ok' }),
  );
  app.get('/health/ready', (c) => c.json({ status: 'ready' }));
  app.get('/insights', (c) => c.json({ ok: true }));
  const logged = () =>
    lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'request');
  return { app, samples, logged };
}

describe('accessLog and health probes', () => {
  it('writes no line for a successful probe but reports it to the observer as a probe', async () => {
    const { app, samples, logged } = probeApp();
    expect((await app.request('/health')).status).toBe(200);
    expect((await app.request('/health/ready')).status).toBe(200);
    expect(logged()).toEqual([]);
    expect(samples.map(({ route, status, probe }) => ({ route, status, probe }))).toEqual([
      { route: '/health', status: 200, probe: true },
      { route: '/health/ready', status: 200, probe: true },
    ]);
  });

  it('logs a failing probe like any request', async () => {
    const { app, samples, logged } = probeApp();
    expect((await app.request('/health?fail=1')).status).toBe(503);
    expect(logged()).toEqual([
      expect.objectContaining({ level: 'error', route: '/health', path: '/health', status: 503, env: 'dev' }),
    ]);
    expect(samples).toEqual([expect.objectContaining({ route: '/health', status: 503, probe: true })]);
  });

  it('logs every other request, including paths under /health that match no probe route', async () => {
    const { app, samples, logged } = probeApp();
    expect((await app.request('/insights')).status).toBe(200);
    expect((await app.request('/health/other')).status).toBe(404);
    expect(logged().map(({ route, status }) => ({ route, status }))).toEqual([
      { route: '/insights', status: 200 },
      { route: '/*', status: 404 },
    ]);
    expect(samples.map((sample) => sample.probe)).toEqual([false, false]);
  });

  it('takes its probe routes from options', async () => {
    const { logger, lines } = capturingLogger('info');
    const app = new Hono<AppEnv>();
    app.use(accessLog({ logger, environment: 'qa', probeRoutes: ['/livez'] }));
    app.get('/livez', (c) => c.text('ok'));
    app.get('/health', (c) => c.text('ok'));
    await app.request('/livez');
    await app.request('/health');
    expect(lines.map((line) => (JSON.parse(line) as { route: string }).route)).toEqual(['/health']);
  });
});
