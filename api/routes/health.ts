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

const Check = z.object({ ok: z.boolean(), error: z.string().optional(), count: z.number().int().optional() }).openapi('ReadinessCheck');
const Checks = z
  .object({ database: Check, temporal: Check, workflowPollers: Check, activityPollers: Check })
  .openapi('ReadinessChecks');
const Ready = z.object({ ready: z.literal(true), checks: Checks }).openapi('Ready');
const NotReady = Problem.extend({ code: z.literal('not_ready'), checks: Checks }).openapi('NotReady');

type CheckResult = z.infer<typeof Check>;

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Fixed texts only: /ready is public, and a driver's message may name hosts or users. */
async function check(fn: () => Promise<number | void>, failure: string): Promise<CheckResult> {
  try {
    const n = await fn();
    return typeof n === 'number' ? { ok: n > 0, count: n, ...(n > 0 ? {} : { error: failure }) } : { ok: true };
  } catch {
    return { ok: false, error: failure };
  }
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
      503: { description: 'Something is missing; `checks` says what', content: { 'application/problem+json': { schema: NotReady } } },
    },
  });

  app.get('/health', (_req, res) => {
    res.json({ ok: true });
  });

  app.get('/ready', async (_req, res) => {
    const window = pollerWindowMs(deps.client, deps.taskQueue);
    const pollers = withTimeout(livePollers(deps.client, deps.taskQueue, ['workflow', 'activity'], window, CHECK_TIMEOUT_MS), 'pollers');
    pollers.catch(() => undefined); // awaited below, twice; never left unhandled
    const [database, temporal, workflowPollers, activityPollers] = await Promise.all([
      check(async () => {
        await withTimeout(deps.orm.em.getConnection().execute('select 1'), 'database');
      }, 'PostgreSQL does not answer'),
      check(async () => {
        await withTimeout(
          deps.client.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () => deps.client.workflowService.getSystemInfo({})),
          'temporal',
        );
      }, 'the Temporal frontend does not answer'),
      check(async () => (await pollers).workflow, 'no worker polls for workflow tasks'),
      check(async () => (await pollers).activity, 'no worker polls for activity tasks'),
    ]);
    const checks = { database, temporal, workflowPollers, activityPollers };
    const missing = Object.entries(checks)
      .filter(([, c]) => !c.ok)
      .map(([name]) => name);
    res.setHeader('Cache-Control', 'no-store');
    if (missing.length === 0) {
      res.json({ ready: true, checks });
      return;
    }
    res
      .status(503)
      .type('application/problem+json')
      .json({ status: 503, code: 'not_ready', message: `not ready: ${missing.join(', ')}`, checks });
  });
}
