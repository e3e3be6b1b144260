/**
 * Declares a route once: Express handler, zod validation, auth, its access rule (api/authz.ts),
 * idempotency and its OpenAPI entry all come from the same declaration.
 */
import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Request, Response, Router } from 'express';
import { z, type ZodType } from 'zod';
import { annotateLog, log } from '../platform/log';
import type { Role } from '../procedures/kernel/messages';
import { authenticate, localSessionHash, sessionUser, type AuthUser } from './auth';
import { authorize, requireRoles, rolesOf, ruleOf, type Access } from './authz';
import { ApiError, fromZod } from './errors';
import { complete, fingerprint, release, reserve, reserveAs, runWithKey, type Reservation } from './idempotency';
import { inputMessage, inputProblem } from './input';
import { IdempotencyKeyHeader, Problem } from './schemas';

export interface Ctx<B, Q, P> {
  req: Request;
  em: EntityManager;
  user: AuthUser;
  body: B;
  query: Q;
  params: P;
  idempotencyKey: string | null;
  /** For a route that answers a file (`file`): the handler writes the answer here itself. */
  res: Response;
}

export interface Reply {
  status: number;
  body: unknown;
}

type Method = 'get' | 'post' | 'put' | 'delete';

export interface RouteDef<B extends ZodType, Q extends ZodType, P extends ZodType> {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  description?: string;
  /** false for the login route; everything else needs a bearer token. */
  auth?: boolean;
  /**
   * Who may call it (api/authz.ts), enforced before the handler. A route without one falls back to
   * authz.ts's ROUTE_ACCESS; with neither, the authorization matrix test fails.
   */
  access?: Access;
  /** Superseded by access; kept for routes that have not moved to a rule yet. */
  roles?: readonly Role[];
  /** Requires an Idempotency-Key and replays the first successful response. */
  idempotent?: boolean;
  /**
   * An idempotent route whose one effect is a Workflow Update with the user and the key as its id
   * (api/temporal.ts sendUpdate): a repeat while the first request still holds the key sends the Update
   * again instead of waiting, and gets its outcome (Temporal runs an Update id once).
   */
  updateKeyed?: boolean;
  body?: B;
  query?: Q;
  params?: P;
  response: { status: number; schema: ZodType; description: string };
  /**
   * A file, not JSON (an XLSX stream, a stored letter): the answer's media type and the headers the
   * OpenAPI document lists; the handler writes the answer to `res` and returns null. Not idempotent.
   */
  file?: { contentType: string; headers?: Record<string, { description: string; schema: { type: 'string'; pattern?: string } }> };
  errors?: number[];
  handler: (ctx: Ctx<z.output<B>, z.output<Q>, z.output<P>>) => Promise<Reply | null>;
}

const ERROR_TEXT: Record<number, string> = {
  400: 'Malformed input; the message names the field',
  401: 'Missing or invalid bearer token',
  403: 'Not allowed for this user',
  404: 'Unknown id',
  409: 'Conflicts with the current state',
  422: 'Refused by a rule',
  429: 'Too many attempts; Retry-After says when to try again',
  503: 'A backing service is unavailable',
};

function parse<T extends ZodType>(schema: T | undefined, value: unknown, where: 'body' | 'query' | 'params'): z.output<T> {
  if (!schema) return undefined as z.output<T>;
  const r = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!r.success) throw fromZod(r.error, where);
  return r.data;
}

/**
 * Before anything reads a request (auth, the idempotency fingerprint, zod): clean text and bounded depth
 * in its path parameters, query and body, or a 400 naming the field. Every route runs it, also one served
 * on the router directly (a file download).
 */
export function assertCleanRequest(req: Pick<Request, 'params' | 'query' | 'body'>): void {
  for (const [where, value] of [
    ['params', req.params],
    ['query', req.query],
    ['body', req.body],
  ] as const) {
    const p = inputProblem(value, where);
    if (p) throw new ApiError(400, p.code, inputMessage(p), { field: p.field });
  }
}

/** A registered route and the rule it resolved to (undefined: none, which the matrix test reports). */
export interface RouteRule {
  method: Method;
  path: string;
  access: Access | undefined;
  /** Where the rule comes from: the route itself or authz.ts's table. */
  declared: 'route' | 'table' | 'none';
  /** The route's own `roles`, checked besides the rule's. */
  roles: readonly Role[] | null;
}

