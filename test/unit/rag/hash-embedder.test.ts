import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  analyseText,
  EMBED_SLICE,
  foldAccents,
  HashEmbedder,
  stem,
} from '../../../src/adapters/local/hash-embedder.js';
import { chunkDocument, loadFile, walkSources } from '../../../src/domain/rag/ingest/index.js';
import { EmbedderError } from '../../../src/ports/embedder.js';

const embedder = new HashEmbedder();

function cosine(a: readonly number[], b: readonly number[]): number {
  return a.reduce((total, value, index) => total + value * b[index]!, 0);
}

async function rank(query: string, candidates: readonly string[]): Promise<string[]> {
  const [queryVector, ...vectors] = await embedder.embed([query, ...candidates], 'query');
  return candidates
    .map((text, index) => ({ text, score: cosine(queryVector!, vectors[index]!) }))
    .sort((a, b) => b.score - a.score)
    .map((entry) => entry.text);
}

describe('HashEmbedder', () => {
  it('names its model after the dimension and validates the dimension', () => {
    expect(embedder.model).toBe('local-hash-v1-384');
    expect(embedder.dimension).toBe(384);
    expect(new HashEmbedder({ dimension: 1024 }).model).toBe('local-hash-v1-1024');
    expect(() => new HashEmbedder({ dimension: 10 })).toThrow(EmbedderError);
    expect(() => new HashEmbedder({ dimension: 100.5 })).toThrow(/dimension/);
  });

  it('is deterministic across calls and instances, and L2-normalised', async () => {
    const texts = [
      'Compressor CMP-A1 tripped on high discharge temperature.',
      'Pozo cerrado por mantenimiento',
      '',
    ];
    const first = await embedder.embed(texts, 'document');
    const second = await new HashEmbedder().embed(texts, 'query');
    expect(second).toEqual(first);
    for (const vector of first) {
      expect(vector).toHaveLength(384);
      expect(Math.sqrt(cosine(vector, vector))).toBeCloseTo(1, 10);
      expect(vector.every(Number.isFinite)).toBe(true);
    }
    expect(first[0]).not.toEqual(first[1]);
  });

  it('ranks a paraphrase above unrelated text', async () => {
    const document =
      'The etcd cluster has no leader; leader election fails when control plane nodes cannot reach each other.';
    const ranking = await rank('Why is there no elected leader in etcd?', [
      'Sidekiq queues grow when the database is slow; remove jobs from the mail queue.',
      document,
      'Renew the TLS certificate with SSLMate and upload it to the load balancer.',
    ]);
    expect(ranking[0]).toBe(document);
  });

  it('matches an asset code such as P-101A exactly, also without the hyphen', async () => {
    const target = 'Changeover from P-101A to the standby pump after a mechanical seal leak.';
    const candidates = [
      'Changeover from P-201A to the standby pump after a mechanical seal leak.',
      target,
      'Pump P-101B is the standby of the export line.',
    ];
    expect((await rank('P-101A', candidates))[0]).toBe(target);
    expect((await rank('p101a seal', candidates))[0]).toBe(target);
    expect(analyseText('P-101A and CMP-TRIP').codes).toEqual(['p101a', 'cmptrip']);
  });

  it('matches alert names written in camelCase and as separate words', async () => {
    const target = 'KubePodCrashLooping: pod is restarting repeatedly.';
    const ranking = await rank('kube pod crash looping', [
      'KubePersistentVolumeFillingUp: volume almost full.',
      target,
      'NodeClockNotSynchronising: chronyd stopped.',
    ]);
    expect(ranking[0]).toBe(target);
  });

  it('brings Spanish and English variants to shared stems', () => {
    expect(stem('certificates')).toBe(stem('certificado'));
    expect(stem('certificados')).toBe(stem('certificate'));
    expect(stem('alerts')).toBe(stem('alertas'));
    expect(stem('nodes')).toBe(stem('nodos'));
    expect(stem('replication')).toBe(stem('replicacion'));
    expect(stem('notifications')).toBe(stem('notificaciones'));
    expect(stem('expiring')).toBe(stem('expiration'));
    expect(stem('running')).toBe('run');
    expect(stem('DNS'.toLowerCase())).toBe('dns');
    expect(foldAccents('válvula de presión, señal')).toBe('valvula de presion, senal');
    const words = analyseText('La válvula del pozo falló').words;
    expect(words.map((word) => word.aliases)).toEqual([[stem('valve')], [stem('well')], [stem('fail')]]);
  });

  it('lets a Spanish question find the English passage', async () => {
    const target =
      'The surface safety valve must close within 45 seconds after the emergency shutdown signal.';
    const ranking = await rank(
      '¿En cuánto tiempo debe cerrar la válvula de seguridad tras la parada de emergencia?',
      [
        'Redis failover happens when the primary node is unreachable for too long.',
        'Firewater pumps must run for at least 30 minutes during a platform shut-in.',
        target,
      ],
    );
    expect(ranking[0]).toBe(target);
  });

  it('finds the expected runbook in the top 5 for most benchmark questions (dense only)', async () => {
    const files = await walkSources(['../shared/data/runbooks'], { exclude: ['README.md'] });
    const chunks = (await Promise.all(files.map((file) => loadFile(file)))).flatMap((document) =>
      chunkDocument(document),
    );
    const vectors = await embedder.embed(
      chunks.map((chunk) => chunk.embeddingText),
      'document',
    );
    const questions = JSON.parse(readFileSync('bench/rag/questions-runbooks.json', 'utf8')) as {
      question: string;
      expected: string[];
      kind: string;
    }[];
    const positives = questions.filter((question) => question.kind !== 'negative');
    expect(positives.length).toBeGreaterThanOrEqual(28);
    expect(questions.filter((question) => question.kind === 'negative').length).toBeGreaterThanOrEqual(4);
    let hits = 0;
    for (const question of positives) {
      const [query] = await embedder.embed([question.question], 'query');
      const best = new Map<string, number>();
      vectors.forEach((vector, index) => {
        const score = cosine(query!, vector);
        const uri = chunks[index]!.uri;
        if (score > (best.get(uri) ?? -1)) best.set(uri, score);
      });
      const top5 = [...best.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([uri]) => uri);
      for (const expected of question.expected) expect(files).toContain(expected);
      if (top5.some((uri) => question.expected.includes(uri))) hits++;
    }
    expect(hits / positives.length).toBeGreaterThanOrEqual(0.9);
  });

  it('yields to the event loop between slices of a large batch, with the same vectors in order', async () => {
    const embedder = new HashEmbedder();
    const texts = Array.from(
      { length: EMBED_SLICE * 3 + 5 },
      (_, index) => `compressor trip ${index} on SITE-B`,
    );
    let ticks = 0;
    const ticking = setInterval(() => {
      ticks += 1;
    }, 0);
    const vectors = await embedder.embed(texts, 'document');
    clearInterval(ticking);
    expect(vectors).toEqual(texts.map((text) => embedder.embedText(text)));
    expect(ticks).toBeGreaterThanOrEqual(1);
  });
});
