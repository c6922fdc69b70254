/**
 * Fuzzy entity resolution for mentions the exact matchers missed: a site, well or asset code written with
 * a typo, without leading zeros or without its field prefix ("WELL-B1", "Sierra Alto", "pozo c3").
 */
import { foldText } from '../language.js';
import type { UnderstandMembers } from '../understand.js';

const PREFIX = /^(?:site|sitio|planta|plant|instalacion|facility|field|campo|well|pozo|asset|activo)\s+/;

/** Lower-case, accent-free, alphanumerics only, leading zeros of digit runs dropped ("WELL-B01" → "wellb1"). */
export function normaliseName(text: string): string {
  return foldText(text)
    .replace(PREFIX, '')
    .replace(/[^\p{L}\p{N}]+/gu, '')
    .replace(/(?<!\p{N})0+(?=\p{N})/gu, '');
}

/** Levenshtein distance, stopping early beyond `limit`. */
export function editDistance(left: string, right: string, limit = 3): number {
  if (Math.abs(left.length - right.length) > limit) return limit + 1;
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= right.length; j++) {
      const cost = left[i - 1] === right[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      best = Math.min(best, current[j]!);
    }
    if (best > limit) return limit + 1;
    previous = current;
  }
  return previous[right.length]!;
}

/** A member found by fuzzy matching. */
export interface FuzzyMatch {
  kind: 'site' | 'asset';
  id: string;
  distance: number;
}

function candidates(
  members: UnderstandMembers,
): Array<{ kind: 'site' | 'asset'; id: string; names: string[] }> {
  const parts = (name: string) =>
    name
      .split(/\s+[—–-]\s+|[()|,]/)
      .map((part) => part.trim())
      .filter(Boolean);
  return [
    ...members.sites.map((site) => ({
      kind: 'site' as const,
      id: site.id,
      names: [site.id, site.name, ...parts(site.name)].map(normaliseName),
    })),
    ...members.assets.map((asset) => ({
      kind: 'asset' as const,
      id: asset.id,
      names: [
        asset.id,
        ...parts(asset.name),
        asset.id.replace(/^[\d/]+-/, ''),
        asset.id.replace(/^[A-Z]+-/i, ''),
      ].map(normaliseName),
    })),
  ];
}

/**
 * The one member a mention most plausibly names: exact after normalisation, else within one edit (two for
 * names of eight characters or more). Null when nothing is close or two members are equally close.
 */
export function fuzzyMember(mention: string, members: UnderstandMembers): FuzzyMatch | null {
  const wanted = normaliseName(mention);
  if (wanted.length < 2) return null;
  const limit = wanted.length >= 8 ? 2 : 1;
  let best: FuzzyMatch | null = null;
  let tie = false;
  for (const candidate of candidates(members)) {
    const distance = Math.min(
      ...candidate.names.filter((name) => name.length >= 2).map((name) => editDistance(wanted, name, limit)),
    );
    if (distance > limit || (wanted.length <= 3 && distance > 0)) continue;
    if (!best || distance < best.distance) {
      best = { kind: candidate.kind, id: candidate.id, distance };
      tie = false;
    } else if (distance === best.distance && candidate.id !== best.id) tie = true;
  }
  return tie ? null : best;
}
