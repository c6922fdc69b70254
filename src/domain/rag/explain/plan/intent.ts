/**
 * Intent, measure, breakdown and ranking read from a question's words (English and Spanish, accent-folded).
 * Rules are ordered: off-topic first, then procedure, comparison, forecast, ranking, explanation, events,
 * trend, total and status; the first that matches wins.
 */
import type { Breakdown, Intent, Measure } from './schema.js';

const word = (body: string): RegExp => new RegExp(`(?<![\\p{L}\\p{N}])(?:${body})(?![\\p{L}\\p{N}])`, 'u');

const OFF_TOPIC = word(
  'price|prices|precio|precios|cotizacion|stock|shares?|acciones|bolsa|joke|chiste|broma|weather|clima|tiempo\\s+hace|' +
    'capital\\s+(?:of|de)|poem|poema|recipe|receta|football|futbol|soccer|movie|pelicula|song|cancion|president|presidente|' +
    'bitcoin|crypto|horoscope|horoscopo|sports?|deportes?|translate|traduce|news|noticias|salary|salario',
);
const DOMAIN = word(
  'produc\\p{L}*|output|volumes?|volumen\\p{L}*|plan|budget|target|presupuesto|under|below|above|drop\\p{L}*|fell|fall\\p{L}*|' +
    'down|low\\p{L}*|variance|shortfall|loss|lost|deferr\\p{L}*|why|trip\\p{L}*|outages?|shut\\p{L}*|declin\\p{L}*|forecast\\p{L}*|' +
    'cayo|caida|baj\\p{L}*|perdida\\p{L}*|diferid\\p{L}*|por\\s+que|parad\\p{L}*|cortes?|pronostic\\p{L}*|rendimiento|barriles|' +
    'bbl|mscf|sm3|wells?|pozos?|sites?|sitios?|plantas?|field|campo|oil|gas|water|agua|petroleo|crudo|injection|inyeccion|' +
    'uptime|downtime|hours|horas|events?|eventos?|incidents?|incidentes?|runbooks?|procedure\\p{L}*|procedimiento\\p{L}*|' +
    'compressor|compresor|pump|bomba|separator|separador|restart\\p{L}*|reinici\\p{L}*|alarm\\p{L}*|status|estado|' +
    'doing|vamos|situacion|resumen|overview|total|cuanto|how\\s+much|how\\s+many|trend|tendencia|rank|top|best|worst|' +
    'mejor|peor|compare|compar\\p{L}*|operations?|operacion\\p{L}*|plant|facility|instalacion\\p{L}*|esd|power|energia',
);
const PROCEDURE = word(
  'what\\s+(?:should|do|must|shall)\\s+(?:i|we|the\\s+operator|operators)\\s+do|what\\s+to\\s+do|what\\s+are\\s+the\\s+steps|steps?|' +
    'procedure|procedimiento|runbook\\s+say|runbook\\s+says|does\\s+the\\s+runbook|according\\s+to\\s+the\\s+runbook|how\\s+(?:do|should|can)\\s+(?:i|we)\\s+(?:restart|recover|respond|handle|fix|reset|start|bring)|' +
    'how\\s+to\\s+(?:restart|recover|respond|handle|fix|reset|start|bring)|que\\s+(?:debo|debemos|hay\\s+que|tengo\\s+que|tenemos\\s+que)\\s+hacer|que\\s+hago|que\\s+hacemos|' +
    'pasos|como\\s+(?:reinicio|reiniciar|reiniciamos|recupero|recuperar|arranco|arrancar|respondo|respondemos|actuar|actuo)|que\\s+dice\\s+el\\s+(?:runbook|procedimiento|manual)|' +
    'segun\\s+el\\s+(?:runbook|procedimiento|manual)|instrucciones|checklist|lista\\s+de\\s+verificacion|' +
    'regulations?|require[sd]?|requirements?|rules|norma|normas|reglamento|exige|requisitos|what\\s+does\\s+(?:the\\s+)?(?:runbook|regulation|guide|document)\\s+say|' +
    'que\\s+dice\\s+(?:la|el)\\s+(?:norma|guia|documento)|what\\s+(?:should|do)\\s+(?:i|we)\\s+do|que\\s+hay\\s+que\\s+hacer|que\\s+pasos|pasos\\s+seguir',
);
const COMPARE = word(
  'compare|compared|comparison|comparing|versus|vs\\.?|against\\s+(?:last|previous|the\\s+previous)|compar\\p{L}*|frente\\s+a|contra|' +
    'con\\s+(?:el|la)\\s+(?:mes|semana|ano|trimestre)\\s+(?:pasad[oa]|anterior)|difference\\s+between|diferencia\\s+entre',
);
const FORECAST = word(
  "will|won't|going\\s+to|expected\\s+to|expect|outlook|forecast\\p{L}*|predict\\p{L}*|projection|next\\s+(?:week|month|quarter|\\d+|few)|" +
    'va\\s+a|van\\s+a|vamos\\s+a|sera|seran|habra|se\\s+espera|esperamos|cumpliremos|cumplira|alcanzaremos|alcanzara|pronostic\\p{L}*|' +
    'proxim[oa]s?|siguientes?\\s+\\d+|prevision\\p{L}*|proyeccion\\p{L}*',
);
const RANK = word(
  'which\\s+(?:well|wells|site|sites|asset|assets|field|plant|equipment|cause|causes)|what\\s+(?:well|wells|site|sites|asset)|top\\s*\\d*|' +
    'most|least|highest|lowest|best|worst|biggest|largest|smallest|rank\\p{L}*|' +
    'que\\s+(?:pozo|pozos|sitio|sitios|activo|planta|equipo|causa)|cual(?:es)?\\s+(?:pozo|pozos|sitio|sitios|activo|planta|fue\\s+el\\s+pozo|fue\\s+el\\s+sitio)|' +
    'mas\\s+(?:produjo|producen|produjeron|aporto|contribuyo|petroleo|gas|agua)|menos\\s+(?:produjo|producen|produjeron)|mayor|menor|mejor|peor|ranking|clasificacion',
);
const WHY = word(
  'why|reason\\p{L}*|cause\\p{L}*|explain\\p{L}*|what\\s+caused|what\\s+drove|driver|por\\s+que|porque|causa\\p{L}*|motivo|razon|explica\\p{L}*|' +
    'a\\s+que\\s+se\\s+debe',
);
const EVENTS = word(
  'what\\s+happened|happen\\p{L}*|events?|incidents?|downtime|outages?|shut[\\s-]*ins?|shut\\s+in|shutdowns?|stoppages?|trips?|' +
    'que\\s+paso|que\\s+ocurrio|eventos?|incidentes?|paradas?|paros?|cierres?|cortes?|fallas?|interrupcion\\p{L}*|sucedio',
);
const TREND = word(
  'trend\\p{L}*|over\\s+time|evolution|evolv\\p{L}*|declin\\p{L}*|trajectory|month\\s+by\\s+month|monthly|tendencia|evolucion|' +
    'mes\\s+a\\s+mes|mensual|a\\s+lo\\s+largo',
);
const TOTAL = word(
  'how\\s+much|how\\s+many|total|sum|cumulative|cuanto|cuanta|cuantos|cuantas|acumulad\\p{L}*|produced|produjo|produjeron|' +
    'volume|volumen|injected|inyect\\p{L}*',
);
const STATUS = word(
  'how\\s+are\\s+we\\s+doing|how\\s+is\\s+(?:it|everything|production)\\s+going|how\\s+are\\s+things|status|overview|summary|' +
    'como\\s+vamos|como\\s+estamos|como\\s+va|estado|situacion|resumen|panorama|how\\s+did\\s+we\\s+do',
);
const UPTIME = word(
  'uptime|on[\\s-]*stream|hours|horas|shut[\\s-]*ins?|downtime|availability|disponibilidad',
);
const LOST = word('lost|loss|losses|deferr\\p{L}*|perdid\\p{L}*|diferid\\p{L}*');
const VARIANCE = word(
  'variance|under\\s+plan|below\\s+plan|above\\s+plan|vs\\.?\\s+plan|against\\s+plan|shortfall|gap|variacion|desvio|' +
    'bajo\\s+(?:el\\s+)?plan|debajo\\s+del\\s+plan|contribut\\p{L}*|contribu\\p{L}*|aporto',
);
const BOTTOM = word('least|lowest|worst|smallest|bottom|menos|menor|peor|peores');
const ASSET_WORD = word('wells?|pozos?|assets?|activos?|equipment|equipos?');
const SITE_WORD = word('sites?|sitios?|plants?|plantas?|fields?|campos?|facilities|instalaciones');
const CAUSE_WORD = word('causes?|causas?|reasons?|motivos?|razones');
const PRODUCT_WORD = word('products?|productos?|fluids?|fluidos?|by\\s+product|por\\s+producto');
const NUMBER_WORDS: Record<string, number> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  ten: 10,
  dos: 2,
  tres: 3,
  cuatro: 4,
  cinco: 5,
  diez: 10,
};

