import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { SOURCE_EXTENSIONS } from './load.js';
import { isProjectFolder } from './pbip/index.js';

/** Options of {@link walkSources}. */
export interface WalkOptions {
  /**
   * Files to leave out: a string equals, and a RegExp is tested against, a file's path relative to the
   * root it was found under (POSIX separators), e.g. `README.md` leaves out only the root's README.
   */
  exclude?: readonly (string | RegExp)[];
}

const SKIPPED_DIRECTORIES = new Set(['node_modules']);
/** What belongs to the Power BI Project of a folder (read as one source with the folder). */
const PROJECT_PARTS = /\.(pbip|Report|SemanticModel)$/;
const SKIPPED_FILES = /^(licen[cs]e|copying|notice)(\.[a-z]+)?$|^manifest\.csv$/i;

function isSource(name: string): boolean {
  return (
    !name.startsWith('.') &&
    !SKIPPED_FILES.test(name) &&
    path.extname(name).toLowerCase() in SOURCE_EXTENSIONS
  );
}

function isExcluded(relative: string, exclude: readonly (string | RegExp)[]): boolean {
  return exclude.some((rule) => (typeof rule === 'string' ? rule === relative : rule.test(relative)));
}

async function walkDirectory(
  root: string,
  relative: string,
  out: string[],
  options: WalkOptions,
): Promise<void> {
  const directory = path.join(root, relative);
  const project = await isProjectFolder(directory);
  if (project) out.push(relative ? directory : path.normalize(root));
  const entries: Dirent[] = await readdir(directory, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    if (project && PROJECT_PARTS.test(entry.name)) continue;
    const childRelative = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(entry.name)) await walkDirectory(root, childRelative, out, options);
    } else if (entry.isFile() && isSource(entry.name) && !isExcluded(childRelative, options.exclude ?? [])) {
      out.push(path.join(root, childRelative));
    }
  }
}

/**
 * Lists the files to ingest under the given files and directories: recursively, by extension (.md
 * .markdown .html .htm .txt .pdf .yaml .yml .json), skipping hidden entries, node_modules, licence files
 * and MANIFEST.csv. A Power BI Project folder (see `isProjectFolder`) is listed as one source, the folder
 * itself, and its `.pbip`, `*.Report` and `*.SemanticModel` entries are not walked; a `.pbip` file given as
 * a root stands for its folder, and a `.zip` file given as a root is read as a zipped project. Paths keep
 * the form of the given roots (relative stays relative); the result is de-duplicated and sorted by code
 * point.
 */
export async function walkSources(paths: readonly string[], options: WalkOptions = {}): Promise<string[]> {
  const out: string[] = [];
  for (const root of paths) {
    const info = await stat(root);
    if (info.isDirectory()) await walkDirectory(root, '', out, options);
    else if (info.isFile() && root.toLowerCase().endsWith('.pbip'))
      out.push(path.dirname(path.normalize(root)));
    else if (info.isFile() && root.toLowerCase().endsWith('.zip')) out.push(path.normalize(root));
    else if (info.isFile() && isSource(path.basename(root))) out.push(path.normalize(root));
  }
  return [...new Set(out)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
