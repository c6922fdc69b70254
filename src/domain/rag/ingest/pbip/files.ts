import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { IngestError } from '../errors.js';

/** The text files of a Power BI Project, by POSIX path relative to the project folder (or archive root). */
export type ProjectFiles = ReadonlyMap<string, string>;

/** Bounds on what a project may hold; a folder or archive beyond them is refused, never half-read. */
export interface ProjectLimits {
  /** Files of the project that are read (PBIR JSON, TMDL, `.pbip`, `.platform`). */
  maxFiles: number;
  /** Bytes of one such file. */
  maxFileBytes: number;
  /** Bytes of all such files together (uncompressed). */
  maxTotalBytes: number;
}

/** Default {@link ProjectLimits}: far above real reports, far below what hurts the process. */
export const PROJECT_LIMITS: ProjectLimits = {
  maxFiles: 5_000,
  maxFileBytes: 8 * 1024 * 1024,
  maxTotalBytes: 64 * 1024 * 1024,
};

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const PROJECT_FILE =
  /^([^/]+\.pbip|[^/]+\.(Report|SemanticModel)\/(\.platform|definition\.pbir|definition\.pbism|report\.json|definition\/.+\.(json|tmdl)))$/;
const ARTIFACT_FOLDER = /\.(Report|SemanticModel)$/;
const SKIPPED_DIRECTORIES = new Set(['.pbi', 'StaticResources', 'CustomVisuals']);

/** True when `bytes` start like a ZIP archive. */
export function isZip(bytes: Uint8Array): boolean {
  return ZIP_MAGIC.every((byte, index) => bytes[index] === byte);
}

/**
 * True when a project-relative path is a file the PBIP reader uses: a `.pbip` file at the top, or a
 * `.platform`, `definition.pbir`/`.pbism`, legacy `report.json`, or a JSON/TMDL file under `definition/` of a
 * `*.Report` or `*.SemanticModel` folder at the top.
 */
export function isProjectFile(relative: string): boolean {
  return PROJECT_FILE.test(relative);
}

function decode(bytes: Uint8Array, name: string, uri: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true })
      .decode(bytes)
      .replace(/^\uFEFF/, '')
      .replace(/\r\n?/g, '\n');
  } catch (error) {
    throw new IngestError(uri, 'malformed', `${name} is not valid UTF-8`, { cause: error });
  }
}

class Budget {
  private files = 0;
  private bytes = 0;
  constructor(
    private readonly uri: string,
    private readonly limits: ProjectLimits,
  ) {}

  take(name: string, size: number): void {
    this.files += 1;
    this.bytes += size;
    if (this.files > this.limits.maxFiles) {
      throw new IngestError(this.uri, 'too_large', `project has more than ${this.limits.maxFiles} files`);
    }
    if (size > this.limits.maxFileBytes) {
      throw new IngestError(
        this.uri,
        'too_large',
        `${name} is ${size} bytes, over the ${this.limits.maxFileBytes}-byte limit for one file`,
      );
    }
    if (this.bytes > this.limits.maxTotalBytes) {
      throw new IngestError(
        this.uri,
        'too_large',
        `project files exceed ${this.limits.maxTotalBytes} bytes uncompressed`,
      );
    }
  }
}

/**
 * Reads the project files of a ZIP archive of a Power BI Project. Sizes are checked against the archive's
 * central directory before anything is inflated, and inflation never writes past the declared size, so a
 * ZIP bomb is refused without being expanded. Entries with `..` segments or absolute paths are refused.
 */
export function readProjectZip(
  bytes: Uint8Array,
  uri: string,
  limits: ProjectLimits = PROJECT_LIMITS,
): ProjectFiles {
  const budget = new Budget(uri, limits);
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter(entry) {
        const name = entry.name.replace(/\\/g, '/');
        if (name.endsWith('/')) return false;
        if (name.startsWith('/') || name.split('/').includes('..')) {
          throw new IngestError(uri, 'invalid_pbip', `archive entry "${entry.name}" leaves the archive root`);
        }
        if (!isProjectFile(name) && !isProjectFile(withoutFirstSegment(name))) return false;
        budget.take(name, entry.originalSize);
        return true;
      },
    });
  } catch (error) {
    if (error instanceof IngestError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new IngestError(uri, 'malformed', `not a readable ZIP archive: ${detail}`, { cause: error });
  }
  const names = Object.keys(entries).map((name) => name.replace(/\\/g, '/'));
  const wrapped = names.length > 0 && names.every((name) => isProjectFile(withoutFirstSegment(name)));
  const prefixes = new Set(names.map((name) => name.split('/')[0]));
  const strip = wrapped && prefixes.size === 1 && !names.some(isProjectFile);
  const files = new Map<string, string>();
  for (const [name, content] of Object.entries(entries)) {
    const normal = name.replace(/\\/g, '/');
    const key = strip ? withoutFirstSegment(normal) : normal;
    if (isProjectFile(key)) files.set(key, decode(content, name, uri));
  }
  return files;
}

const withoutFirstSegment = (name: string): string => name.slice(name.indexOf('/') + 1);

async function collect(
  root: string,
  relative: string,
  out: Map<string, string>,
  budget: Budget,
  uri: string,
): Promise<void> {
  const entries: Dirent[] = await readdir(path.join(root, relative), { withFileTypes: true });
  entries.sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
  for (const entry of entries) {
    const child = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      const wanted = relative ? !SKIPPED_DIRECTORIES.has(entry.name) : ARTIFACT_FOLDER.test(entry.name);
      if (wanted) await collect(root, child, out, budget, uri);
    } else if (entry.isFile() && isProjectFile(child)) {
      const file = path.join(root, child);
      budget.take(child, (await stat(file)).size);
      out.set(child, decode(await readFile(file), child, uri));
    }
  }
}

/**
 * Reads the project files of a Power BI Project folder (see {@link isProjectFile}) within `limits`: the
 * `.pbip` files and the `*.Report` / `*.SemanticModel` folders at its top; anything else there (a README,
 * other projects in subfolders) is not part of the project.
 */
export async function readProjectFolder(
  folder: string,
  uri: string,
  limits: ProjectLimits = PROJECT_LIMITS,
): Promise<ProjectFiles> {
  const files = new Map<string, string>();
  try {
    await collect(folder, '', files, new Budget(uri, limits), uri);
  } catch (error) {
    if (error instanceof IngestError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new IngestError(uri, 'unreadable', `cannot read project folder: ${detail}`, { cause: error });
  }
  return files;
}

/**
 * True when a folder is a Power BI Project: it holds a `.pbip` file, or a `*.Report` folder with a
 * `definition.pbir`, or a `*.SemanticModel` folder with a `definition` folder.
 */
export async function isProjectFolder(folder: string): Promise<boolean> {
  let entries: Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const entry of entries) {
    if (entry.isFile() && entry.name.toLowerCase().endsWith('.pbip')) return true;
    if (!entry.isDirectory()) continue;
    const marker = entry.name.endsWith('.Report')
      ? 'definition.pbir'
      : entry.name.endsWith('.SemanticModel')
        ? 'definition'
        : undefined;
    if (marker && (await stat(path.join(folder, entry.name, marker)).catch(() => undefined))) return true;
  }
  return false;
}