/** The request's Idempotency-Key, checked; 400 when missing or malformed. */
function idempotencyKeyOf(req: Request): string {
  const k = IdempotencyKeyHeader.safeParse(req.header('idempotency-key'));
  if (!k.success) {
    const issue = k.error.issues[0];
    throw new ApiError(400, 'idempotency_key_required', `Idempotency-Key: ${issue?.message ?? 'invalid'}`);
  }
  return k.data;
}

/** What an idempotent request carries, parsed, when all of it is valid (readyToReserve). */
interface Parsed {
  key: string;
  params: unknown;
  query: unknown;
  body: unknown;
}

/**
 * An idempotent request's key, path, query and body, parsed, when all are valid, else null: only such a
 * request may reserve its key before its user is known, since nothing but its user can refuse it then.
 * Parsed once: the route uses these values, and a null sends it down the usual order, which reports the fault.
 */
function readyToReserve(def: Pick<RouteDef<ZodType, ZodType, ZodType>, 'params' | 'query' | 'body'>, req: Request): Parsed | null {
  const k = IdempotencyKeyHeader.safeParse(req.header('idempotency-key'));
  if (!k.success) return null;
  const out: Parsed = { key: k.data, params: undefined, query: undefined, body: undefined };
  for (const where of ['params', 'query', 'body'] as const) {
    const schema = def[where];
    if (!schema) continue;
    const r = schema.safeParse(req[where] ?? (where === 'body' ? undefined : {}));
    if (!r.success) return null;
    out[where] = r.data;
  }
  return out;
}

/** A refusal after the key was reserved (reserveAs) frees the key first, so the refusal leaves nothing. */
function releasing(em: EntityManager, userId: string | null | undefined, key: string | null | undefined, owner: string | null): (err: unknown) => Promise<never> {
  return async (err: unknown): Promise<never> => {
    if (owner && key && userId) {
      await release(em.fork(), userId, key, owner).catch((e: unknown) => log().error({ err: e }, 'releasing an Idempotency-Key failed'));
    }
    throw err;
  };
}

