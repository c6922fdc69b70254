/**
 * Procedure answers: the numbered or bulleted steps of the best-matching runbook section, shown as a
 * quote (`> ` lines) and cited; quoted text is the document's, never a data figure.
 */
import { foldText } from '../language.js';
import { looksLikePromptInjection } from '../prompt.js';
import type { Language, Passage } from '../types.js';

const STEP = /^\s*(?:(\d+)[.)]|[-*+•])\s+(.*\S)\s*$/;
const MAX_STEPS = 12;
const MAX_STEP_LENGTH = 240;

const cleanStep = (text: string): string =>
  text
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__|`)/g, '')
    .replace(/\[\s*([DS])\s*(\d+)\s*\]/gi, '$1$2')
    .replace(/\s+/g, ' ')
    .trim();

/** The list steps of a passage, in order (continuation lines joined); empty when it has no list. */
export function stepsOf(passage: Passage): string[] {
  const raw: string[] = [];
  let open = false;
  for (const line of passage.text.split('\n')) {
    const match = STEP.exec(line);
    if (match) {
      raw.push(match[2]!);
      open = true;
    } else if (open && line.trim() && !/^\s*#/.test(line)) {
      raw[raw.length - 1] += ` ${line.trim()}`;
    } else {
      open = false;
    }
  }
  const steps: string[] = [];
  for (const text of raw) {
    const step = cleanStep(text);
    if (step.length < 3 || looksLikePromptInjection(step)) continue;
    steps.push(step.length > MAX_STEP_LENGTH ? `${step.slice(0, MAX_STEP_LENGTH - 1)}…` : step);
    if (steps.length >= MAX_STEPS) break;
  }
  return steps;
}

const ACTION_HEADING =
  /(?:restart|response|respond|recover|recovery|steps|procedure|immediate|actions?|what to do|checklist|sequence|start|bring back|unload|rearran|arranque|secuencia|pasos|respuesta|recuperaci|acciones|inmediat|procedimiento|reinicio)/u;
const RECORD_HEADING =
  /(?:follow|record|report|registro|seguimiento|reporte|scope|alcance|references?|referencias)/u;

/** How many of the question's keywords (three letters or more) the passage's title names. */
function titleMatches(passage: Passage, keywords: readonly string[]): number {
  const title = foldText(`${passage.title} ${passage.uri}`);
  return keywords.filter((keyword) => keyword.length >= 3 && title.includes(foldText(keyword))).length;
}

/** How well a passage with steps fits a "what to do" question: action headings first, retrieval order next. */
function stepScore(passage: Passage, index: number): number {
  const heading = foldText(passage.heading_path.join(' '));
  let score = -index * 0.1;
  if (ACTION_HEADING.test(heading)) score += 2;
  if (RECORD_HEADING.test(heading)) score -= 2;
  return score;
}

/**
 * The procedure answer: the steps of the first passage that has any (retrieval order), quoted and cited,
 * plus where else to look; without steps, the best passage's opening as a quote. Null without passages.
 */
export function composeProcedure(
  passages: readonly Passage[],
  language: Language,
  keywords: readonly string[] = [],
): string | null {
  const es = language === 'es';
  const top = passages[0]?.uri;
  const candidates = passages
    .map((passage, index) => ({
      passage,
      score: stepScore(passage, index) + (passage.uri === top ? 3 : 0) + titleMatches(passage, keywords),
    }))
    .filter(({ passage }) => stepsOf(passage).length >= 2)
    .sort((left, right) => right.score - left.score);
  const withSteps = candidates[0]?.passage;
  const chosen = withSteps ?? passages[0];
  if (!chosen) return null;
  const section = chosen.heading_path.at(-1);
  const where = section && section !== chosen.title ? (es ? ` («${section}»)` : ` (“${section}”)`) : '';
  const steps = withSteps ? stepsOf(withSteps) : [];
  const lines: string[] = [];
  if (steps.length > 0) {
    lines.push(
      es
        ? `Según el runbook «${chosen.title}»${where}, los pasos son [${chosen.id}]:`
        : `The runbook “${chosen.title}”${where} gives these steps [${chosen.id}]:`,
    );
    for (const [index, step] of steps.entries()) lines.push(`> ${index + 1}. ${step}`);
  } else {
    const opening = chosen.text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#') && !looksLikePromptInjection(line))
      .slice(0, 3)
      .join(' ')
      .slice(0, 400);
    lines.push(
      es
        ? `El documento «${chosen.title}»${where} dice [${chosen.id}]:`
        : `The document “${chosen.title}”${where} says [${chosen.id}]:`,
    );
    lines.push(`> ${cleanStep(opening)}`);
  }
  const others = passages
    .filter(
      (passage, index) =>
        passage.uri !== chosen.uri && passages.findIndex((other) => other.uri === passage.uri) === index,
    )
    .slice(0, 2);
  if (others.length > 0) {
    const list = others.map((passage) => `“${passage.title}” [${passage.id}]`).join(', ');
    lines.push(es ? `Ver también: ${list}.` : `See also: ${list}.`);
  }
  return lines.join('\n');
}
