import { type Embedder, EmbedderError, type EmbeddingPurpose } from '../../ports/embedder.js';

/** Options of {@link HashEmbedder}. */
export interface HashEmbedderOptions {
  /** Vector dimension (default 384). */
  dimension?: number;
}

const STOP_WORDS = new Set(
  (
    'a an the and or but if then else of to in on at by for with from as into onto about is are was were be been ' +
    'being am do does did doing have has had having it its this that these those there here which who whom whose ' +
    'what when where why how i me my we our us you your he she they them their his her not no nor so too very can ' +
    'could should would will shall may might must just than also any all some such only own same other more most ' +
    'each few both up over again further once via eg ie etc per let lets get gets got please look keep see know ' +
    'want try like sure going done make something anything yet still already usually often even much many lot ' +
    'el la los las un una unos unas de del al y o u en con por para que se su sus es son fue ser esta estan ' +
    'estar hay como cuando donde cual cuales quien lo le les mi mis nos si ya muy mas pero sin sobre entre este ' +
    'estos estas ese esa eso esto tiene tienen tengo debo debe deben hacer hago puedo puede pueden cuanto cuantos ' +
    'cuanta hasta desde porque segun hace ante tras algun alguna algunos otro otra otros'
  ).split(' '),
);

/**
 * Suffixes stripped by {@link stem}: common English and Spanish inflections and derivations (accent-folded),
 * tried longest first. Two-letter suffixes need a stem of at least 4 letters, others at least 3.
 */
const SUFFIXES = [
  'amientos',
  'imientos',
  'amiento',
  'imiento',
  'aciones',
  'iciones',
  'izations',
  'ization',
  'ational',
  'ations',
  'idades',
  'ation',
  'acion',
  'icion',
  'ciones',
  'cion',
  'sions',
  'sion',
  'ions',
  'ion',
  'ments',
  'ment',
  'mente',
  'ness',
  'idad',
  'ities',
  'ity',
  'ables',
  'able',
  'ibles',
  'ible',
  'ando',
  'iendo',
  'ings',
  'ing',
  'ados',
  'adas',
  'idos',
  'idas',
  'ado',
  'ada',
  'ido',
  'ida',
  'ated',
  'ate',
  'er',
  'ar',
  'ir',
  'ed',
  'ia',
  'ly',
  'o',
  'a',
  'e',
  'y',
].sort((a, b) => b.length - a.length);

function stripSuffix(word: string, allowSingleLetter: boolean): { word: string; stripped: string } {
  for (const suffix of SUFFIXES) {
    if (!allowSingleLetter && suffix.length === 1) continue;
    const minimumStem = suffix.length === 2 ? 4 : 3;
    if (word.length - suffix.length < minimumStem || !word.endsWith(suffix)) continue;
    if (suffix === 'ed' && word.endsWith('eed')) continue;
    let stemmed = word.slice(0, -suffix.length);
    if (/([^aeiouslz])\1$/.test(stemmed) && (suffix === 'ing' || suffix === 'ed' || suffix === 'er')) {
      stemmed = stemmed.slice(0, -1);
    }
    return { word: stemmed, stripped: suffix };
  }
  return { word, stripped: '' };
}

/**
 * Light English + Spanish stemmer for accent-folded, lower-case words: strips a plural `s` (or `ies` → `y`),
 * then one derivational/inflectional suffix, and after a bare vowel one more (Spanish `-es` plurals). Maps
 * e.g. `certificates`, `certificado` → `certific`; `alerts`, `alertas` → `alert`; `nodes`, `nodos` → `nod`.
 * Words with digits and words of three letters or fewer are returned as is.
 */
export function stem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  let current = word;
  if (current.endsWith('ies') && current.length > 4) current = `${current.slice(0, -3)}y`;
  else if (current.endsWith('s') && !/(ss|us|is)$/.test(current)) current = current.slice(0, -1);
  const first = stripSuffix(current, true);
  if (first.stripped.length === 1) return stripSuffix(first.word, false).word;
  return first.word;
}

/** Accent folding (NFKD without combining marks); case is kept. */
export function foldAccents(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '');
}

