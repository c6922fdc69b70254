import { z } from '@hono/zod-openapi';

const codeList = z
  .array(
    z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9 ._:/-]+$/),
  )
  .max(50);

/** Filters accepted by retrieval and explain. */
export const RagFiltersSchema = z
  .object({
    site: codeList.optional(),
    asset: codeList.optional(),
    doc_type: z
      .array(z.enum(['runbook', 'dashboard', 'document']))
      .max(3)
      .optional(),
    tags: codeList.optional(),
  })
  .strict()
  .openapi('RagFilters');

/** A retrieved chunk as the API shows it. */
export const SearchHitSchema = z
  .object({
    chunk_id: z.string(),
    document_id: z.string(),
    title: z.string(),
    uri: z.string(),
    heading_path: z.array(z.string()),
    span: z.union([
      z.object({
        startLine: z.number(),
        endLine: z.number(),
        file: z.string().optional().openapi({
          description: 'For a Power BI Project: the file the lines are in, relative to `uri`.',
        }),
      }),
      z.object({ page: z.number() }),
    ]),
    snippet: z.string(),
    text: z
      .string()
      .openapi({ description: 'The whole passage (at most about 350 tokens), for retrievers.' }),
    doc_type: z.string(),
    scores: z.object({
      vector: z.number().nullable(),
      text: z.number().nullable(),
      vector_rank: z.number().nullable(),
      text_rank: z.number().nullable(),
      fused: z.number(),
    }),
  })
  .openapi('SearchHit');

/** A document of the index. */
export const RagDocumentSchema = z
  .object({
    id: z.string(),
    uri: z.string(),
    title: z.string(),
    doc_type: z.string(),
    format: z.string(),
    language: z.string().nullable(),
    tags: z.array(z.string()),
    sites: z.array(z.string()),
    assets: z.array(z.string()),
    content_hash: z.string(),
    chunk_count: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('RagDocument');
