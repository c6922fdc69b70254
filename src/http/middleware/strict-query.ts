import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.js';
import { ProblemError } from '../problem.js';

/** Query parameters every route accepts besides its own (the key, for Power BI). */
export const UNIVERSAL_QUERY_PARAMETERS: readonly string[] = ['api_key'];

/** The edit distance between two short names (insertions, deletions, substitutions). */
export function editDistance(left: string, right: string): number {
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i++) {
    const current = [i];
    for (let j = 1; j <= right.length; j++) {
      const cost = left[i - 1] === right[j - 1] ? 0 : 1;
      current.push(
        Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost),
      );
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}

/** The accepted name closest to `name` (ties: the first in `accepted`). */
export function closestName(name: string, accepted: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of accepted) {
    const distance = editDistance(name.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Accepted request URLs remembered by {@link strictQuery}; the set starts over when full. */
export const CHECKED_URLS_KEPT = 1_000;

/**
 * Refuses query parameters a route does not define: 400 `invalid_parameter` naming the parameter and the
 * closest valid one (`form` → `from`), so a typo never silently returns the default rows. `acceptedByPath`
 * maps each path to its parameters and is filled once, when the routes are registered; paths it does not
 * hold pass unchecked. Requests without a query string cost one `indexOf`; a URL already accepted (the
 * last {@link CHECKED_URLS_KEPT}) one set lookup.
 */
export function strictQuery(
  acceptedByPath: ReadonlyMap<string, ReadonlySet<string>>,
): MiddlewareHandler<AppEnv> {
  const checked = new Set<string>();
  return function strictQueryMiddleware(c, next) {
    const url = c.req.url;
    const start = url.indexOf('?');
    if (start === -1 || checked.has(url)) return next();
    const accepted = acceptedByPath.get(c.req.path);
    if (accepted) {
      for (const pair of url.slice(start + 1).split('&')) {
        if (pair === '') continue;
        const equals = pair.indexOf('=');
        const raw = equals === -1 ? pair : pair.slice(0, equals);
        let name = raw;
        if (raw.includes('%') || raw.includes('+')) {
          try {
            name = decodeURIComponent(raw.replace(/\+/g, ' '));
          } catch {
            name = raw;
          }
        }
        if (!accepted.has(name)) {
          const shown = name.slice(0, 64);
          const closest = closestName(
            shown,
            [...accepted].filter((candidate) => candidate !== 'api_key'),
          );
          throw new ProblemError(
            'invalid_parameter',
            `Unknown query parameter "${shown}"${closest ? `; did you mean "${closest}"?` : ''}`,
            { param: shown, ...(closest ? { did_you_mean: closest } : {}), accepted: [...accepted] },
          );
        }
      }
      if (checked.size >= CHECKED_URLS_KEPT) checked.clear();
      checked.add(url);
    }
    return next();
  };
}

/** The route definitions `@hono/zod-openapi` keeps in its registry, as far as this module reads them. */
interface RegisteredDefinitions {
  openAPIRegistry: {
    definitions: ReadonlyArray<
      | { type: 'route'; route: { method: string; path: string; request?: { query?: unknown } } }
      | { type: string }
    >;
  };
}

/**
 * Fills `into` with the query parameters of every GET route under `prefix` (or at exactly `prefix`),
 * read once from the route schemas (the single source of OpenAPI), plus {@link UNIVERSAL_QUERY_PARAMETERS}.
 */
export function registerAcceptedQueries(
  app: RegisteredDefinitions,
  prefix: string,
  into: Map<string, ReadonlySet<string>>,
  options: { exact?: boolean } = {},
): void {
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== 'route' || !('route' in definition)) continue;
    const { route } = definition;
    const matches = route.path === prefix || (!options.exact && route.path.startsWith(`${prefix}/`));
    if (route.method !== 'get' || !matches) continue;
    const query = route.request?.query as { shape?: Record<string, unknown> } | undefined;
    if (query !== undefined && query.shape === undefined) continue;
    into.set(route.path, new Set([...Object.keys(query?.shape ?? {}), ...UNIVERSAL_QUERY_PARAMETERS]));
  }
}