/**
 * Spanish operations vocabulary mapped to English, and a few English abbreviations mapped to full words.
 * Both sides are stemmed when the table is built, so inflected forms match too. The English term is added
 * next to the original one, which lets Spanish questions reach English documents.
 */
const ALIASES: Readonly<Record<string, string | readonly string[]>> = {
  aviso: 'alert',
  norma: ['regulation', 'rule'],
  reglamento: 'regulation',
  exige: 'require',
  exigir: 'require',
  requisito: 'requirement',
  emergencia: 'emergency',
  certificado: 'certificate',
  incendios: 'fire',
  pasos: 'steps',
  procedimiento: 'procedure',
  recuperar: 'recover',
  recuperacion: 'recovery',
  disco: 'disk',
  lleno: ['full', 'fill'],
  espacio: 'space',
  libre: 'free',
  caducar: 'expire',
  caducado: 'expired',
  caducidad: 'expiration',
  vencer: 'expire',
  vencido: 'expired',
  vencimiento: 'expiration',
  renovar: ['renew', 'renewal'],
  cola: 'queue',
  trabajo: 'job',
  tarea: 'job',
  conexion: 'connection',
  bloqueo: 'lock',
  bloquear: 'lock',
  bloqueado: 'locked',
  consulta: 'query',
  transaccion: 'transaction',
  servidor: 'server',
  lider: 'leader',
  eleccion: 'election',
  registro: 'log',
  bitacora: 'log',
  tasa: 'rate',
  lento: 'slow',
  lenta: 'slow',
  lentitud: 'slow',
  caido: ['down', 'outage'],
  inaccesible: 'unavailable',
  disponible: 'available',
  reiniciar: 'restart',
  reinicio: 'restart',
  arrancar: 'start',
  arranque: 'startup',
  apagar: 'shutdown',
  apagado: 'shutdown',
  parada: 'shutdown',
  pozo: 'well',
  valvula: 'valve',
  cierre: 'shut',
  cerrar: 'close',
  incendio: 'fire',
  fuego: 'fire',
  llama: 'flame',
  humo: 'smoke',
  calor: 'heat',
  bomba: 'pump',
  agua: 'water',
  deteccion: 'detection',
  plataforma: 'platform',
  produccion: 'production',
  seguridad: 'safety',
  fallo: 'fail',
  falla: 'fail',
  fallar: 'fail',
  informe: 'report',
  notificar: 'notify',
  dia: 'day',
  huracan: 'hurricane',
  tormenta: 'storm',
  submarino: 'subsea',
  superficie: 'surface',
  puentear: 'bypass',
  anular: 'bypass',
  mantenimiento: 'maintenance',
  prueba: 'test',
  almacenamiento: 'storage',
  volumen: 'volume',
  lectura: 'read',
  escritura: 'write',
  sincronizar: 'synchronise',
  sincronizacion: 'synchronisation',
  reloj: 'clock',
  hora: 'time',
  tiempo: 'time',
  enviar: 'send',
  envio: 'send',
  guardia: 'call',
  gravedad: 'severity',
  restaurar: 'restore',
  restauracion: 'restoration',
  proyecto: 'project',
  borrado: 'deleted',
  borrar: 'delete',
  eliminado: 'deleted',
  eliminar: 'delete',
  respaldo: 'backup',
  instantanea: 'snapshot',
  corrupcion: 'corruption',
  danado: 'corrupted',
  indice: 'index',
  carga: 'load',
  balanceador: 'balancer',
  proveedor: 'vendor',
  invalida: 'invalid',
  invalido: 'invalid',
  comprobar: 'check',
  verificar: 'check',
  revisar: 'check',
  contenedor: 'container',
  bucle: 'loop',
  drenar: 'drain',
  acordonar: 'cordon',
  objetivo: 'target',
  agotar: 'exhaust',
  agotado: 'exhausted',
  cuota: 'quota',
  desfragmentar: 'defragment',
  alto: 'high',
  alta: 'high',
  bajo: 'low',
  baja: 'low',
  presion: 'pressure',
  tuberia: 'pipeline',
  oleoducto: 'pipeline',
  gasoducto: 'pipeline',
  segundo: 'second',
  semana: 'week',
  plazo: 'period',
  fabricante: 'manufacturer',
  monitorear: 'monitor',
  monitoreo: 'monitor',
  monitorizar: 'monitor',
  supervisar: 'monitor',
  vigilar: 'monitor',
  personal: 'personnel',
  dispositivo: 'device',
  arbol: 'tree',
  seco: 'dry',
  pendiente: 'pending',
  ejecutor: 'runner',
  correo: 'mail',
  dominio: 'domain',
  redimensionar: 'resize',
  ampliar: 'expand',
  aumentar: 'increase',
  grupo: 'pool',
  matriz: 'array',
  usuario: 'user',
  clave: 'key',
  contrasena: 'password',
  red: 'network',
  nube: 'cloud',
  escrito: 'writing',
  energia: 'power',
  electrico: 'power',
  corte: 'outage',
  apagon: 'blackout',
  abrir: 'open',
  apertura: 'opening',
  estable: 'stable',
  umbral: 'threshold',
  variacion: 'variance',
  desviacion: 'deviation',
  gerente: 'manager',
  jefe: 'manager',
  programado: 'planned',
  programada: 'planned',
  planificado: 'planned',
  hito: 'milestone',
  reduccion: 'reduction',
  desempeno: 'performance',
  rendimiento: 'performance',
  pronostico: 'forecast',
  prevision: 'forecast',
  declive: 'decline',
  yacimiento: 'reservoir',
  reservorio: 'reservoir',
  separador: 'separator',
  hidrato: 'hydrate',
  nivel: 'level',
  liquido: 'liquid',
  compresor: 'compressor',
  disparo: 'trip',
  disparar: 'trip',
  descarga: 'discharge',
  caudal: 'flow',
  flujo: 'flow',
  perdida: 'loss',
  diferido: 'deferred',
  diferimiento: 'deferment',
  turno: 'shift',
  sitio: 'site',
  linea: 'line',
  tanque: 'tank',
  inyeccion: 'injection',
  metanol: 'methanol',
  fuga: 'leak',
  sello: 'seal',
  diario: 'daily',
  diaria: 'daily',
  mensual: 'monthly',
  disponibilidad: 'availability',
  paro: 'shutdown',
  rearrancar: 'restart',
  rearranque: 'restart',
  restablecer: 'reset',
  db: 'database',
  app: 'application',
  malfunction: 'fail',
  failure: 'fail',
  k8s: 'kubernetes',
  cert: 'certificate',
  postgresql: 'postgres',
  pg: 'postgres',
  config: 'configuration',
  repo: 'repository',
};