/** What the rules read from a question. */
export interface IntentReading {
  intent: Intent;
  measure: Measure;
  breakdown: Breakdown;
  rank: { direction: 'top' | 'bottom'; size: number } | null;
}

/** Facts of the question the intent rules need besides its words. */
export interface IntentContext {
  periods: number;
  futurePeriod: boolean;
  members: number;
  compareToPrevious: boolean;
}

/** True when the question is plainly about something else than production operations. */
export const isOffTopic = (folded: string): boolean => OFF_TOPIC.test(folded);

/** True when the question has any production-operations vocabulary. */
export const hasDomainWords = (folded: string): boolean => DOMAIN.test(folded);

function rankSize(folded: string): number {
  const top =
    /(?:top|primeros?|mejores|peores)\s+(\d{1,2}|one|two|three|four|five|ten|dos|tres|cuatro|cinco|diez)/u.exec(
      folded,
    );
  if (!top)
    return /(?:which|what|que|cual(?:es)?)\s+(?:wells|sites|assets|pozos|sitios|activos)/u.test(folded)
      ? 3
      : 1;
  const value = Number(top[1]) || NUMBER_WORDS[top[1]!] || 3;
  return Math.min(20, Math.max(1, value));
}

/**
 * Reads the intent of an accent-folded, lower-case question. `context` says how many periods and members
 * it names and whether a period lies after the data's as-of date.
 */
