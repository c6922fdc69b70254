import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Mapping, MappingError, parseMapping } from './mapping.js';

/** Names a registered mapping may have (also its file name, `NAME.yaml`). */
export const MAPPING_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** A mapping registered for HTTP loads: a `NAME.yaml` (or `NAME.mapping.yaml`) file in the mappings folder. */
export interface RegisteredMapping {
  name: string;
  file: string;
  mapping: Mapping;
}

const SUFFIXES = ['.mapping.yaml', '.yaml', '.yml'] as const;

const nameOf = (file: string): string | undefined => {
  const suffix = SUFFIXES.find((candidate) => file.endsWith(candidate));
  const name = suffix ? file.slice(0, -suffix.length) : undefined;
  return name && MAPPING_NAME.test(name) ? name : undefined;
};

/**
 * Every mapping in `folder`, validated; a file that does not validate is listed with its issues so the
 * operator sees why a name is not loadable. A missing folder is an empty registry.
 */
export async function listRegisteredMappings(
  folder: string,
): Promise<Array<RegisteredMapping | { name: string; file: string; error: string }>> {
  let files: string[];
  try {
    files = (await readdir(folder)).sort();
  } catch {
    return [];
  }
  const seen = new Set<string>();
  const entries: Array<RegisteredMapping | { name: string; file: string; error: string }> = [];
  for (const file of files) {
    const name = nameOf(file);
    if (!name || seen.has(name)) continue;
    seen.add(name);
    const full = path.join(folder, file);
    try {
      entries.push({
        name,
        file: full,
        mapping: parseMapping(await readFile(full, 'utf8'), { origin: file }),
      });
    } catch (error) {
      entries.push({ name, file: full, error: (error as Error).message });
    }
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The registered mapping `name`, or undefined when there is none; throws {@link MappingError} when invalid. */
export async function readRegisteredMapping(
  folder: string,
  name: string,
): Promise<RegisteredMapping | undefined> {
  if (!MAPPING_NAME.test(name)) return undefined;
  for (const suffix of SUFFIXES) {
    const file = path.join(folder, `${name}${suffix}`);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    return { name, file, mapping: parseMapping(text, { origin: `${name}${suffix}` }) };
  }
  return undefined;
}

export { MappingError };