/** Multi-word Spanish terms rewritten to one English word before tokenising. */
const PHRASES: readonly [RegExp, string][] = [
  [/\bbases? de datos\b/gi, 'database'],
  [/\bcopias? de seguridad\b/gi, 'backup'],
  [/\bfuera de servicio\b/gi, 'out of service'],
  [/\bcontra ?incendios\b/gi, 'firefighting'],
  [/\btiempo de espera\b/gi, 'timeout'],
  [/\bde guardia\b/gi, 'on-call'],
  [/\bbalanceador(?:es)? de carga\b/gi, 'load balancer'],
  [/\bequilibrador(?:es)? de carga\b/gi, 'load balancer'],
];

const STEMMED_ALIASES = new Map<string, readonly string[]>();
for (const [term, english] of Object.entries(ALIASES)) {
  const from = stem(term);
  const targets = (typeof english === 'string' ? [english] : english).map(stem).filter((to) => to !== from);
  if (targets.length > 0) STEMMED_ALIASES.set(from, targets);
}

const COMPOUND = /[\p{L}\p{N}]+(?:[-_./][\p{L}\p{N}]+)*/gu;

/** One analysed word: its lower-case form, its stem and, when known, the English stems it stands for. */
export interface AnalysedWord {
  readonly word: string;
  readonly stem: string;
  readonly aliases?: readonly string[];
}

