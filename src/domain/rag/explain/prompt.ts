/**
 * Versioned prompt templates of the explain pipeline (`prompts/explain/v1`, `prompts/understand/v1`) and
 * their rendering. Every piece of untrusted text (the question, passages, fact labels from user data, a
 * previous answer) is neutralised before it goes in: delimiter look-alikes and citation look-alikes are
 * defused and instruction-like sentences are replaced by a marker.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { detectLanguage, formatNumber, formatQuantity, LANGUAGE_NAMES } from './language.js';
import type { Fact, Language, Passage, Verification } from './types.js';
import { UNDERSTAND_TOOL_NAME, type UnderstandMembers } from './understand.js';

/** Version of the explain templates; recorded with every answer. */
export const PROMPT_VERSION = 'explain-v1';

/** Version of the understanding templates. */
export const UNDERSTAND_PROMPT_VERSION = 'understand-v1';

/** The repository's `prompts/` folder, resolved from this module (works from `src/` and from `dist/`). */
export const PROMPTS_ROOT = new URL('../../../../prompts/', import.meta.url);

const templateCache = new Map<string, string>();

/** Reads a template relative to {@link PROMPTS_ROOT} (e.g. `explain/v1/system.md`), cached after the first read. */
export function loadPromptTemplate(relativePath: string): string {
  const cached = templateCache.get(relativePath);
  if (cached !== undefined) return cached;
  const text = readFileSync(fileURLToPath(new URL(relativePath, PROMPTS_ROOT)), 'utf8');
  templateCache.set(relativePath, text);
  return text;
}

/**
 * Fills `{{name}}` placeholders in one pass, so placeholder-like text inside a value is never expanded.
 * Throws when the template names a placeholder that `values` lacks.
 */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/gi, (_placeholder, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`prompt template placeholder {{${name}}} has no value`);
    return value;
  });
}

const INJECTION_PATTERNS: readonly RegExp[] = [
  /\b(?:ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,40}\b(?:instructions?|rules|prompts?|directions|guidelines|guardrails)\b/i,
  /\b(?:reveal|print|show|output|repeat|leak|disclose|send|tell)\b[^.!?\n]{0,30}\b(?:system\s+prompt|your\s+(?:instructions|prompt|rules)|api[\s_-]?keys?|secrets?|credentials|passwords?|tokens?|environment\s+variables)\b/i,
  /\bsystem\s+prompt\b/i,
  /\b(?:you\s+are\s+now|from\s+now\s+on\s+you|act\s+as\s+(?:an?\s+)?(?:different|new|unrestricted)|new\s+instructions\s*:)/i,
  /\b(?:ignora|ignore|olvida|omite|desobedece)[rn]?\b[^.!?\n]{0,40}\binstrucciones\b/i,
  /\b(?:revela|muestra|imprime|repite|env[ií]a|dime)[rn]?\b[^.!?\n]{0,30}\b(?:prompt|instrucciones|claves?|contrase[ñn]as?|secretos?|credenciales|tokens?)\b/i,
  /\b(?:ahora\s+eres|a\s+partir\s+de\s+ahora\s+eres|nuevas\s+instrucciones\s*:)/i,
  /<\s*\/?\s*(?:system|assistant|instructions?)\s*>/i,
];

/** True when a text reads like an instruction to the model rather than operational content. */
export const looksLikePromptInjection = (text: string): boolean =>
  INJECTION_PATTERNS.some((pattern) => pattern.test(text));

/** Marker that replaces instruction-like sentences in untrusted text. */
export const REMOVED_INSTRUCTION_MARKER = '[instruction-like text removed]';