export function defineRoute<B extends ZodType = ZodType, Q extends ZodType = ZodType, P extends ZodType = ZodType>(
  router: Router,
  registry: OpenAPIRegistry,
  orm: MikroORM,
  def: RouteDef<B, Q, P>,
  rules?: RouteRule[],
): void {
  const rule = ruleOf(def.method, def.path, def.access);
  rules?.push({ method: def.method, path: def.path, access: rule, declared: def.access ? 'route' : rule ? 'table' : 'none', roles: def.roles ?? null });
  const needsAuth = rule ? rule.kind !== 'public' : def.auth !== false;
  const ruleRoles = rule ? rolesOf(rule) : null;
  const openapi: RouteConfig = {
    method: def.method,
    path: def.path.replace(/:(\w+)/g, '{$1}'),
    summary: def.summary,
    description: def.description,
    tags: [def.tag],
    security: needsAuth ? [{ bearerAuth: [] }] : [],
    request: {
      ...(def.body ? { body: { content: { 'application/json': { schema: def.body } }, required: true } } : {}),
      ...(def.query ? { query: def.query as never } : {}),
      ...(def.params ? { params: def.params as never } : {}),
      ...(def.idempotent ? { headers: z.object({ 'Idempotency-Key': IdempotencyKeyHeader }) } : {}),
    },
    responses: {
      [def.response.status]: {
        description: def.response.description,
        ...(def.file?.headers ? { headers: def.file.headers } : {}),
        content: { [def.file?.contentType ?? 'application/json']: { schema: def.response.schema } },
      },
      ...Object.fromEntries(
        [...new Set([...(def.errors ?? []), 400, ...(needsAuth ? [401] : []), ...(ruleRoles ? [403] : []), ...(rule && ['procedure', 'task', 'person', 'unit'].includes(rule.kind) ? [404] : [])])].map((s) => [
          s,
          { description: ERROR_TEXT[s] ?? 'Error', content: { 'application/problem+json': { schema: Problem } } },
        ]),
      ),
    },
  };
  registry.registerPath(openapi);

  router[def.method](def.path, async (req: Request, res: Response) => {
    assertCleanRequest(req);
    // RequestContext (see app.ts) gives each request its own entity manager.
    const em: EntityManager = orm.em.getContext();
    // An idempotent request whose inputs are all valid is authenticated and reserves its key in one
    // statement (reserveAs). Anything invalid takes the usual order below, so a 401 still comes first.
    const ready = def.idempotent && needsAuth ? readyToReserve(def, req) : null;
    const hash = ready ? localSessionHash(req.header('authorization')) : null;
    let user: AuthUser;
    let reserved: string | null = null;
    if (ready && hash) {
      const { row, owner } = await reserveAs(em, hash, ready.key, fingerprint(req.method, req.path, req.body));
      reserved = owner;
      user = await sessionUser(em, hash, row).catch(releasing(em, row?.id, ready.key, owner));
    } else {
      user = needsAuth ? await authenticate(em, req.header('authorization')) : (null as unknown as AuthUser);
    }
    const checked = await (async () => {
      if (def.roles) requireRoles(user, def.roles);
      if (ruleRoles) requireRoles(user, ruleRoles);
      const params = (ready ? ready.params : parse(def.params, req.params, 'params')) as z.output<P>;
      // Validated ids only: a path the schema refused is not repeated into the logs.
      const named = (params ?? {}) as { workflowId?: unknown; taskId?: unknown };
      annotateLog({ workflowId: typeof named.workflowId === 'string' ? named.workflowId : undefined, taskId: typeof named.taskId === 'string' ? named.taskId : undefined });
      const afterSuccess = rule && needsAuth ? await authorize(em, user, rule, params, def.path) : null;
      const query = (ready ? ready.query : parse(def.query, req.query, 'query')) as z.output<Q>;
      return { params, afterSuccess, query };
    })().catch(releasing(em, user?.id, ready?.key, reserved));
    const { params, afterSuccess, query } = checked;
    if (!def.idempotent) {
      const body = parse(def.body, req.body, 'body');
      const reply = await def.handler({ req, em, user, body, query, params, idempotencyKey: null, res });
      // A file route has written its answer (a refusal before it is thrown, as on every route).
      if (!reply) return;
      if (afterSuccess && reply.status < 300) await afterSuccess();
      res.status(reply.status).json(reply.body);
      return;
    }
    const idempotencyKey = ready ? ready.key : idempotencyKeyOf(req);
    const body = (ready ? ready.body : parse(def.body, req.body, 'body')) as z.output<B>;
    // Reserved before the handler runs: of concurrent repeats one runs, the others wait for its answer (on an
    // Update-keyed route they send the same Update, which Temporal runs once).
    const reservation: Reservation = reserved
      ? { kind: 'run', owner: reserved, tookOver: false }
      : await reserve(em, user.id, idempotencyKey, fingerprint(req.method, req.path, req.body), undefined, def.updateKeyed === true).catch((err: unknown) => {
          if (err instanceof ApiError && err.code === 'idempotency_in_progress') res.setHeader('Retry-After', '1');
          throw err;
        });
    if (reservation.kind === 'replay') {
      res.setHeader('Idempotent-Replayed', 'true');
      res.status(reservation.status).json(reservation.body);
      return;
    }
    const runHandler = async (): Promise<Reply> => {
      const answered = await runWithKey({ userId: user.id, key: idempotencyKey }, () => def.handler({ req, em, user, body, query, params, idempotencyKey, res }));
      if (!answered) throw new Error(`${def.method.toUpperCase()} ${def.path}: an idempotent route answers JSON, not a file`);
      return answered;
    };
    if (reservation.kind === 'repeat') {
      // The first request's Update, sent again under its id: its outcome, whether that request is still
      // running or died. The key stays the first request's to complete or release.
      const answered = await runHandler();
      if (afterSuccess && answered.status < 300) await afterSuccess();
      res.setHeader('Idempotent-Replayed', 'true');
      res.status(answered.status).json(answered.body);
      return;
    }
    let reply: Reply;
    try {
      reply = await runHandler();
    } catch (err) {
      // A refused or failed request leaves no trace: the key is free for a retry. Should the release
      // itself fail (the database is down), the reservation lapses after its lease instead.
      await release(em.fork(), user.id, idempotencyKey, reservation.owner).catch((e: unknown) => log().error({ err: e }, 'releasing an Idempotency-Key failed'));
      throw err;
    }
    if (afterSuccess && reply.status < 300) await afterSuccess();
    if (reply.status < 300) await complete(em.fork(), user.id, idempotencyKey, reservation.owner, reply);
    else await release(em.fork(), user.id, idempotencyKey, reservation.owner);
    res.status(reply.status).json(reply.body);
  });
}
