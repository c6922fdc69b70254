import { openDatabase } from '../adapters/postgres/database.js';
import { migrate } from '../adapters/postgres/migrate.js';
import { PgRagRepository } from '../adapters/postgres/rag-repository.js';
import type { Config } from '../config.js';
import { findRunningServer } from '../control-plane.js';
import { RagIndexService } from '../domain/rag/index-service.js';
import { buildModels } from '../services.js';

/** Opens the configured environment's RAG index for a CLI command (refusing while the embedded server runs). */
export async function openRagIndex(config: Config, options: { checkCompatible: boolean }) {
  if (config.database.mode === 'embedded' && findRunningServer(config.dataDir)) {
    throw new Error(
      `the embedded server is running on ${config.dataDir} and holds its database; stop it first, or upload documents with POST /rag/documents`,
    );
  }
  const db = await openDatabase(config.database);
  try {
    await migrate(db.pool, { variables: { embedding_dimension: config.embedder.dimension } });
    const { embedder } = buildModels(config);
    const rag = new RagIndexService(new PgRagRepository(db.pool, config.profile.ragSchema), embedder, {
      limits: config.ingestLimits,
    });
    if (options.checkCompatible) await rag.ensureCompatible();
    return { rag, embedder, close: () => db.close() };
  } catch (error) {
    await db.close();
    throw error;
  }
}