const DELIMITER_LOOKALIKE =
  /(<|&lt;|&#0*60;|&#x0*3c;)(\s*\/?\s*(?:sources?|facts?|question|previous_answer|system|user|assistant|instructions?|document|context)\b)/gi;
const CITATION_LOOKALIKE = /\[\s*([DS])\s*(\d+)\s*\]/gi;
const SENTENCE_BOUNDARY = /(?<=[.!?])(?=\s)|(?<=\n)/;

/**
 * Makes untrusted text safe to embed between the prompt's delimiters: tag look-alikes such as `</source>`
 * become `‹/source>`, citation look-alikes such as `[D1]` become `(D1)`, and sentences that read like
 * instructions to the model are replaced by {@link REMOVED_INSTRUCTION_MARKER}.
 */
export function neutraliseUntrustedText(text: string, options: { keepCitations?: boolean } = {}): string {
  const withoutDelimiters = text.replace(
    DELIMITER_LOOKALIKE,
    (_match, _opening: string, rest: string) => `‹${rest}`,
  );
  const defused = options.keepCitations
    ? withoutDelimiters
    : withoutDelimiters.replace(
        CITATION_LOOKALIKE,
        (_match, kind: string, digits: string) => `(${kind.toUpperCase()}${digits})`,
      );
  return defused
    .split(SENTENCE_BOUNDARY)
    .map((piece) => {
      if (!looksLikePromptInjection(piece)) return piece;
      const leading = /^\s*/.exec(piece)?.[0] ?? '';
      return `${leading}${REMOVED_INSTRUCTION_MARKER}${piece.endsWith('\n') ? '\n' : ''}`;
    })
    .join('');
}

const singleLine = (text: string): string => neutraliseUntrustedText(text).replace(/\s+/g, ' ').trim();

/** One fact as the prompt lists it: `[D1] label: value unit (metric; dims; related; cause; as of …)`. */
export function renderFact(fact: Fact, language: Language): string {
  const details = [`metric ${singleLine(fact.metric)}`];
  const dims = Object.entries(fact.dims).map(([key, value]) => `${singleLine(key)}=${singleLine(value)}`);
  if (dims.length > 0) details.push(dims.join(', '));
  const related = Object.entries(fact.related ?? {}).map(
    ([key, value]) => `${singleLine(key)} ${formatNumber(value, language)}`,
  );
  if (related.length > 0) details.push(related.join(', '));
  if (fact.cause) details.push(`cause ${singleLine(fact.cause.code)} (${singleLine(fact.cause.category)})`);
  if (fact.as_of) details.push(`as of ${singleLine(fact.as_of)}`);
  const value = formatQuantity(fact.value, singleLine(fact.unit), language);
  return `[${fact.id}] ${singleLine(fact.label)}: ${value} (${details.join('; ')})`;
}

const spanText = (span: Passage['span']): string =>
  'page' in span ? `page ${span.page}` : `lines ${span.startLine}–${span.endLine}`;

/** One passage as the prompt lists it: a header line, then its neutralised text inside `<source>`. */
export function renderPassage(passage: Passage): string {
  const path = [passage.title, ...passage.heading_path]
    .map(singleLine)
    .filter((part, index, parts) => part !== '' && part !== parts[index - 1])
    .join(' › ');
  const header = `[${passage.id}] ${path} (${singleLine(passage.uri)} ${spanText(passage.span)})`;
  const body = neutraliseUntrustedText(passage.text.trim());
  return `${header}\n<source id="${passage.id}">\n${body}\n</source>`;
}

/** Inputs of {@link renderExplainPrompt}. */
export interface ExplainPromptInput {
  question: string;
  language: Language;
  facts: readonly Fact[];
  passages: readonly Passage[];
}

/** A rendered prompt: the system text, the first user message and the template version. */
export interface RenderedPrompt {
  system: string;
  user: string;
  version: string;
}

/** Renders the explain system prompt and user message from `prompts/explain/v1`. */
export function renderExplainPrompt(input: ExplainPromptInput): RenderedPrompt {
  const languageName = LANGUAGE_NAMES[input.language];
  const system = renderTemplate(loadPromptTemplate('explain/v1/system.md'), {
    prompt_version: PROMPT_VERSION,
    language_name: languageName,
  });
  const facts = input.facts.map((fact) => renderFact(fact, input.language)).join('\n');
  const sources = input.passages.map(renderPassage).join('\n\n');
  const user = renderTemplate(loadPromptTemplate('explain/v1/user.md'), {
    language_name: languageName,
    question: neutraliseUntrustedText(input.question),
    facts: facts || '(no facts)',
    sources: sources || '(no sources)',
  });
  return { system: system.trim(), user: user.trim(), version: PROMPT_VERSION };
}

const quoteList = (values: readonly string[]): string =>
  values.map((value) => `"${singleLine(value)}"`).join(', ');

/**
 * Renders the repair message sent after a failed verification (the conversation keeps the first user
 * message and the failed answer before it). `language` defaults to the detected language of the answer.
 */
export function renderRepairPrompt(
  previousAnswer: string,
  verification: Verification,
  language: Language = detectLanguage(previousAnswer),
): string {
  const problems: string[] = [];
  if (verification.unknownCitations.length > 0) {
    problems.push(
      `- These citations do not exist: ${verification.unknownCitations.map((id) => `[${id}]`).join(', ')}. ` +
        'Cite only the ids listed in the facts and sources.',
    );
  }
  if (verification.unmatchedNumbers.length > 0) {
    problems.push(
      `- These numbers are not in the facts: ${quoteList(verification.unmatchedNumbers)}. ` +
        'Remove them or replace them with the exact figures given.',
    );
  }
  if (verification.uncitedCauseSentences.length > 0) {
    problems.push(
      `- These sentences state a cause without a citation: ${quoteList(verification.uncitedCauseSentences)}. ` +
        'Cite the fact or source that supports each one, or remove it.',
    );
  }
  if (problems.length === 0)
    problems.push('- (no specific problem recorded; re-check every number and citation)');
  return renderTemplate(loadPromptTemplate('explain/v1/repair.md'), {
    problems: problems.join('\n'),
    language_name: LANGUAGE_NAMES[language],
    previous_answer: neutraliseUntrustedText(previousAnswer, { keepCitations: true }),
  }).trim();
}

/** Inputs of {@link renderUnderstandPrompt}. */
export interface UnderstandPromptInput {
  question: string;
  today: string;
  members: UnderstandMembers;
}

const memberList = (members: readonly { id: string; name: string }[]): string =>
  members.map((member) => `${singleLine(member.id)} (${singleLine(member.name)})`).join('; ') || '(none)';

/** Renders the understanding prompt (`prompts/understand/v1`) for a model with tool use or JSON output. */
export function renderUnderstandPrompt(input: UnderstandPromptInput): RenderedPrompt {
  const system = renderTemplate(loadPromptTemplate('understand/v1/system.md'), {
    tool_name: UNDERSTAND_TOOL_NAME,
    prompt_version: UNDERSTAND_PROMPT_VERSION,
    today: input.today,
    sites: memberList(input.members.sites),
    assets: memberList(input.members.assets),
    products: memberList(input.members.products),
  });
  const user = renderTemplate(loadPromptTemplate('understand/v1/user.md'), {
    question: neutraliseUntrustedText(input.question),
  });
  return { system: system.trim(), user: user.trim(), version: UNDERSTAND_PROMPT_VERSION };
}