/** Words and whole codes extracted from a text by {@link analyseText}. */
export interface AnalysedText {
  /** Content words in order (stop words removed). */
  words: AnalysedWord[];
  /**
   * Whole compound tokens without separators, lower-cased: codes such as `P-101A` → `p101a`,
   * `KubePodCrashLooping` → `kubepodcrashlooping`, `§ 250.859` → `250859`.
   */
  codes: string[];
}

function splitCamelCase(part: string): string[] {
  return part
    .replace(/([\p{Ll}\d])(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{Lu}+)(\p{Lu}\p{Ll})/gu, '$1 $2')
    .split(' ')
    .filter(Boolean);
}

const wordCache = new Map<string, AnalysedWord>();

function analyseWord(word: string): AnalysedWord {
  const cached = wordCache.get(word);
  if (cached) return cached;
  const stemmed = stem(word);
  const aliases = STEMMED_ALIASES.get(stemmed);
  const analysed = aliases ? { word, stem: stemmed, aliases } : { word, stem: stemmed };
  if (wordCache.size >= 100_000) wordCache.clear();
  wordCache.set(word, analysed);
  return analysed;
}

interface AnalysedCompound {
  code?: string;
  words: readonly AnalysedWord[];
}

const compoundCache = new Map<string, AnalysedCompound>();

function analyseCompound(raw: string): AnalysedCompound {
  const cached = compoundCache.get(raw);
  if (cached) return cached;
  const parts = raw.split(/[-_./]/).flatMap(splitCamelCase);
  const hasDigit = /\d/.test(raw);
  const words: AnalysedWord[] = [];
  for (const part of parts) {
    const word = part.toLowerCase();
    if (STOP_WORDS.has(word) || (word.length < 2 && !hasDigit) || /^\d$/.test(word)) continue;
    words.push(analyseWord(word));
  }
  const isCode = parts.length > 1 || (hasDigit && /\p{L}/u.test(raw));
  const analysed = isCode ? { code: raw.replace(/[-_./]/g, '').toLowerCase(), words } : { words };
  if (compoundCache.size >= 100_000) compoundCache.clear();
  compoundCache.set(raw, analysed);
  return analysed;
}

/**
 * Tokenises a text for matching: accent folding, lower-casing, Spanish phrase rewriting, camelCase and
 * separator splitting (the whole compound is also kept as a code), stop-word removal and stemming.
 */
export function analyseText(text: string): AnalysedText {
  let folded = foldAccents(text);
  for (const [pattern, replacement] of PHRASES) folded = folded.replace(pattern, replacement);
  const words: AnalysedWord[] = [];
  const codes: string[] = [];
  for (const match of folded.matchAll(COMPOUND)) {
    const analysed = analyseCompound(match[0]);
    if (analysed.code) codes.push(analysed.code);
    for (const word of analysed.words) words.push(word);
  }
  return { words, codes };
}

/** Feature weights, tuned on bench/rag/questions-runbooks.json; trigrams count half as much as 4- and 5-grams. */
const FEATURE_WEIGHTS = {
  word: 1,
  alias: 0.8,
  code: 2,
  bigram: 0.3,
  charGram: [0, 0, 0, 0.11, 0.22, 0.22],
} as const;

function fnv1a(text: string, seed: number): number {
  let hash = seed;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 16777619);
  }
  return hash;
}

