/**
 * /metrics for Prometheus (prom-client): HTTP latency and count by route and status, idempotent replays,
 * Update latency by procedure type, and, read from PostgreSQL at each scrape, open procedures and tasks by type and stage, overdue
 * procedures by rung and the reconciler's repairs by kind. The HTTP and Update series are this process's (sum
 * them over the API processes); the ones read from PostgreSQL are the cluster's, the same in every process.
 * One registry per app, so several apps in one process (the tests) do not collide.
 *
 * Protected: with METRICS_TOKEN set, Prometheus sends it as a bearer token (`authorization.credentials`);
 * without it, only a logged-in supervisor or admin reads /metrics.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { PROCEDURES } from '../procedures/registry';
import { authenticate } from './auth';
import { requireRoles } from './authz';

/** How an Update ended: answered, refused by a rule (4xx), or failed (no worker, a timeout, a bug). */
export type UpdateOutcome = 'ok' | 'refused' | 'failed';

/** One Update the API sent (an action, a command, the update-with-start of a start), as it was timed. */
export interface UpdateSample {
  /** The procedure type; anything not in the registry is counted as `unknown`. */
  type: string;
  /** The Update's name (act, manage, opened, a module's own). */
  update: string;
  outcome: UpdateOutcome;
  seconds: number;
}

export interface Metrics {
  registry: Registry;
  /** Records an Update's latency; the routes reach it through ApiDeps.observeUpdate. */
  observeUpdate: (sample: UpdateSample) => void;
  /** Times every request; mount before the routes. */
  middleware: RequestHandler;
  /** GET /metrics. */
  handler: (req: Request, res: Response, next: NextFunction) => void;
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createMetrics(orm: MikroORM, opts: { token?: string | undefined } = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tingjin_' });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'tingjin_http_requests_total', help: 'HTTP requests by route and status', labelNames, registers: [registry] });
  const latency = new Histogram({
    name: 'tingjin_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const replays = new Counter({ name: 'tingjin_idempotent_replays_total', help: 'Requests answered from an Idempotency-Key record', labelNames: ['route'], registers: [registry] });
  // From the API's call to the workflow's answer: the worker's pickup, the workflow task and its
  // activities (an action's projection is the API's own, after). Labelled by the registry's types only,
  // so an id from a request never becomes a series.
  const types = new Set<string>(PROCEDURES.map((p) => p.type));
  const updates = new Histogram({
    name: 'tingjin_update_duration_seconds',
    help: 'Workflow Update latency (actions, commands, starts) by procedure type, Update and outcome',
    labelNames: ['type', 'update', 'outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const observeUpdate = (s: UpdateSample): void => {
    updates.observe({ type: types.has(s.type) ? s.type : 'unknown', update: s.update, outcome: s.outcome }, s.seconds);
  };

  const fromDb = <R>(sql: string, set: (g: Gauge, rows: R[]) => void, g: { name: string; help: string; labelNames: string[] }): void => {
    new Gauge({
      ...g,
      registers: [registry],
      async collect() {
        const rows = await orm.em.fork().getConnection().execute<R[]>(sql);
        this.reset();
        set(this, rows);
      },
    });
  };
  fromDb<{ type: string; stage: string; n: number }>(
    `select type, stage, count(*)::int as n from procedure where status = 'open' group by type, stage`,
    (g, rows) => rows.forEach((r) => g.set({ type: r.type, stage: r.stage }, r.n)),
    { name: 'tingjin_open_procedures', help: 'Open procedures by type and stage', labelNames: ['type', 'stage'] },
  );
  fromDb<{ type: string; step: string; n: number }>(
    `select procedure_type as type, step, count(*)::int as n from task where status = 'pending' group by procedure_type, step`,
    (g, rows) => rows.forEach((r) => g.set({ type: r.type, stage: r.step }, r.n)),
    { name: 'tingjin_open_tasks', help: 'Pending tasks by procedure type and stage (step)', labelNames: ['type', 'stage'] },
  );
  fromDb<{ type: string; rung: string; n: number }>(
    // The board's overdue items (platform/board.ts): open, with pending work, flagged overdue or past the
    // earliest open deadline. board_item is the board's own item set, kept by triggers in each projection
    // write, so a political examination counts here exactly when the board shows it.
    `select type, rung, count(*)::int as n from board_item where overdue or due_at <= now() group by 1, 2`,
    (g, rows) => rows.forEach((r) => g.set({ type: r.type, rung: r.rung }, r.n)),
    { name: 'tingjin_overdue_procedures', help: 'Overdue procedures on the supervision board by type and rung of the overdue ladder', labelNames: ['type', 'rung'] },
  );

  // The reconciler runs in a worker (its Schedule) or in `ops reconcile`, never in the API's own process
  // under npm run cluster, so a counter kept in memory here would stay 0. Its repairs are audited, so the
  // counter is the audit's count at each scrape: every API process reports the same cluster-wide total
  // (aggregate with max, not sum), and it only grows, as the audit is append-only.
  new Counter({
    name: 'tingjin_reconcile_repairs_total',
    help: 'Projection drift repaired by the reconciler, by kind, in any process (from the audit log)',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      // Each repair's entry lists the drift it fixed (platform/reconcile.ts); a rebuild of the board's
      // pre-aggregates, which belongs to no procedure, is a supervision_action row.
      const rows = await orm.em.fork().getConnection().execute<{ kind: string; n: number }[]>(
        `select d->>'kind' as kind, count(*)::int as n
           from audit_log a cross join lateral jsonb_array_elements(a.payload->'drift') d
          where a.kind = 'reconcile:repaired' group by 1
         union all
         select 'board', count(*)::int from supervision_action where kind = 'boardRebuilt' having count(*) > 0`,
      );
      this.reset();
      for (const r of rows) this.inc({ kind: r.kind }, r.n);
    },
  });

  const middleware: RequestHandler = (req, res, next) => {
    const end = latency.startTimer();
    res.once('finish', () => {
      // The route's pattern, never the raw path: ids in paths would make a series per procedure.
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      end(labels);
      requests.inc(labels);
      if (res.getHeader('Idempotent-Replayed') === 'true') replays.inc({ route });
    });
    next();
  };

  const handler = (req: Request, res: Response, next: NextFunction): void => {
    const run = async (): Promise<void> => {
      const auth = req.header('authorization') ?? '';
      if (!(opts.token && sameToken(auth, `Bearer ${opts.token}`))) {
        const user = await authenticate(orm.em.fork(), auth || undefined);
        requireRoles(user, ['supervisor', 'admin']);
      }
      const body = await registry.metrics();
      res.setHeader('Content-Type', registry.contentType);
      res.setHeader('Cache-Control', 'no-store');
      res.status(200).send(body);
    };
    run().catch(next);
  };
  return { registry, observeUpdate, middleware, handler };
}
