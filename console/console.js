// DatAlive operator console. Plain browser script (no build step), served from /console/assets under a
// same-origin CSP. Talks only to this origin: /rag/explain (SSE), /insights/*, /rag/documents, with the
// key the operator pasted, kept in sessionStorage and sent as the X-API-Key header (never in a URL).
(() => {
  const KEY_STORAGE = 'datalive.console.key';
  const HISTORY_STORAGE = 'datalive.console.history';
  const HISTORY_LIMIT = 20;
  const CONTEXT_DAYS = 14;
  const FORECAST_HISTORY_DAYS = 28;
  const DAY_MS = 86_400_000;

  const MESSAGES = {
    en: {
      title: 'operator console',
      forgetKey: 'Forget key',
      keyLabel: 'API key',
      keySave: 'Use this key',
      keyHint: 'Kept in this browser tab only; sent in a header, never in a URL.',
      keySet: (prefix) => `Key ${prefix}… in use`,
      noKey: 'No key yet',
      questionLabel: 'Ask about production',
      questionPlaceholder: 'Why was Site B under plan yesterday?',
      ask: 'Ask',
      askHint: 'Enter asks · Shift+Enter adds a line · / goes back here',
      copyMarkdown: 'Copy as Markdown',
      copied: 'Copied the answer as Markdown.',
      copyFailed: 'The browser refused the clipboard; the Markdown is selected below, copy it with Ctrl+C.',
      numbers: 'Numbers behind the chart',
      history: 'This session',
      historyEmpty: 'Questions you ask appear here.',
      asking: 'Asking…',
      reading: 'Reading the answer…',
      needKey: 'Paste an API key first.',
      abstained: (reason) => `No answer: ${reason}`,
      askInstead: 'You can ask, for example:',
      degraded: (reason) =>
        `Answered by the grounded composer because the model answer could not be used (${reason}). The numbers are checked; the wording is templated.`,
      meta: (model, confidence, seconds) => `${model} · confidence ${confidence} · ${seconds} s`,
      e401: (detail) => `The API key was not accepted (401): ${detail} Paste a valid key to go on.`,
      e403site: (detail) =>
        `Forbidden (403): ${detail} This key covers other sites; ask about one of them or use a key for this site.`,
      e403scope: (detail) => `Forbidden (403): ${detail} Ask an administrator for a key with that scope.`,
      e429: (seconds) =>
        `Too many requests (429): the key's rate limit is reached. Try again in ${seconds} s.`,
      eOther: (status, detail) => `The API answered ${status}: ${detail}`,
      eNetwork: 'The API could not be reached. Check the connection and ask again.',
      eStream: 'The answer stream ended early. Ask again.',
      chartDaily: (product, unit) => `Daily ${product}: actual vs plan (${unit})`,
      chartForecast: (product, unit) => `${product}: history and forecast P10–P90 (${unit})`,
      chartBars: (compare) => `Contributors to the change vs ${compare}`,
      chartScope: (scope, from, to) => `${scope} · ${from} – ${to}`,
      chartNoForecast: 'The forecast needs exactly one site or asset in the question; showing history only.',
      chartFailed: (detail) => `The chart could not be drawn: ${detail}`,
      allSites: 'All sites of this key',
      actual: 'Actual',
      plan: 'Plan',
      p10: 'P10',
      p50: 'Forecast P50',
      p90: 'P90',
      change: 'Change',
      date: 'Date',
      events: 'Events',
      member: 'Contributor',
      eventLine: (event) =>
        `${event.start} → ${event.end} · ${event.cause} (${event.category}) · ${event.equipment}${event.lost === null ? '' : ` · lost ${event.lost}`}${event.text ? ` · ${event.text}` : ''}`,
      dataCitation: 'Data',
      sourceCitation: 'Source',
      value: 'Value',
      metric: 'Metric',
      queryId: 'Query id',
      asOf: 'As of',
      reproduce: 'Reproduce with',
      heading: 'Section',
      document: 'Document',
      lines: 'Lines',
      page: 'Page',
      score: 'Score',
      lookingUp: 'looking it up in /rag/documents…',
      documentRecord: (doc) =>
        `${doc.id} · ${doc.doc_type} · ${doc.chunk_count} chunks · updated ${doc.updated_at}`,
      documentMissing: 'not in /rag/documents for this key',
      close: 'Close',
      suggestions: (site, date) => [
        `Why was ${site} under plan on ${date}?`,
        `How did ${site} do against plan last week?`,
        `What happened at ${site} over the last 30 days?`,
      ],
    },
    es: {
      title: 'consola de operación',
      forgetKey: 'Olvidar la clave',
      keyLabel: 'Clave de API',
      keySave: 'Usar esta clave',
      keyHint: 'Se guarda solo en esta pestaña; viaja en una cabecera, nunca en una URL.',
      keySet: (prefix) => `Clave ${prefix}… en uso`,
      noKey: 'Sin clave',
      questionLabel: 'Pregunte sobre la producción',
      questionPlaceholder: '¿Por qué el sitio B quedó por debajo del plan ayer?',
      ask: 'Preguntar',
      askHint: 'Enter pregunta · Mayús+Enter añade una línea · / vuelve aquí',
      copyMarkdown: 'Copiar como Markdown',
      copied: 'Respuesta copiada como Markdown.',
      copyFailed:
        'El navegador no permitió el portapapeles; el Markdown está seleccionado abajo, cópielo con Ctrl+C.',
      numbers: 'Cifras detrás del gráfico',
      history: 'Esta sesión',
      historyEmpty: 'Sus preguntas aparecerán aquí.',
      asking: 'Preguntando…',
      reading: 'Leyendo la respuesta…',
      needKey: 'Pegue primero una clave de API.',
      abstained: (reason) => `Sin respuesta: ${reason}`,
      askInstead: 'Puede preguntar, por ejemplo:',
      degraded: (reason) =>
        `Respondido por el redactor fundamentado porque la respuesta del modelo no se pudo usar (${reason}). Las cifras están verificadas; la redacción es de plantilla.`,
      meta: (model, confidence, seconds) => `${model} · confianza ${confidence} · ${seconds} s`,
      e401: (detail) =>
        `La clave de API no fue aceptada (401): ${detail} Pegue una clave válida para seguir.`,
      e403site: (detail) =>
        `Prohibido (403): ${detail} Esta clave cubre otros sitios; pregunte por uno de ellos o use una clave de este sitio.`,
      e403scope: (detail) => `Prohibido (403): ${detail} Pida a un administrador una clave con ese permiso.`,
      e429: (seconds) =>
        `Demasiadas solicitudes (429): se alcanzó el límite de la clave. Vuelva a intentarlo en ${seconds} s.`,
      eOther: (status, detail) => `La API respondió ${status}: ${detail}`,
      eNetwork: 'No se pudo contactar con la API. Revise la conexión y vuelva a preguntar.',
      eStream: 'La respuesta se cortó antes de terminar. Vuelva a preguntar.',
      chartDaily: (product, unit) => `${product} diario: real frente a plan (${unit})`,
      chartForecast: (product, unit) => `${product}: historia y pronóstico P10–P90 (${unit})`,
      chartBars: (compare) => `Contribuciones al cambio frente a ${compare}`,
      chartScope: (scope, from, to) => `${scope} · ${from} – ${to}`,
      chartNoForecast:
        'El pronóstico necesita exactamente un sitio o activo en la pregunta; se muestra solo la historia.',
      chartFailed: (detail) => `No se pudo dibujar el gráfico: ${detail}`,
      allSites: 'Todos los sitios de esta clave',
      actual: 'Real',
      plan: 'Plan',
      p10: 'P10',
      p50: 'Pronóstico P50',
      p90: 'P90',
      change: 'Cambio',
      date: 'Fecha',
      events: 'Eventos',
      member: 'Contribución',
      eventLine: (event) =>
        `${event.start} → ${event.end} · ${event.cause} (${event.category}) · ${event.equipment}${event.lost === null ? '' : ` · perdido ${event.lost}`}${event.text ? ` · ${event.text}` : ''}`,
      dataCitation: 'Dato',
      sourceCitation: 'Fuente',
      value: 'Valor',
      metric: 'Métrica',
      queryId: 'Id de consulta',
      asOf: 'Datos al',
      reproduce: 'Reproducir con',
      heading: 'Sección',
      document: 'Documento',
      lines: 'Líneas',
      page: 'Página',
      score: 'Puntuación',
      lookingUp: 'buscándolo en /rag/documents…',
      documentRecord: (doc) =>
        `${doc.id} · ${doc.doc_type} · ${doc.chunk_count} fragmentos · actualizado ${doc.updated_at}`,
      documentMissing: 'no está en /rag/documents para esta clave',
      close: 'Cerrar',
      suggestions: (site, date) => [
        `¿Por qué ${site} quedó por debajo del plan el ${date}?`,
        `¿Cómo le fue a ${site} frente al plan la semana pasada?`,
        `¿Qué pasó en ${site} en los últimos 30 días?`,
      ],
    },
  };

  const preferred = navigator.languages?.[0] || navigator.language || 'en';
  const lang = preferred.toLowerCase().startsWith('es') ? 'es' : 'en';
  const T = MESSAGES[lang];
  const numberFormat = new Intl.NumberFormat(lang, { maximumFractionDigits: 6 });
  const compactFormat = new Intl.NumberFormat(lang, { maximumFractionDigits: 1, notation: 'compact' });

  const $ = (id) => document.getElementById(id);
  const el = (tag, attributes = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'className') node.className = value;
      else if (name === 'text') node.textContent = value;
      else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  };

  const state = {
    catalog: null,
    current: null,
    history: [],
    busy: false,
    waitUntil: 0,
    charts: [],
    documents: new Map(),
  };

  // ---------- key ----------
  const readKey = () => {
    try {
      return sessionStorage.getItem(KEY_STORAGE) || '';
    } catch {
      return '';
    }
  };
  const showKeyState = () => {
    const key = readKey();
    $('key-label').textContent = key ? T.keySet(key.slice(0, 12)) : T.noKey;
    $('key-forget').hidden = !key;
    $('key-form').hidden = Boolean(key);
  };
  const askForKey = () => {
    $('key-form').hidden = false;
    $('key-input').focus();
  };

  // ---------- HTTP ----------
  const api = (path, init = {}) => {
    const headers = new Headers(init.headers || {});
    headers.set('X-API-Key', readKey());
    return fetch(path, {
      ...init,
      headers,
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
  };

  class ApiProblem extends Error {
    constructor(status, problem, retryAfter) {
      super(problem.detail || problem.title || String(status));
      this.status = status;
      this.problem = problem;
      this.retryAfter = retryAfter;
    }
  }

  const problemOf = async (response) => {
    let problem = {};
    try {
      problem = await response.json();
    } catch {
      problem = { title: response.statusText };
    }
    return new ApiProblem(response.status, problem, response.headers.get('Retry-After'));
  };

  const getJson = async (path) => {
    const response = await api(path, { headers: { Accept: 'application/json' } });
    if (!response.ok) throw await problemOf(response);
    return response.json();
  };

  /** Every row of a paged list route, following links.next (a same-origin path). */
  const getAll = async (path) => {
    const rows = [];
    let next = path;
    let meta = null;
    while (next) {
      const body = await getJson(next);
      rows.push(...body.data);
      meta = meta || body.meta;
      next = body.links?.next;
      if (next && !next.startsWith('/')) throw new Error('unexpected next link');
    }
    return { rows, meta };
  };

  const query = (params) => {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
    }
    return search.toString();
  };

  /** Words for an API error: what happened and what to do. */
  const describeProblem = (error) => {
    if (!(error instanceof ApiProblem)) return T.eNetwork;
    const detail = error.problem.detail || error.problem.title || '';
    if (error.status === 401) return T.e401(detail);
    if (error.status === 403)
      return error.problem.code === 'site_forbidden' ? T.e403site(detail) : T.e403scope(detail);
    if (error.status === 429) return T.e429(error.retryAfter || '60');
    return T.eOther(error.status, detail);
  };

  const setStatus = (text, isError = false) => {
    const status = $('status');
    status.textContent = text;
    status.classList.toggle('error', isError);
  };

  const showError = (error) => {
    setStatus(describeProblem(error), true);
    if (error instanceof ApiProblem && error.status === 401) askForKey();
    if (error instanceof ApiProblem && error.status === 429) {
      const seconds = Number.parseInt(error.retryAfter || '0', 10);
      if (seconds > 0) {
        state.waitUntil = Date.now() + seconds * 1000;
        $('ask').disabled = true;
        setTimeout(() => {
          $('ask').disabled = false;
        }, seconds * 1000);
      }
    }
  };

  // ---------- catalog ----------
  const loadCatalog = async () => {
    if (!readKey()) return null;
    try {
      state.catalog = await getJson('/insights');
    } catch {
      state.catalog = null;
    }
    return state.catalog;
  };
  const members = (name) =>
    state.catalog?.dimensions.find((dimension) => dimension.name === name)?.members || [];
  const memberName = (name, id) => members(name).find((member) => member.id === id)?.name || id;
  const unitOf = (product) => members('product').find((member) => member.id === product)?.unit || '';

  // ---------- asking ----------
  const parseSse = (block) => {
    let event = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    return { event, data: data.join('\n') };
  };

  const ask = async (question) => {
    question = question.trim();
    if (question.length < 3 || state.busy || Date.now() < state.waitUntil) return;
    if (!readKey()) {
      setStatus(T.needKey, true);
      askForKey();
      return;
    }
    state.busy = true;
    $('ask').disabled = true;
    setStatus(T.asking);
    const started = performance.now();
    try {
      const response = await api('/rag/explain', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
        body: JSON.stringify({ question, stream: true }),
      });
      if (!response.ok) throw await problemOf(response);
      startAnswer();
      setStatus(T.reading);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      let final = null;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, '\n');
        let boundary = buffer.indexOf('\n\n');
        while (boundary >= 0) {
          const message = parseSse(buffer.slice(0, boundary));
          buffer = buffer.slice(boundary + 2);
          if (message.event === 'delta') appendDelta(JSON.parse(message.data).text);
          else if (message.event === 'final') final = JSON.parse(message.data);
          boundary = buffer.indexOf('\n\n');
        }
      }
      if (!final) throw new Error('stream');
      const entry = {
        id: `${Date.now()}`,
        question,
        at: new Date().toISOString(),
        seconds: Math.round((performance.now() - started) / 100) / 10,
        result: final,
      };
      remember(entry);
      setStatus('');
      await show(entry);
    } catch (error) {
      $('answer-text').classList.remove('streaming');
      if (error instanceof Error && error.message === 'stream') setStatus(T.eStream, true);
      else showError(error);
    } finally {
      state.busy = false;
      if (!state.waitUntil || Date.now() >= state.waitUntil) $('ask').disabled = false;
    }
  };

  const startAnswer = () => {
    $('answer').hidden = false;
    $('answer-banner').hidden = true;
    $('suggestions').hidden = true;
    $('citation').hidden = true;
    $('answer-meta').textContent = '';
    const text = $('answer-text');
    text.textContent = '';
    text.classList.add('streaming');
    text.dataset.state = 'streaming';
  };
  const appendDelta = (delta) => {
    $('answer-text').append(document.createTextNode(delta));
  };

  // ---------- rendering an answer ----------
  const citationButton = (id, citation) =>
    el('button', {
      type: 'button',
      className: `cite ${citation.kind}`,
      'data-citation': id,
      'aria-pressed': 'false',
      'aria-label': `${citation.kind === 'data' ? T.dataCitation : T.sourceCitation} ${id}`,
      text: id,
      onclick: (event) => showCitation(id, event.currentTarget),
    });

  /** The answer's text as paragraphs and lists, with [D#]/[S#] as buttons; never parsed as HTML. */
  const renderAnswerText = (answer, citations) => {
    const byId = new Map(citations.map((citation) => [citation.id, citation]));
    const inline = (line) => {
      const parts = [];
      let last = 0;
      for (const match of line.matchAll(/\[([DS]\d+)\]/g)) {
        parts.push(line.slice(last, match.index));
        const citation = byId.get(match[1]);
        parts.push(citation ? citationButton(match[1], citation) : match[0]);
        last = match.index + match[0].length;
      }
      parts.push(line.slice(last));
      return parts.filter((part) => part !== '');
    };
    const container = document.createDocumentFragment();
    for (const block of answer.split(/\n{2,}/)) {
      const lines = block.split('\n').filter((line) => line.trim() !== '');
      if (lines.length === 0) continue;
      if (lines.every((line) => /^\s*[-*•]\s+/.test(line))) {
        container.append(
          el(
            'ul',
            {},
            lines.map((line) => el('li', {}, inline(line.replace(/^\s*[-*•]\s+/, '')))),
          ),
        );
      } else {
        container.append(
          el(
            'p',
            {},
            lines.flatMap((line, index) => (index ? [el('br'), ...inline(line)] : inline(line))),
          ),
        );
      }
    }
    return container;
  };

  const show = async (entry) => {
    state.current = entry;
    const result = entry.result;
    $('answer').hidden = false;
    $('citation').hidden = true;
    const text = $('answer-text');
    text.classList.remove('streaming');
    text.replaceChildren(renderAnswerText(result.answer, result.citations));
    text.dataset.state = 'final';
    const banner = $('answer-banner');
    banner.className = 'banner';
    banner.hidden = true;
    $('suggestions').hidden = true;
    if (result.abstained) {
      banner.classList.add('abstained');
      banner.textContent = T.abstained(result.abstain_reason || '');
      banner.hidden = false;
      showSuggestions();
    } else if (result.degraded) {
      banner.classList.add('degraded');
      banner.textContent = T.degraded(result.degraded_reason || '');
      banner.hidden = false;
    }
    $('answer').dataset.abstained = String(result.abstained);
    $('answer').dataset.degraded = String(result.degraded);
    $('answer-meta').textContent = T.meta(result.model, result.confidence.toFixed(2), entry.seconds);
    renderHistory();
    await drawCharts(result);
  };

  const showSuggestions = () => {
    const sites = members('site');
    const asOf = state.catalog?.data?.as_of;
    const list = $('suggestions');
    list.replaceChildren(el('li', { className: 'lead', text: T.askInstead }));
    if (sites.length === 0 || !asOf) {
      list.hidden = false;
      return;
    }
    for (const suggestion of T.suggestions(sites[0].name, asOf)) {
      list.append(
        el(
          'li',
          {},
          el('button', {
            type: 'button',
            text: suggestion,
            onclick: () => {
              $('question').value = suggestion;
              void ask(suggestion);
            },
          }),
        ),
      );
    }
    list.hidden = false;
  };

  // ---------- citations ----------
  const dl = (rows) =>
    el(
      'dl',
      {},
      rows
        .filter(Boolean)
        .flatMap(([term, description, className]) => [
          el('dt', { text: term }),
          el('dd', { className }, description),
        ]),
    );

  const showCitation = (id, button) => {
    const result = state.current?.result;
    if (!result) return;
    const citation = result.citations.find((candidate) => candidate.id === id);
    if (!citation) return;
    for (const other of document.querySelectorAll('.cite[aria-pressed="true"]'))
      other.setAttribute('aria-pressed', 'false');
    button?.setAttribute('aria-pressed', 'true');
    const panel = $('citation');
    panel.dataset.kind = citation.kind;
    panel.dataset.citation = id;
    const close = el('button', {
      type: 'button',
      className: 'link close',
      text: T.close,
      onclick: () => closeCitation(),
    });
    if (citation.kind === 'data') {
      const fact = result.facts.find((candidate) => candidate.id === id) || {};
      const related = Object.entries(fact.related || {}).map(([name, value]) => [
        name,
        numberFormat.format(value),
        'value',
      ]);
      const dims = Object.entries(citation.dims).map(([name, value]) => [name, value]);
      const source = fact.source
        ? [T.reproduce, el('code', { text: `GET ${fact.source.path}?${query(fact.source.params)}` })]
        : null;
      panel.replaceChildren(
        el('h3', {}, `[${id}] ${fact.label || citation.metric}`),
        dl([
          [T.value, `${numberFormat.format(citation.value)} ${citation.unit}`, 'value'],
          [T.metric, citation.metric],
          ...related,
          ...dims,
          [T.queryId, el('code', { className: 'query-id', text: citation.query_id })],
          [T.asOf, citation.as_of || '—'],
          source,
        ]),
        close,
      );
    } else {
      const span =
        citation.span && 'page' in citation.span
          ? [T.page, String(citation.span.page)]
          : [T.lines, `${citation.span.startLine}–${citation.span.endLine}`];
      const documentCell = el('span', {
        className: 'document-record',
        text: `${citation.uri} · ${T.lookingUp}`,
      });
      panel.replaceChildren(
        el('h3', {}, `[${id}] ${citation.title}`),
        el('p', { className: 'heading', text: citation.heading_path.join(' › ') }),
        el('blockquote', { className: 'excerpt', text: citation.snippet.replace(/\*\*|__/g, '') }),
        dl([
          [T.heading, citation.heading_path.at(-1) || citation.title],
          [T.document, documentCell],
          span,
          [T.score, numberFormat.format(citation.score)],
        ]),
        close,
      );
      void resolveDocument(citation.uri).then((record) => {
        documentCell.replaceChildren();
        if (!record) {
          documentCell.textContent = `${citation.uri} · ${T.documentMissing}`;
          return;
        }
        documentCell.dataset.documentId = record.id;
        documentCell.append(
          el('a', {
            href: `/rag/documents?limit=1#${encodeURIComponent(record.uri)}`,
            className: 'document-link',
            text: record.uri,
            onclick: (event) => {
              event.preventDefault();
              documentCell.querySelector('.document-detail')?.toggleAttribute('hidden');
            },
          }),
          ' · ',
          el('span', { className: 'document-detail', text: T.documentRecord(record) }),
        );
      });
    }
    panel.hidden = false;
    panel.focus({ preventScroll: false });
  };

  const closeCitation = () => {
    const panel = $('citation');
    const id = panel.dataset.citation;
    panel.hidden = true;
    const button = document.querySelector(`.cite[data-citation="${id}"]`);
    button?.setAttribute('aria-pressed', 'false');
    button?.focus();
  };

  /** The /rag/documents record of a URI (listing pages until found; cached for the session). */
  const resolveDocument = async (uri) => {
    if (state.documents.has(uri)) return state.documents.get(uri);
    let next = '/rag/documents?limit=500';
    try {
      while (next) {
        const page = await getJson(next);
        for (const record of page.data) state.documents.set(record.uri, record);
        if (state.documents.has(uri)) break;
        next = page.links.next;
      }
    } catch {
      return null;
    }
    return state.documents.get(uri) || null;
  };

  // ---------- dates ----------
  const epochDay = (date) => Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
  const fromEpochDay = (day) => new Date(day * DAY_MS).toISOString().slice(0, 10);
  const addDays = (date, days) => fromEpochDay(epochDay(date) + days);
  const daysBetween = (from, to) => epochDay(to) - epochDay(from) + 1;
  const seconds = (date) => Date.parse(`${date}T00:00:00Z`) / 1000;
  /** A day's point sits at its noon, so events inside the day fall around it. */
  const noon = (date) => seconds(date) + 43_200;
  const tsSeconds = (timestamp) => Date.parse(`${timestamp.replace(' ', 'T')}Z`) / 1000;

  // ---------- charts ----------
  const destroyCharts = () => {
    for (const chart of state.charts) chart.destroy();
    state.charts = [];
  };

  const productOf = (result) =>
    result.scope.products[0] ||
    result.facts.find((fact) => fact.dims?.product)?.dims.product ||
    state.catalog?.default_product ||
    'oil';

  /**
   * The window the chart shows: the answer's period, widened to the 14 days ending on its last day
   * when shorter; for a forecast, the 28 days of history up to the last day with data and the forecast
   * from the next day up to the period's last day.
   */
  const chartWindow = (scope) => {
    const from = scope.periods.map((period) => period.from).sort()[0];
    const to = scope.periods
      .map((period) => period.to)
      .sort()
      .at(-1);
    const asOf = state.catalog?.data?.as_of;
    if (scope.intent === 'forecast') {
      const historyTo = asOf && asOf < to ? asOf : addDays(from, -1);
      return {
        from: addDays(historyTo, -(FORECAST_HISTORY_DAYS - 1)),
        to: historyTo,
        horizon: Math.min(180, Math.max(1, daysBetween(addDays(historyTo, 1), to))),
        period: { from, to },
      };
    }
    const widened = daysBetween(from, to) < CONTEXT_DAYS ? addDays(to, -(CONTEXT_DAYS - 1)) : from;
    return { from: widened, to, horizon: 0, period: { from, to } };
  };

  /** Downtime rows grouped into stops: one marker per cause, start and end. */
  const groupEvents = (rows, product) => {
    const groups = new Map();
    for (const row of rows) {
      const key = `${row.cause_code}|${row.start_ts}|${row.end_ts}`;
      const group = groups.get(key) || { key, rows: [] };
      group.rows.push(row);
      groups.set(key, group);
    }
    return [...groups.values()].map((group) => {
      const first = group.rows[0];
      const facilities = group.rows.filter((row) => row.product_id === null);
      const equipment = [
        ...new Set((facilities.length ? facilities : group.rows).map((row) => row.asset_name)),
      ];
      const lostRows = group.rows.filter(
        (row) => row.product_id === product && row.lost_volume_in_range !== null,
      );
      const lost = lostRows.length
        ? `${numberFormat.format(Math.round(lostRows.reduce((sum, row) => sum + row.lost_volume_in_range, 0) * 10) / 10)} ${lostRows[0].unit || ''}`.trim()
        : null;
      return {
        start: first.start_ts.replace('T', ' ').slice(0, 16),
        end: first.end_ts.replace('T', ' ').slice(0, 16),
        startSeconds: tsSeconds(first.start_ts),
        endSeconds: tsSeconds(first.end_ts),
        cause: first.cause_code,
        category: first.cause_category,
        equipment: equipment.join(', '),
        lost,
        text: group.rows.find((row) => row.description)?.description || '',
      };
    });
  };

  const chartWidth = (container) => Math.max(280, Math.floor(container.getBoundingClientRect().width || 560));

  const drawCharts = async (result) => {
    destroyCharts();
    const card = $('chart-card');
    const scope = result.scope;
    if (result.abstained || !scope || scope.periods.length === 0) {
      card.hidden = true;
      return;
    }
    card.hidden = false;
    const chart = $('chart');
    chart.replaceChildren();
    chart.dataset.state = 'loading';
    $('bars').hidden = true;
    $('bars-title').hidden = true;
    $('event-list').replaceChildren();
    $('chart-table').replaceChildren();
    $('chart-note').textContent = '';
    if (!state.catalog) await loadCatalog();
    try {
      await drawTimeChart(result, scope);
      if (scope.breakdown) await drawContributors(result, scope);
    } catch (error) {
      chart.dataset.state = 'failed';
      $('chart-note').textContent = T.chartFailed(describeProblem(error));
    }
  };

  const drawTimeChart = async (result, scope) => {
    const product = productOf(result);
    const window = chartWindow(scope);
    const where = { site: scope.sites.join(','), asset: scope.assets.join(','), product };
    const [daily, events] = await Promise.all([
      getAll(`/insights/daily?${query({ ...where, from: window.from, to: window.to, limit: 10000 })}`),
      getAll(`/insights/events?${query({ ...where, from: window.from, to: window.to, limit: 1000 })}`),
    ]);
    let forecast = null;
    const forecastTarget =
      scope.assets.length === 1
        ? { asset: scope.assets[0] }
        : scope.sites.length === 1
          ? { site: scope.sites[0] }
          : null;
    if (window.horizon > 0) {
      if (forecastTarget) {
        forecast = (
          await getJson(
            `/insights/forecast?${query({ ...forecastTarget, product, horizon: window.horizon })}`,
          )
        ).data;
      } else {
        $('chart-note').textContent = T.chartNoForecast;
      }
    }

    const byDate = new Map();
    for (const row of daily.rows) {
      const point = byDate.get(row.date) || { actual: null, plan: null, events: 0 };
      if (row.actual_volume !== null) point.actual = (point.actual || 0) + row.actual_volume;
      if (row.planned_volume !== null) point.plan = (point.plan || 0) + row.planned_volume;
      byDate.set(row.date, point);
    }
    const dates = [...byDate.keys()].sort();
    const forecastPoints = forecast ? forecast.points : [];
    const xs = [...dates.map(noon), ...forecastPoints.map((point) => noon(point.date))];
    const pad = (values, before, after) => [
      ...Array(before).fill(null),
      ...values,
      ...Array(after).fill(null),
    ];
    const round = (value) => (value === null ? null : Math.round(value * 1000) / 1000);
    const actual = pad(
      dates.map((date) => round(byDate.get(date).actual)),
      0,
      forecastPoints.length,
    );
    const plan = pad(
      dates.map((date) => round(byDate.get(date).plan)),
      0,
      forecastPoints.length,
    );
    const unit = unitOf(product) || daily.rows[0]?.unit || forecast?.unit || '';
    const productName = memberName('product', product);
    const scopeName =
      [
        ...scope.sites.map((id) => memberName('site', id)),
        ...scope.assets.map((id) => memberName('asset', id)),
      ].join(', ') || T.allSites;

    const series = [
      {},
      { label: T.actual, stroke: '#0b5f8a', width: 2, points: { show: true, size: 5 } },
      { label: T.plan, stroke: '#7a8791', width: 1.5, dash: [6, 4], points: { show: false } },
    ];
    const data = [xs, actual, plan];
    const bands = [];
    if (forecastPoints.length) {
      const before = dates.length;
      data.push(
        pad(
          forecastPoints.map((point) => point.p10),
          before,
          0,
        ),
      );
      data.push(
        pad(
          forecastPoints.map((point) => point.p50),
          before,
          0,
        ),
      );
      data.push(
        pad(
          forecastPoints.map((point) => point.p90),
          before,
          0,
        ),
      );
      series.push(
        { label: T.p10, stroke: 'rgba(107,63,160,0.45)', width: 1, points: { show: false } },
        { label: T.p50, stroke: '#6b3fa0', width: 2, dash: [3, 3], points: { show: false } },
        { label: T.p90, stroke: 'rgba(107,63,160,0.45)', width: 1, points: { show: false } },
      );
      bands.push({ series: [5, 3], fill: 'rgba(107,63,160,0.14)' });
    }
    const markers = groupEvents(events.rows, product);

    $('chart-title').textContent = forecastPoints.length
      ? T.chartForecast(productName, unit)
      : T.chartDaily(productName, unit);
    const lastDate = forecastPoints.at(-1)?.date || window.to;
    $('chart-note').textContent = [
      T.chartScope(scopeName, window.from, lastDate),
      $('chart-note').textContent,
    ]
      .filter(Boolean)
      .join(' · ');

    const container = $('chart');
    container.replaceChildren();
    const periodStart = seconds(window.period.from);
    const periodEnd = seconds(addDays(window.period.to, 1));
    const placeOverlays = (u) => {
      for (const node of u.over.querySelectorAll('.event-marker, .period-band')) node.remove();
      if (!forecastPoints.length) {
        const left = Math.max(0, u.valToPos(periodStart, 'x'));
        const right = Math.min(u.over.clientWidth, u.valToPos(periodEnd, 'x'));
        if (right > left) {
          const band = el('div', { className: 'period-band' });
          band.style.left = `${left}px`;
          band.style.width = `${right - left}px`;
          u.over.append(band);
        }
      }
      markers.forEach((marker, index) => {
        const left = u.valToPos(marker.startSeconds, 'x');
        const right = u.valToPos(marker.endSeconds, 'x');
        const node = el('div', {
          className: 'event-marker',
          title: T.eventLine(marker),
          'data-index': index,
          'data-cause': marker.cause,
          'data-start': marker.start,
        });
        node.style.left = `${left}px`;
        node.style.width = `${Math.max(3, right - left)}px`;
        u.over.append(node);
      });
    };
    const xRange = xs.length
      ? [
          Math.min(xs[0], ...markers.map((marker) => marker.startSeconds)) - 43200,
          Math.max(xs.at(-1), ...markers.map((marker) => marker.endSeconds)) + 43200,
        ]
      : [seconds(window.from), seconds(window.to)];
    const plot = new uPlot(
      {
        width: chartWidth(container),
        height: 250,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        scales: { x: { time: true, range: () => xRange } },
        series,
        bands,
        axes: [{}, { size: 56, values: (_u, values) => values.map((value) => compactFormat.format(value)) }],
        hooks: { draw: [placeOverlays] },
        legend: { live: true },
        cursor: { drag: { x: false, y: false } },
      },
      data,
      container,
    );
    state.charts.push(plot);
    container.dataset.state = 'ready';
    container.setAttribute('role', 'img');
    container.setAttribute('aria-label', `${$('chart-title').textContent}. ${$('chart-note').textContent}`);
    container.dataset.points = String(plot.data[0].length);
    container.dataset.history = String(dates.length);
    container.dataset.forecast = String(forecastPoints.length);
    container.dataset.events = String(markers.length);

    $('event-list').replaceChildren(
      ...markers.map((marker) => el('li', { className: 'event', text: T.eventLine(marker) })),
    );

    const header = [T.date, T.actual, T.plan, ...(forecastPoints.length ? [T.p10, T.p50, T.p90] : [])];
    const rows = xs.map((x, index) => [
      new Date((x - 43_200) * 1000).toISOString().slice(0, 10),
      ...data.slice(1).map((values) => (values[index] === null ? '' : numberFormat.format(values[index]))),
    ]);
    $('chart-table').replaceChildren(
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          header.map((cell) => el('th', { text: cell })),
        ),
      ),
      el(
        'tbody',
        {},
        rows.map((row) =>
          el(
            'tr',
            {},
            row.map((cell) => el('td', { text: cell })),
          ),
        ),
      ),
    );
  };

  const drawContributors = async (result, scope) => {
    const product = productOf(result);
    const window = chartWindow(scope);
    if (scope.intent === 'forecast') return;
    const varianceFact = result.facts.find((fact) => fact.kind === 'variance');
    const compare = varianceFact?.dims?.compare || 'plan';
    const body = await getJson(
      `/insights/variance?${query({
        site: scope.sites.join(','),
        asset: scope.assets.join(','),
        product,
        from: window.period.from,
        to: window.period.to,
        by: scope.breakdown,
        compare,
      })}`,
    );
    const contributors = body.data.contributors.filter((contributor) => contributor.change !== 0);
    if (contributors.length === 0) return;
    const labels = contributors.map((contributor) => contributor.label || contributor.member);
    const xs = contributors.map((_, index) => index);
    const negative = contributors.map((contributor) => (contributor.change < 0 ? contributor.change : null));
    const positive = contributors.map((contributor) => (contributor.change >= 0 ? contributor.change : null));
    const bars = uPlot.paths.bars({ size: [0.6, 64] });
    $('bars-title').textContent = T.chartBars(compare.replace('_', ' '));
    $('bars-title').hidden = false;
    const container = $('bars');
    container.hidden = false;
    container.replaceChildren();
    const plot = new uPlot(
      {
        width: chartWidth($('chart')),
        height: 170,
        scales: { x: { time: false, range: [-0.5, contributors.length - 0.5] } },
        series: [
          { label: T.member, value: (_u, value) => (value === null ? '' : labels[value] || '') },
          {
            label: `${T.change} −`,
            fill: 'rgba(192,57,43,0.75)',
            stroke: '#c0392b',
            paths: bars,
            points: { show: false },
          },
          {
            label: `${T.change} +`,
            fill: 'rgba(39,128,90,0.75)',
            stroke: '#27805a',
            paths: bars,
            points: { show: false },
          },
        ],
        axes: [
          { splits: () => xs, values: (_u, splits) => splits.map((index) => labels[index] || '') },
          { size: 56, values: (_u, values) => values.map((value) => compactFormat.format(value)) },
        ],
        legend: { live: true },
        cursor: { drag: { x: false, y: false } },
      },
      [xs, negative, positive],
      container,
    );
    state.charts.push(plot);
    container.dataset.bars = String(contributors.length);
    const table = $('chart-table');
    table.append(
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          [T.member, `${T.change} (${body.data.unit})`].map((cell) => el('th', { text: cell })),
        ),
      ),
      el(
        'tbody',
        {},
        contributors.map((contributor) =>
          el(
            'tr',
            {},
            el('td', { text: contributor.label || contributor.member }),
            el('td', { text: numberFormat.format(contributor.change) }),
          ),
        ),
      ),
    );
  };

  // ---------- history ----------
  const loadHistory = () => {
    try {
      state.history = JSON.parse(sessionStorage.getItem(HISTORY_STORAGE) || '[]');
    } catch {
      state.history = [];
    }
  };
  const remember = (entry) => {
    state.history = [entry, ...state.history.filter((item) => item.id !== entry.id)].slice(0, HISTORY_LIMIT);
    try {
      sessionStorage.setItem(HISTORY_STORAGE, JSON.stringify(state.history));
    } catch {
      // storage full: the history stays in memory for this page
    }
  };
  const renderHistory = () => {
    const list = $('history');
    if (state.history.length === 0) {
      list.replaceChildren(el('li', { className: 'empty', text: T.historyEmpty }));
      return;
    }
    list.replaceChildren(
      ...state.history.map((entry) =>
        el(
          'li',
          { className: state.current && state.current.id === entry.id ? 'current' : '' },
          el('button', {
            type: 'button',
            text: entry.question,
            onclick: () => {
              $('question').value = entry.question;
              setStatus('');
              void show(entry);
            },
          }),
          el('span', { className: 'when', text: entry.at.slice(11, 16) }),
          entry.result.abstained ? el('span', { className: 'when', text: '∅' }) : null,
        ),
      ),
    );
  };

  // ---------- Markdown ----------
  const toMarkdown = (entry) => {
    const { result } = entry;
    const lines = [`**${entry.question}**`, '', result.answer.trim(), ''];
    const data = result.citations.filter((citation) => citation.kind === 'data');
    const sources = result.citations.filter((citation) => citation.kind === 'source');
    if (data.length) {
      lines.push(lang === 'es' ? 'Datos:' : 'Data:', '');
      for (const citation of data) {
        const fact = result.facts.find((candidate) => candidate.id === citation.id) || {};
        lines.push(
          `- [${citation.id}] ${fact.label || citation.metric}: ${citation.value} ${citation.unit} (query \`${citation.query_id}\`${citation.as_of ? `, as of ${citation.as_of}` : ''})`,
        );
      }
      lines.push('');
    }
    if (sources.length) {
      lines.push(lang === 'es' ? 'Fuentes:' : 'Sources:', '');
      for (const citation of sources) {
        lines.push(
          `- [${citation.id}] ${citation.title} › ${citation.heading_path.join(' › ')} (\`${citation.uri}\`)`,
        );
      }
      lines.push('');
    }
    if (result.abstained) lines.push(`_${T.abstained(result.abstain_reason || '')}_`);
    else if (result.degraded) lines.push(`_${T.degraded(result.degraded_reason || '')}_`);
    lines.push(`_${result.model} · ${result.prompt_version}_`);
    return lines.join('\n').trim();
  };

  const copyMarkdown = async () => {
    if (!state.current) return;
    const markdown = toMarkdown(state.current);
    $('answer').dataset.markdown = 'ready';
    try {
      await navigator.clipboard.writeText(markdown);
      setStatus(T.copied);
    } catch {
      const area = el('textarea', { className: 'markdown-fallback', rows: 8, readonly: true });
      area.value = markdown;
      $('answer').append(area);
      area.select();
      setStatus(T.copyFailed, true);
    }
  };

  // ---------- wiring ----------
  const translate = () => {
    document.documentElement.lang = lang;
    document.title = `DatAlive — ${T.title}`;
    for (const node of document.querySelectorAll('[data-i18n]')) {
      const message = T[node.dataset.i18n];
      if (typeof message === 'string') node.textContent = message;
    }
    $('question').placeholder = T.questionPlaceholder;
  };

  const wire = () => {
    $('key-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const input = $('key-input');
      const key = input.value.trim();
      input.value = '';
      if (!key) return;
      try {
        sessionStorage.setItem(KEY_STORAGE, key);
      } catch {
        return;
      }
      state.catalog = null;
      state.documents.clear();
      setStatus('');
      showKeyState();
      void loadCatalog();
      $('question').focus();
    });
    $('key-forget').addEventListener('click', () => {
      sessionStorage.removeItem(KEY_STORAGE);
      state.catalog = null;
      state.documents.clear();
      showKeyState();
      askForKey();
    });
    $('ask-form').addEventListener('submit', (event) => {
      event.preventDefault();
      void ask($('question').value);
    });
    $('question').addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        void ask($('question').value);
      }
    });
    $('copy-markdown').addEventListener('click', () => void copyMarkdown());
    document.addEventListener('keydown', (event) => {
      const typing = ['INPUT', 'TEXTAREA'].includes(document.activeElement?.tagName || '');
      if (event.key === '/' && !typing) {
        event.preventDefault();
        $('question').focus();
      } else if (event.key === 'Escape' && !$('citation').hidden) {
        closeCitation();
      }
    });
    let resizeTimer;
    window.addEventListener('resize', () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => {
        for (const chart of state.charts)
          chart.setSize({ width: chartWidth($('chart')), height: chart.height });
      }, 150);
    });
  };

  translate();
  wire();
  loadHistory();
  renderHistory();
  showKeyState();
  if (readKey()) {
    void loadCatalog();
    $('question').focus();
  } else {
    askForKey();
  }
})();
