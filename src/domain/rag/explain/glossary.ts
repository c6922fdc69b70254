/**
 * The bilingual operations glossary: English and Spanish terms for the same thing, so a question in one
 * language reaches a runbook written in the other (query expansion for the text and vector legs).
 */
import { foldText } from './language.js';

/** Pairs of equivalent terms (English first), accent-free and lower-case. */
export const GLOSSARY: ReadonlyArray<readonly [string, string]> = [
  ['power outage', 'corte de energia'],
  ['power failure', 'falla de energia'],
  ['blackout', 'apagon'],
  ['power', 'energia'],
  ['outage', 'corte'],
  ['emergency shutdown', 'parada de emergencia'],
  ['shutdown', 'parada'],
  ['restart', 'reinicio'],
  ['recovery', 'recuperacion'],
  ['compressor', 'compresor'],
  ['compressor trip', 'disparo de compresor'],
  ['trip', 'disparo'],
  ['pump', 'bomba'],
  ['pump failure', 'falla de bomba'],
  ['separator', 'separador'],
  ['high liquid level', 'alto nivel de liquido'],
  ['hydrate', 'hidrato'],
  ['hydrates', 'hidratos'],
  ['wax', 'parafina'],
  ['flowline', 'linea de flujo'],
  ['well', 'pozo'],
  ['wells', 'pozos'],
  ['well performance', 'desempeno de pozos'],
  ['review', 'revision'],
  ['reservoir decline', 'declinacion del reservorio'],
  ['decline', 'declinacion'],
  ['reservoir', 'reservorio'],
  ['gas lift', 'gas de levantamiento'],
  ['unloading', 'descarga'],
  ['turnaround', 'parada de planta'],
  ['planned maintenance', 'mantenimiento programado'],
  ['maintenance', 'mantenimiento'],
  ['steps', 'pasos'],
  ['procedure', 'procedimiento'],
  ['checklist', 'lista de verificacion'],
  ['safety', 'seguridad'],
  ['generator', 'generador'],
  ['injection', 'inyeccion'],
  ['water injection', 'inyeccion de agua'],
  ['production loss', 'perdida de produccion'],
  ['loss', 'perdida'],
  ['investigation', 'investigacion'],
  ['variance', 'variacion'],
  ['plan', 'plan'],
  ['shut in', 'cierre'],
  ['alarm', 'alarma'],
  ['valve', 'valvula'],
  ['pressure', 'presion'],
  ['start up', 'arranque'],
  ['fire', 'incendio'],
  ['fires', 'incendios'],
  ['firefighting', 'contra incendios'],
  ['firewater', 'agua contra incendios'],
  ['fire and gas detection', 'deteccion de fuego y gas'],
  ['out of service', 'fuera de servicio'],
  ['database', 'base de datos'],
  ['disk', 'disco'],
  ['full', 'lleno'],
  ['disk space', 'espacio en disco'],
  ['certificate', 'certificado'],
  ['expire', 'caducar'],
  ['expiry', 'caducidad'],
  ['expired', 'vencido'],
  ['regulation', 'norma'],
  ['requirements', 'requisitos'],
  ['require', 'exige'],
  ['bypass', 'puentear'],
  ['safety device', 'dispositivo de seguridad'],
  ['safety valve', 'valvula de seguridad'],
  ['shut-in', 'cierre de pozo'],
  ['startup', 'arranque'],
  ['system', 'sistema'],
  ['emergency', 'emergencia'],
  ['server', 'servidor'],
  ['space', 'espacio'],
  ['storage', 'almacenamiento'],
  ['backup', 'respaldo'],
  ['replica', 'replica'],
  ['requirement', 'requisito'],
];

/**
 * Groups of terms that name the same thing within operations writing (either language): a question that
 * says one reaches a runbook that says another (a database runbook says Postgres, a full disk is out of space).
 */
export const SYNONYMS: ReadonlyArray<readonly string[]> = [
  ['database', 'postgres', 'postgresql', 'base de datos'],
  ['disk full', 'disk space', 'out of disk space', 'disco lleno'],
  ['esd', 'emergency shutdown'],
  ['certificate', 'tls', 'ssl'],
];

const boundary = (term: string) => new RegExp(`(?<![\\p{L}\\p{N}])${term}(?![\\p{L}\\p{N}])`, 'u');
const COMPILED = GLOSSARY.map(([en, es]) => ({ en, es, enPattern: boundary(en), esPattern: boundary(es) }));
const SYNONYM_PATTERNS = SYNONYMS.map((group) => group.map((term) => ({ term, pattern: boundary(term) })));

/**
 * Terms of the other language for every glossary term found in `text`, then the synonyms of every synonym
 * group term found (deduplicated, in glossary order, none already in the text).
 */
export function translateTerms(text: string): string[] {
  const folded = foldText(text);
  const terms = new Set<string>();
  for (const entry of COMPILED) {
    if (entry.enPattern.test(folded)) terms.add(entry.es);
    if (entry.esPattern.test(folded)) terms.add(entry.en);
  }
  for (const group of SYNONYM_PATTERNS) {
    if (group.some(({ pattern }) => pattern.test(folded))) for (const { term } of group) terms.add(term);
  }
  return [...terms].filter((term) => !boundary(term).test(folded));
}
