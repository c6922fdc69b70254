/** Types shared by the explain pipeline: understood questions, facts, passages and answers. */

/** Language of a question and of its answer. */
export type Language = 'en' | 'es';

/** What the comparison in a question is against. */
export type ExplainComparison = 'plan' | 'forecast' | 'previous_period';

/** The structured reading of an operator's question. */
export interface QuestionUnderstanding {
  language: Language;
  sites: string[];
  assets: string[];
  products: string[];
  /** Inclusive ISO date range; null when the question names no time. */
  range: { from: string; to: string } | null;
  /** The phrase the range came from ("yesterday", "en marzo", "2025-03-14"). */
  rangeText: string | null;
  /** Each date phrase on its own, in order of mention (the range above merges them). */
  periods?: Array<{ from: string; to: string; label: string }>;
  compare: ExplainComparison;
  /** True when the question asks about the future (forecast). */
  wantsForecast: boolean;
  /** Words of the question useful for retrieval (codes, causes), lower-case. */
  keywords: string[];
  /**
   * Mentions that look like a site or asset ("Site Z", "WELL-Z99") but match no catalogue member, as
   * written; the caller may abstain on them. Absent means none were looked for.
   */
  unknownMembers?: string[];
}

/**
 * What a fact states, so the grounded composer can phrase it: the headline change against a baseline, a
 * cause's contribution to it, an anomalous day, a forecast, or any other figure.
 */
export type FactKind = 'variance' | 'cause' | 'anomaly' | 'forecast' | 'kpi' | 'event';

/** The insights request that reproduces a fact (`GET {path}?{params}`). */
export interface FactSource {
  path: string;
  params: Record<string, string>;
}

/** A number from the warehouse, with provenance; cited as `[D1]`, `[D2]`, … */
export interface Fact {
  id: string;
  /** Optional; when absent the composer infers it from `cause` and `metric`. */
  kind?: FactKind;
  /** Short label, e.g. "Site B oil variance vs plan on 2025-06-14". */
  label: string;
  metric: string;
  dims: Record<string, string>;
  value: number;
  unit: string;
  query_id: string;
  as_of: string | null;
  /** Optional extra numbers the composer may state (e.g. plan and actual behind a variance). */
  related?: Record<string, number>;
  /** For cause facts: the cause code and category. */
  cause?: { code: string; category: string };
  /** The insights request that reproduces the figure. */
  source?: FactSource;
}

/** A retrieved document passage; cited as `[S1]`, `[S2]`, … */
export interface Passage {
  id: string;
  title: string;
  uri: string;
  heading_path: string[];
  span: { startLine: number; endLine: number } | { page: number };
  snippet: string;
  text: string;
  score: number;
  doc_type: string;
}

/** Verification of a generated answer against the facts and passages it was given. */
export interface Verification {
  ok: boolean;
  citedIds: string[];
  unknownCitations: string[];
  unmatchedNumbers: string[];
  uncitedCauseSentences: string[];
}
