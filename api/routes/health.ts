/**
 * GET /health is liveness: the process answers, and nothing else is asked, so a load balancer never
 * restarts the API because PostgreSQL or Temporal is down. GET /ready is readiness: PostgreSQL
 * answers `select 1`, the Temporal frontend answers, and the task queue has live workflow and
 * activity pollers. Without the last, /health said {"ok":true} while no worker ran (issue 10).
 * Both are public and read nothing from the request.
 */
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Express } from 'express';
import { z } from 'zod';
import { livePollers, pollerWindowMs } from '../readiness';
import { Problem } from '../schemas';
import type { ApiDeps } from './context';

/** Each check answers within this, so /ready itself never hangs on a dead backend. */
const CHECK_TIMEOUT_MS = 1_500;

const CHECKS = ['database', 'temporal', 'workflowPollers', 'activityPollers'] as const;
type CheckName = (typeof CHECKS)[number];
const Missing = z.array(z.enum(CHECKS)).openapi('ReadinessMissing', { description: 'The checks that failed: database, temporal, workflowPollers, activityPollers' });
const Ready = z.object({ ready: z.literal(true) }).openapi('Ready');
const NotReady = Problem.extend({ code: z.literal('not_ready'), missing: Missing }).openapi('NotReady');

/**
 * How long one answer of /ready serves every caller. The route is public and each check is three calls to
 * the backends (a query, two gRPC calls), so a probe storm or a curious client cannot multiply them: at most
 * one check per this interval, and callers that arrive while one runs share it.
 */
export const READY_TTL_MS = 2_000;

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Whether a check passed; why not stays here: a driver's message may name hosts or users, and /ready is public. */
async function passes(fn: () => Promise<number | void>): Promise<boolean> {
  try {
    const n = await fn();
    return typeof n === 'number' ? n > 0 : true;
  } catch {
    return false;
  }
}

async function missingChecks(deps: ApiDeps): Promise<CheckName[]> {
  const window = pollerWindowMs(deps.client, deps.taskQueue);
  const pollers = withTimeout(livePollers(deps.client, deps.taskQueue, ['workflow', 'activity'], window, CHECK_TIMEOUT_MS), 'pollers');
  pollers.catch(() => undefined); // awaited below, twice; never left unhandled
  const results = await Promise.all([
    passes(async () => {
      await withTimeout(deps.orm.em.getConnection().execute('select 1'), 'database');
    }),
    passes(async () => {
      await withTimeout(
        deps.client.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () => deps.client.workflowService.getSystemInfo({})),
        'temporal',
      );
    }),
    passes(async () => (await pollers).workflow),
    passes(async () => (await pollers).activity),
  ]);
  return CHECKS.filter((_, i) => !results[i]);
}

/** The last answer and the check under way: one check at a time, reused for READY_TTL_MS after it ends. */
function cachedReadiness(deps: ApiDeps, ttlMs = READY_TTL_MS): () => Promise<CheckName[]> {
  let last: { at: number; missing: CheckName[] } | null = null;
  let running: Promise<CheckName[]> | null = null;
  return () => {
    if (last && Date.now() - last.at < ttlMs) return Promise.resolve(last.missing);
    running ??= missingChecks(deps)
      .then((missing) => {
        last = { at: Date.now(), missing };
        return missing;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
}

export function healthRoutes(app: Express, registry: OpenAPIRegistry, deps: ApiDeps): void {
  registry.registerPath({
    method: 'get',
    path: '/health',
    tags: ['health'],
    summary: 'Liveness: the API process answers (nothing else is checked)',
    security: [],
    responses: { 200: { description: 'Alive', content: { 'application/json': { schema: z.object({ ok: z.literal(true) }) } } } },
  });
  registry.registerPath({
    method: 'get',
    path: '/ready',
    tags: ['health'],
    summary: 'Readiness: PostgreSQL, the Temporal frontend and live workflow and activity pollers on the task queue',
    security: [],
    responses: {
      200: { description: 'Ready to take requests', content: { 'application/json': { schema: Ready } } },
      503: { description: 'Something is missing; `missing` names what', content: { 'application/problem+json': { schema: NotReady } } },
    },
  });

  app.get('/health', (_req, res) => {
    res.json({ ok: true });
  });

  const readiness = cachedReadiness(deps);
  app.get('/ready', async (_req, res) => {
    const missing = await readiness();
    res.setHeader('Cache-Control', 'no-store');
    if (missing.length === 0) {
      res.json({ ready: true });
      return;
    }
    res.status(503).type('application/problem+json').json({ status: 503, code: 'not_ready', message: `not ready: ${missing.join(', ')}`, missing });
  });
}
