import { OpenAPIHono } from '@hono/zod-openapi';
import { cors } from 'hono/cors';
import type { AppEnv } from './http/context.js';
import { handleError, handleNotFound, validationProblem } from './http/errors.js';
import { accessLog, type RequestObserver } from './http/middleware/access-log.js';
import { apiKeyAuth, requireScope } from './http/middleware/auth.js';
import { limitRequestBody } from './http/middleware/body-limit.js';
import { injectServices } from './http/middleware/inject-services.js';
import { rateLimit } from './http/middleware/rate-limit.js';
import { requestId } from './http/middleware/request-id.js';
import { requireAnyScope } from './http/middleware/require-any-scope.js';
import { securityHeaders } from './http/middleware/security-headers.js';
import { registerAcceptedQueries, strictQuery } from './http/middleware/strict-query.js';
import { registerOpenApi } from './http/openapi-document.js';
import { problemResponse } from './http/problem.js';
import { adminKeyRoutes } from './routes/admin/keys.js';
import { consoleRoutes } from './routes/console.js';
import { controlCommandRoutes } from './routes/control/commands.js';
import { docsRoutes } from './routes/docs.js';
import { healthRoutes } from './routes/health.js';
import { indexRoute } from './routes/index.js';
import { anomaliesRoute } from './routes/insights/anomalies.js';
import { catalogRoute } from './routes/insights/catalog.js';
import { dailyRoute } from './routes/insights/daily.js';
import { digestRoute } from './routes/insights/digest.js';
import { eventsRoute } from './routes/insights/events.js';
import { forecastRoute } from './routes/insights/forecast.js';
import { varianceRoute } from './routes/insights/variance.js';
import { metricsRoute } from './routes/metrics.js';
import { documentRoutes } from './routes/rag/documents.js';
import { explainRoute } from './routes/rag/explain.js';
import { searchRoute } from './routes/rag/search.js';
import { loadRoute } from './routes/warehouse/load.js';
import { mappingsRoute } from './routes/warehouse/mappings.js';
import type { Services } from './services.js';

/** HTTP loads stream their bodies under `WAREHOUSE_LOAD_MAX_BYTES`, not the general body limit. */
const WAREHOUSE_LOADS_PREFIX = '/warehouse/loads/';

/** Options for {@link createApp}. */
export interface AppOptions {
  /** Called once per finished request (metrics). */
  observe?: RequestObserver;
}

/** An OpenAPIHono app whose request-validation failures answer as problem+json. */
export function createBareApp() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return problemResponse(c, validationProblem(result.error, result.target));
    },
  });
}

/**
 * The middleware every request passes before authentication, in order: request id → access log (with
 * request and insights-cache metrics) → security headers → CORS → body limit → services.
 */
export function useCommonMiddleware(app: OpenAPIHono<AppEnv>, services: Services, options: AppOptions = {}) {
  const { config, metrics } = services;
  app.use(requestId());
  const observe: RequestObserver = (sample) => {
    metrics.observeRequest(sample);
    options.observe?.(sample);
  };
  app.use(accessLog({ logger: services.logger, environment: config.env, observe }));
  app.use(securityHeaders());
  if (config.corsOrigins.length > 0) {
    app.use(
      cors({ origin: config.corsOrigins, allowHeaders: ['Authorization', 'X-API-Key', 'Content-Type'] }),
    );
  }
  app.use(
    limitRequestBody({
      maxBytes: config.bodyLimitBytes,
      exempt: (path) => path.startsWith(WAREHOUSE_LOADS_PREFIX),
    }),
  );
  app.use(injectServices(services));
}

/**
 * Builds the HTTP application: middleware in request order (request id → access log → security
 * headers / CORS / body limit → services), then the routes. Testable through `app.request`.
 */
export function createApp(services: Services, options: AppOptions = {}) {
  const { config, metrics } = services;
  const app = createBareApp();

  useCommonMiddleware(app, services, options);

  const authenticate = apiKeyAuth({
    keys: services.keys,
    failureStore: services.authFailureStore,
    trustProxyHops: config.trustProxyHops,
  });
  const limit = (rateClass: 'insights' | 'rag' | 'admin') =>
    rateLimit({
      limiter: services.limiter,
      profile: config.profile,
      rateClass,
      onDecision: metrics.rateLimitDecision,
    });

  app.use('/admin/*', authenticate, requireScope('admin'), limit('admin'));
  const insightsQueries = new Map<string, ReadonlySet<string>>();
  app.get('/', strictQuery(insightsQueries));
  app.use(
    '/insights/*',
    authenticate,
    requireScope('insights:read'),
    limit('insights'),
    strictQuery(insightsQueries),
  );
  app.use('/warehouse/*', authenticate, requireAnyScope(['warehouse:write', 'admin']), limit('admin'));
  app.use('/metrics', authenticate, requireScope('admin'), limit('admin'));
  app.use('/rag/search', authenticate, requireScope('rag:explain'), limit('rag'));
  app.use('/rag/explain', authenticate, requireScope('rag:explain'), limit('rag'));
  app.use('/rag/documents/*', authenticate, limit('rag'));
  app.on('GET', '/rag/documents/*', requireScope('rag:explain'));
  app.on(['POST', 'DELETE'], '/rag/documents/*', requireScope('rag:write'));

  registerRoutes(app, services);
  registerAcceptedQueries(app, '/insights', insightsQueries);
  registerAcceptedQueries(app, '/', insightsQueries, { exact: true });
  return app;
}

/**
 * Mounts every route, the OpenAPI document and the not-found / error handlers. Authentication is wired
 * by {@link createApp} before this; the load bench mounts the same routes without it.
 */
export function registerRoutes(app: OpenAPIHono<AppEnv>, services: Services) {
  app.route('/', indexRoute);
  app.route('/', healthRoutes);
  app.route('/', adminKeyRoutes);
  app.route('/', catalogRoute);
  app.route('/', dailyRoute);
  app.route('/', varianceRoute);
  app.route('/', anomaliesRoute);
  app.route('/', digestRoute);
  app.route('/', forecastRoute);
  app.route('/', eventsRoute);
  app.route('/', searchRoute);
  app.route('/', explainRoute);
  app.route('/', documentRoutes);
  app.route('/', mappingsRoute);
  app.route('/', loadRoute);
  app.route('/', metricsRoute(services.metrics));
  app.route('/', docsRoutes);
  app.route('/', consoleRoutes);
  app.route('/', controlCommandRoutes);
  registerOpenApi(app, { version: services.version, env: services.config.env });

  app.notFound(handleNotFound);
  app.onError(handleError);
}

/** The application type, for typed clients in tests. */
export type App = ReturnType<typeof createApp>;