export function readIntent(folded: string, context: IntentContext): IntentReading {
  const offTopic = isOffTopic(folded);
  const domain = hasDomainWords(folded) || context.members > 0;
  let intent: Intent;
  if (offTopic) intent = 'out_of_scope';
  else if (PROCEDURE.test(folded)) intent = 'procedure';
  else if (!domain && context.periods === 0) intent = 'out_of_scope';
  else if (context.periods >= 2 || (COMPARE.test(folded) && (context.periods >= 1 || context.members >= 2)))
    intent = 'compare';
  else if (context.futurePeriod || FORECAST.test(folded)) intent = 'forecast';
  else if (RANK.test(folded) && !STATUS.test(folded)) intent = 'rank';
  else if (WHY.test(folded)) intent = 'explain_change';
  else if (STATUS.test(folded)) intent = 'status';
  else if (EVENTS.test(folded)) intent = 'events';
  else if (TREND.test(folded)) intent = 'trend';
  else if (TOTAL.test(folded)) intent = 'total';
  else if (VARIANCE.test(folded) || context.compareToPrevious) intent = 'explain_change';
  else if (context.members > 0 || context.periods > 0) intent = 'total';
  else intent = 'status';

  let measure: Measure = 'volume';
  if (VARIANCE.test(folded) || intent === 'explain_change') measure = 'variance';
  if (intent === 'events' || (intent === 'rank' && UPTIME.test(folded))) measure = 'uptime';
  if (LOST.test(folded) && intent !== 'explain_change') measure = 'lost_volume';
  if (intent === 'total' && UPTIME.test(folded)) measure = 'uptime';

  let breakdown: Breakdown = null;
  if (intent === 'rank' || intent === 'explain_change' || intent === 'status' || intent === 'compare') {
    if (CAUSE_WORD.test(folded)) breakdown = 'cause';
    else if (ASSET_WORD.test(folded)) breakdown = 'asset';
    else if (SITE_WORD.test(folded) && intent !== 'explain_change') breakdown = 'site';
    else if (PRODUCT_WORD.test(folded)) breakdown = 'product';
  }
  if (intent === 'rank' && breakdown === null) breakdown = 'asset';
  if (intent === 'explain_change' && breakdown === null) breakdown = 'cause';
  const rank =
    intent === 'rank'
      ? {
          direction:
            BOTTOM.test(folded) && !/(?:most|mas)\s/u.test(folded) ? ('bottom' as const) : ('top' as const),
          size: rankSize(folded),
        }
      : null;
  return { intent, measure, breakdown, rank };
}
