import { z } from 'zod';
import type { DocType } from './types.js';

const stringList = z
  .union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))])
  .transform((value) =>
    (Array.isArray(value) ? value.map(String) : String(value).split(','))
      .map((item) => item.trim())
      .filter(Boolean),
  );

/**
 * Document metadata accepted in Markdown front matter (YAML, including Hugo's) and HTML `<meta>` tags.
 * `keywords` and `cause_codes` are merged into the tags. Unknown keys (e.g. Hugo's `weight`) are ignored.
 */
export const DocumentMetadataSchema = z.looseObject({
  title: z.union([z.string(), z.number()]).transform(String).optional(),
  tags: stringList.optional(),
  keywords: stringList.optional(),
  cause_codes: stringList.optional(),
  sites: stringList.optional(),
  assets: stringList.optional(),
  doc_type: z.enum(['runbook', 'dashboard', 'document']).optional(),
  language: z.string().min(2).optional(),
});

/** Metadata a loader found in the source itself. */
export interface SourceMetadata {
  title?: string;
  tags: string[];
  sites: string[];
  assets: string[];
  docType?: DocType;
  language?: string;
}

/** Describes the first zod issue as `field "a.b[0]": message`. */
export function describeIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  if (!issue) return { field: '(root)', message: 'invalid value' };
  return { field: formatPath(issue.path), message: issue.message };
}

/** Formats a zod / YAML path as `pages[1].visuals[0].title`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

/**
 * Validates raw front matter. Returns the metadata, or the name of the offending field and why it is
 * invalid.
 */
export function parseSourceMetadata(
  raw: unknown,
): { ok: true; metadata: SourceMetadata } | { ok: false; field: string; message: string } {
  const parsed = DocumentMetadataSchema.safeParse(raw ?? {});
  if (!parsed.success) return { ok: false, ...describeIssue(parsed.error) };
  const data = parsed.data;
  return {
    ok: true,
    metadata: {
      title: data.title?.trim() || undefined,
      tags: [...(data.tags ?? []), ...(data.keywords ?? []), ...(data.cause_codes ?? [])],
      sites: data.sites ?? [],
      assets: data.assets ?? [],
      docType: data.doc_type,
      language: data.language,
    },
  };
}
