/** The Express application: thin routes over Temporal (actions, live state) and PostgreSQL (lists). */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { RequestContext } from '@mikro-orm/postgresql';
import express, { type Express } from 'express';
import swaggerUi from 'swagger-ui-express';
import { PROCEDURES } from '../procedures/registry';
import { NotFound, errorHandler, registerRefusals } from './errors';
import { defineRoute } from './http';
import { auditRoutes } from './routes/audit';
import { authRoutes } from './routes/auth';
import { calendarRoutes } from './routes/calendar';
import type { ApiDeps, RouteContext } from './routes/context';
import { masterDataRoutes } from './routes/master-data';
import { peopleRoutes } from './routes/people';
import { procedureRoutes } from './routes/procedures';
import { taskRoutes } from './routes/tasks';

export type { ApiDeps } from './routes/context';

export function createApp(deps: ApiDeps): { app: Express; openapi: unknown } {
  const app = express();
  app.disable('x-powered-by');
  // A people import carries a file of up to 5 MB, base64-encoded; only that route reads a body this large.
  // The general parser below then finds the body already read and leaves it alone.
  app.post('/people/import', express.json({ limit: '7mb' }));
  app.use(express.json({ limit: '1mb' }));
  app.use((_req, _res, next) => RequestContext.create(deps.orm.em, next));

  const router = express.Router();
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', description: 'Token from POST /auth/login' });
  const ctx: RouteContext = { deps, router, registry, route: (def) => defineRoute(router, registry, deps.orm, def) };
  authRoutes(ctx);
  masterDataRoutes(ctx);
  peopleRoutes(ctx);
  procedureRoutes(ctx);
  auditRoutes(ctx);
  taskRoutes(ctx);
  for (const p of PROCEDURES) {
    registerRefusals(p.refusals);
    p.routes?.(ctx);
  }
  calendarRoutes(ctx);

  const openapi = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'tingjin (挺进) API',
      version: '0.1.0',
      description: 'Durable procedures of an organization department: start them, act on their tasks, and trace them.',
    },
  });

  app.get('/health', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(openapi as swaggerUi.JsonObject));
  app.use(router);
  app.use((req, _res, next) => next(new NotFound('not_found', `no route for ${req.method} ${req.path}`)));
  app.use(errorHandler);
  return { app, openapi };
}
