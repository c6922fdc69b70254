import { seedDemoData } from '/work/wt/h15-explain/src/domain/demo/seed.js';
import { DEMO_DOCUMENT_DIRS } from '/work/wt/h15-explain/src/services.js';
import { buildTestApp, openTestStores } from '/work/wt/h15-explain/test/support/services.js';
const stores = await openTestStores();
await seedDemoData(stores.warehouse, { endDate: '2025-06-15' });
const { services } = await buildTestApp(stores);
await services.rag.ingestPaths(DEMO_DOCUMENT_DIRS, { exclude: ['README.md'] });
for (const q of process.argv.slice(2)) {
  const r = await services.explain.explain({ question: q, topK: 5, allowedSites: null, keyId: null, requestId: null });
  console.log('Q:', q, '\n ', r.scope.intent, JSON.stringify(r.scope.periods), r.abstained, r.verification.ok, r.verification.unmatchedNumbers, r.timings.total_ms, '\n', r.answer, '\n');
}
await services.close(); await stores.db.close(); await stores.warehouse.close();
