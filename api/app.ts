/** The Express application: thin routes over Temporal (actions, live state) and PostgreSQL (lists). */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { RequestContext } from '@mikro-orm/postgresql';
import express, { type Express } from 'express';
import helmet from 'helmet';
import swaggerUi from 'swagger-ui-express';
import type { Logger } from '../platform/log';
import { PROCEDURES } from '../procedures/registry';
import { NotFound, errorHandler, registerRefusals } from './errors';
import { defineRoute, type RouteRule } from './http';
import { requestLogging } from './log';
import { createMetrics } from './metrics';
import { configureReadiness, type ReadinessOptions } from './readiness';
import { adminRoutes } from './routes/admin';
import { auditRoutes } from './routes/audit';
import { authRoutes } from './routes/auth';
import { calendarRoutes } from './routes/calendar';
import { CODEC_BODY_LIMIT, codecRoutes } from './routes/codec';
import type { ApiDeps, RouteContext } from './routes/context';
import { healthRoutes } from './routes/health';
import { inboxRoutes } from './routes/inbox';
import { masterDataRoutes } from './routes/master-data';
import { peopleRoutes } from './routes/people';
import { procedureRoutes } from './routes/procedures';
import { supervisionReportRoutes } from './routes/supervision-reports';
import { supervisionRoutes } from './routes/supervision';
import { taskRoutes } from './routes/tasks';
import { serveConsole } from './console';

export type { ApiDeps } from './routes/context';

export interface AppOptions {
  readiness?: ReadinessOptions;
  /** The bearer token Prometheus scrapes /metrics with; by default METRICS_TOKEN. */
  metricsToken?: string;
  /** Where the request lines go; by default the process's logger (platform/log.ts). */
  logger?: Logger;
}

/**
 * The headers of every answer. The CSP is one the web console (Vue with Element Plus, served from this
 * origin) can live with: its scripts from here only; styles from here plus inline ones, which Element
 * Plus sets on its elements; images and fonts also as data: URLs (Element Plus's icons, Swagger UI's).
 * Swagger UI at /docs loads only its own files from here, so it needs nothing more. Nothing may frame
 * the console (clickjacking): frame-ancestors 'none', and X-Frame-Options DENY for older browsers.
 * No upgrade-insecure-requests: the console is also served over plain HTTP inside the network, where
 * it would turn every request into a failing HTTPS one. HSTS counts only on HTTPS answers.
 */
export const securityHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      scriptSrcAttr: ["'none'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  xFrameOptions: { action: 'deny' },
  strictTransportSecurity: { maxAge: 365 * 24 * 60 * 60, includeSubDomains: true },
});

export function createApp(deps: ApiDeps, opts: AppOptions = {}): { app: Express; openapi: unknown; routes: RouteRule[] } {
  const app = express();
  app.disable('x-powered-by');
  // First: every answer, a refused one included, carries its X-Request-Id and gets its closing log line.
  const logging = requestLogging(opts.logger);
  app.use(logging.start);
  app.use(securityHeaders);
  const metrics = createMetrics(deps.orm, { token: opts.metricsToken ?? process.env.METRICS_TOKEN });
  app.use(metrics.middleware);
  app.get('/metrics', metrics.handler);
  // Tokens and user records: no browser or proxy may keep them, failed logins included.
  app.use('/auth', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  configureReadiness(deps.client, deps.taskQueue, opts.readiness);
  // A people import carries a file of up to 5 MB, base64-encoded; only that route reads a body this large.
  // The general parser below then finds the body already read and leaves it alone.
  app.post('/people/import', express.json({ limit: '7mb' }));
  // The codec server's batches carry payloads of up to Temporal's 2 MB each (api/routes/codec.ts).
  app.post(['/codec/decode', '/codec/encode'], express.json({ limit: CODEC_BODY_LIMIT }));
  app.use(express.json({ limit: '1mb' }));
  app.use(logging.scope);
  app.use((_req, _res, next) => RequestContext.create(deps.orm.em, next));

  const router = express.Router();
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', description: 'Token from POST /auth/login' });
  // Every route with its access rule (api/authz.ts), for the authorization matrix test.
  const routes: RouteRule[] = [];
  // The routes' deps also time their Updates into this app's /metrics.
  const ctx: RouteContext = { deps: { ...deps, observeUpdate: metrics.observeUpdate }, router, registry, route: (def) => defineRoute(router, registry, deps.orm, def, routes) };
  healthRoutes(app, registry, deps);
  authRoutes(ctx);
  masterDataRoutes(ctx);
  peopleRoutes(ctx);
  procedureRoutes(ctx);
  auditRoutes(ctx);
  inboxRoutes(ctx);
  taskRoutes(ctx);
  supervisionRoutes(ctx);
  supervisionReportRoutes(ctx);
  for (const p of PROCEDURES) {
    registerRefusals(p.refusals);
    p.routes?.(ctx);
  }
  calendarRoutes(ctx);
  adminRoutes(ctx);
  codecRoutes(ctx);

  const openapi = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'tingjin (挺进) API',
      version: '0.1.0',
      description: 'Durable procedures of an organization department: start them, act on their tasks, and trace them.',
    },
  });

  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(openapi as swaggerUi.JsonObject));
  app.use(router);
  // The web console's built files, after every API route, so none of them is shadowed.
  serveConsole(app);
  // The path is not quoted: it is the client's raw input, as long as the header limit allows.
  app.use((_req, _res, next) => next(new NotFound('not_found', 'no route for this method and path')));
  app.use(errorHandler);
  return { app, openapi, routes };
}