function mix(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const SEEDS = { word: 0x811c9dc5, code: 0x1b873593, bigram: 0x27d4eb2f, charGram: 0x165667b1 } as const;

function featureHash(kind: keyof typeof SEEDS, text: string): number {
  return mix(fnv1a(text, SEEDS[kind]));
}

interface WordFeatures {
  indices: Int32Array;
  values: Float64Array;
}

/** Texts {@link HashEmbedder.embed} embeds between two yields to the event loop. */
export const EMBED_SLICE = 16;

/**
 * Deterministic local embedder: signed feature hashing (FNV-1a + murmur3 finaliser) of stemmed word
 * unigrams, unordered word bigrams, whole codes and character 3–5-grams of each word, with sublinear term
 * frequency (per word, code and bigram) and L2 normalisation. Spanish operations terms also emit their
 * English equivalents. Queries and documents are embedded the same way.
 */
export class HashEmbedder implements Embedder {
  readonly model: string;
  readonly dimension: number;
  private readonly wordCache = new Map<string, WordFeatures>();

  constructor(options: HashEmbedderOptions = {}) {
    const dimension = options.dimension ?? 384;
    if (!Number.isInteger(dimension) || dimension < 16 || dimension > 65536) {
      throw new EmbedderError(
        'invalid',
        `dimension must be an integer between 16 and 65536, got ${dimension}`,
      );
    }
    this.dimension = dimension;
    this.model = `local-hash-v1-${dimension}`;
  }

  /**
   * Embeds `texts` in slices of {@link EMBED_SLICE} (about 5 ms of CPU for 1.5 KB chunks), yielding to the
   * event loop between slices, so a large upload does not hold up the requests served meanwhile.
   */
  async embed(texts: readonly string[], _purpose: EmbeddingPurpose): Promise<number[][]> {
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += EMBED_SLICE) {
      if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      for (const text of texts.slice(start, start + EMBED_SLICE)) vectors.push(this.embedText(text));
    }
    return vectors;
  }

  /** Embeds one text synchronously (the same vector `embed` returns). */
  embedText(text: string): number[] {
    const { words, codes } = analyseText(text);
    const wordCounts = new Map<AnalysedWord, number>();
    const termCounts = new Map<string, number>();
    for (const code of codes) termCounts.set(`k${code}`, (termCounts.get(`k${code}`) ?? 0) + 1);
    let previous: string | undefined;
    for (const word of words) {
      wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
      const canonical = word.aliases?.[0] ?? word.stem;
      if (previous !== undefined && previous !== canonical) {
        const pair = previous < canonical ? `b${previous} ${canonical}` : `b${canonical} ${previous}`;
        termCounts.set(pair, (termCounts.get(pair) ?? 0) + 1);
      }
      previous = canonical;
    }

    const vector = new Float64Array(this.dimension);
    const addHashed = (hash: number, value: number) => {
      vector[hash % this.dimension]! += hash & 0x80000000 ? -value : value;
    };
    for (const [word, count] of wordCounts) {
      const tf = 1 + Math.log(count);
      const features = this.wordFeatures(word);
      for (let index = 0; index < features.indices.length; index++) {
        vector[features.indices[index]!]! += features.values[index]! * tf;
      }
    }
    for (const [term, count] of termCounts) {
      const isCode = term[0] === 'k';
      const weight = isCode ? FEATURE_WEIGHTS.code : FEATURE_WEIGHTS.bigram;
      addHashed(featureHash(isCode ? 'code' : 'bigram', term.slice(1)), weight * (1 + Math.log(count)));
    }
    if (wordCounts.size === 0 && termCounts.size === 0) addHashed(featureHash('word', '\u0000empty'), 1);

    let norm = 0;
    for (const value of vector) norm += value * value;
    norm = Math.sqrt(norm);
    const out = new Array<number>(this.dimension);
    for (let index = 0; index < this.dimension; index++) out[index] = norm > 0 ? vector[index]! / norm : 0;
    return out;
  }

  private wordFeatures(word: AnalysedWord): WordFeatures {
    const cached = this.wordCache.get(word.word);
    if (cached) return cached;
    const hashes: number[] = [featureHash('word', word.stem)];
    const weights: number[] = [FEATURE_WEIGHTS.word];
    for (const alias of word.aliases ?? []) {
      hashes.push(featureHash('word', alias));
      weights.push(FEATURE_WEIGHTS.alias);
    }
    const padded = `<${word.word}>`;
    for (let size = 3; size <= 5; size++) {
      for (let start = 0; start + size <= padded.length; start++) {
        hashes.push(featureHash('charGram', padded.slice(start, start + size)));
        weights.push(FEATURE_WEIGHTS.charGram[size]!);
      }
    }
    const features: WordFeatures = {
      indices: Int32Array.from(hashes, (hash) => hash % this.dimension),
      values: Float64Array.from(hashes, (hash, index) =>
        hash & 0x80000000 ? -weights[index]! : weights[index]!,
      ),
    };
    if (this.wordCache.size >= 50_000) this.wordCache.clear();
    this.wordCache.set(word.word, features);
    return features;
  }
}
