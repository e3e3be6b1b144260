/**
 * Idempotency-Key handling (issue 10 §5). The key is reserved before the request runs: inserting the
 * unique (user, key) row `in_progress` is the lock, so of any number of concurrent repeats exactly one
 * runs; the others wait for its outcome (bounded) or get `409 idempotency_in_progress`. The row is then
 * completed with the answer, which every later repeat replays, even once the workflow has closed. A
 * request that fails releases the key (the row is deleted), so a retry can run.
 *
 * A reservation whose request died (the API process was killed) lapses after LEASE_MS and a retry takes
 * it over. For a start, Temporal may already have accepted it: the start's Update id is derived from the
 * key (startUpdateId), so the retry finds that Update on the existing workflow and answers with its
 * outcome instead of `procedure_exists` (api/temporal.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { EntityManager } from '@mikro-orm/postgresql';
import canonicalize from 'canonicalize';
import { sql } from '../activities/sql';
import { SESSION_BY_HASH, sessionIdleMs, type SessionRow } from './auth';
import { crashPoint } from './crash-points';
import { ApiError, Unprocessable } from './errors';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export interface StoredResponse {
  status: number;
  body: unknown;
}

export interface IdempotencyOptions {
  /** How long a reservation holds without its request finishing before a retry may take it over. */
  leaseMs: number;
  /** How long a concurrent repeat waits for the first request's outcome before `409 idempotency_in_progress`. */
  waitMs: number;
  /** Answers larger than this (bytes of JSON) are stored once, compressed, and referenced. */
  largeAnswerBytes: number;
}

export const IDEMPOTENCY_DEFAULTS: IdempotencyOptions = {
  // Longer than any request may legitimately run (an Update's deadline is 30 s; an import of the
  // largest sheet takes seconds), so a live request never loses its key to a retry.
  leaseMs: 120_000,
  // A start or an action answers within a second or two; a client that repeats sooner waits for it.
  waitMs: 10_000,
  largeAnswerBytes: 64 * 1024,
};

const POLL_MS = 50;

const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

/**
 * What identifies "the same request": method, path and the body as RFC 8785 canonical JSON, so the same
 * JSON with its keys in another order is the same request. The body's depth is already bounded at the
 * edge (api/input.ts), so the library's recursion cannot overflow.
 */
export function fingerprint(method: string, path: string, body: unknown): string {
  return sha256(`${method} ${path}\n${canonicalize(body ?? null) ?? 'null'}`);
}

export type Reservation =
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'run'; owner: string; tookOver: boolean }
  /** The first request still holds the key, and the route may send its Update again (`repeatUpdate`). */
  | { kind: 'repeat' };

interface RecordRow {
  fingerprint: string;
  state: 'in_progress' | 'completed';
  status_code: number | null;
  body: unknown;
  body_sha256: string | null;
  lapsed: boolean;
}

const reused = (): Unprocessable =>
  new Unprocessable('idempotency_key_reused', 'this Idempotency-Key was already used for a different request');

/**
 * Reserves the key for this request, or returns the stored answer of the request that used it first.
 * Throws 422 when the key belongs to a different request, and 409 when the first request is still
 * running after `waitMs`. With `repeatUpdate` (a route whose one effect is a Workflow Update under the key,
 * RouteDef.updateKeyed), a request that finds the first one still holding the key does not wait for it:
 * it is told to `repeat`, since Temporal runs an Update id once and answers a repeat with its outcome. So a
 * retry after the first request's API process died answers at once, not after the lease.
 */
export async function reserve(
  em: EntityManager,
  userId: string,
  key: string,
  fp: string,
  opts: IdempotencyOptions = IDEMPOTENCY_DEFAULTS,
  repeatUpdate = false,
): Promise<Reservation> {
  const deadline = Date.now() + opts.waitMs;
  for (;;) {
    const owner = randomUUID();
    // The lease is counted on the database's clock, which every API process shares.
    const inserted = await sql<{ owner: string }>(
      em,
      `insert into idempotency_record (user_id, key, fingerprint, state, owner, locked_until, created_at)
       values ($1, $2, $3, 'in_progress', $4, now() + $5::int * interval '1 millisecond', now())
       on conflict (user_id, key) do nothing returning owner`,
      [userId, key, fp, owner, opts.leaseMs],
    );
    if (inserted.length > 0) {
      crashPoint('after-reserve');
      return { kind: 'run', owner, tookOver: false };
    }

    const [rec] = await sql<RecordRow>(
      em,
      `select fingerprint, state, status_code, body, body_sha256, coalesce(locked_until < now(), false) as lapsed
       from idempotency_record where user_id = $1 and key = $2`,
      [userId, key],
    );
    // Released between our insert and this read: try to reserve it again.
    if (!rec) continue;
    if (rec.fingerprint !== fp) throw reused();
    if (rec.state === 'completed') return { kind: 'replay', status: rec.status_code ?? 200, body: await storedBody(em, rec) };
    if (rec.lapsed) {
      // Only one retry wins the takeover: the update re-checks the lapse under the row lock.
      const taken = await sql<{ owner: string }>(
        em,
        `update idempotency_record set owner = $1, locked_until = now() + $2::int * interval '1 millisecond'
         where user_id = $3 and key = $4 and state = 'in_progress' and locked_until < now() returning owner`,
        [owner, opts.leaseMs, userId, key],
      );
      if (taken.length > 0) return { kind: 'run', owner, tookOver: true };
      continue;
    }
    if (repeatUpdate) return { kind: 'repeat' };
    if (Date.now() >= deadline) {
      throw new ApiError(409, 'idempotency_in_progress', 'a request with this Idempotency-Key is still running; repeat it later to get its outcome');
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Authentication and the reservation in one statement, for an idempotent request whose every input is
 * valid: it reads the session (SESSION_BY_HASH) and, for a live session's user, inserts the reservation as
 * `reserve` does, so the request pays one round trip for both instead of two. `owner` is null when nothing
 * was reserved: no live session (the caller's sessionUser says why), or the key is taken, which `reserve`
 * then sorts out (a replay, a wait, a takeover or a refusal). Should the caller refuse the request after all
 * (its session, its role, its access), it releases the reservation.
 */
export async function reserveAs(
  em: EntityManager,
  tokenHash: string,
  key: string,
  fp: string,
  opts: IdempotencyOptions = IDEMPOTENCY_DEFAULTS,
): Promise<{ row: SessionRow | undefined; owner: string | null }> {
  const owner = randomUUID();
  const [row] = await sql<SessionRow & { reserved: string | null }>(
    em,
    `with s as (${SESSION_BY_HASH}),
     r as (
       insert into idempotency_record (user_id, key, fingerprint, state, owner, locked_until, created_at)
       select s.id, $2, $3, 'in_progress', $4, now() + $5::int * interval '1 millisecond', now() from s
       where s.id is not null and s.expires_at >= now() and s.last_seen_at + $6::int * interval '1 millisecond' >= now()
       on conflict (user_id, key) do nothing returning owner)
     select s.*, (select owner from r) as reserved from s`,
    [tokenHash, key, fp, owner, opts.leaseMs, sessionIdleMs()],
  );
  if (!row) return { row: undefined, owner: null };
  const { reserved, ...session } = row;
  if (reserved) crashPoint('after-reserve');
  return { row: session, owner: reserved };
}

async function storedBody(em: EntityManager, rec: Pick<RecordRow, 'body' | 'body_sha256'>): Promise<unknown> {
  if (rec.body_sha256 === null) return rec.body;
  const [blob] = await sql<{ gz: Buffer }>(em, 'select gz from idempotency_answer where sha256 = $1', [rec.body_sha256]);
  if (!blob) throw new Error(`idempotency answer ${rec.body_sha256} is missing`);
  return JSON.parse((await gunzipAsync(blob.gz)).toString('utf8'));
}

/**
 * Completes this request's reservation with its answer. A large answer (an import's report, a long list)
 * is not copied into the record: it is gzip-compressed into idempotency_answer under the sha256 of its
 * JSON, once however many keys answered the same, and the record holds that hash. Small answers stay
 * inline as jsonb, readable in SQL. When the reservation is no longer ours (it lapsed and a retry took
 * it over), nothing is written: the retry's answer is the one kept.
 */
export async function complete(
  em: EntityManager,
  userId: string,
  key: string,
  owner: string,
  res: StoredResponse,
  opts: IdempotencyOptions = IDEMPOTENCY_DEFAULTS,
): Promise<void> {
  const json = JSON.stringify(res.body ?? null);
  const where = "where user_id = $3 and key = $4 and owner = $5 and state = 'in_progress'";
  if (Buffer.byteLength(json) <= opts.largeAnswerBytes) {
    await sql(
      em,
      `update idempotency_record set state = 'completed', status_code = $1, body = $2::jsonb, owner = null, locked_until = null ${where}`,
      [res.status, json, userId, key, owner],
    );
    return;
  }
  const hash = sha256(json);
  const gz = await gzipAsync(json);
  await sql(em, 'insert into idempotency_answer (sha256, gz, bytes) values ($1, $2, $3) on conflict (sha256) do nothing', [hash, gz, Buffer.byteLength(json)]);
  await sql(
    em,
    `update idempotency_record set state = 'completed', status_code = $1, body_sha256 = $2, owner = null, locked_until = null ${where}`,
    [res.status, hash, userId, key, owner],
  );
}

/** Releases this request's reservation after a failure, so that a retry with the key runs again. */
export async function release(em: EntityManager, userId: string, key: string, owner: string): Promise<void> {
  await sql(em, "delete from idempotency_record where user_id = $1 and key = $2 and owner = $3 and state = 'in_progress'", [userId, key, owner]);
}

interface Scope {
  userId: string;
  key: string;
}
const scope = new AsyncLocalStorage<Scope>();

/** Runs a route's handler with its Idempotency-Key known to what it calls (startUpdateId). */
export function runWithKey<T>(s: Scope, fn: () => Promise<T>): Promise<T> {
  return scope.run(s, fn);
}

/**
 * The Update id of a start made by the current request: its user and Idempotency-Key, as for actions.
 * The start's update-with-start carries it, so a retry of a start whose answer was lost can find the
 * first start's outcome on the workflow. Undefined outside an idempotent request.
 */
export function startUpdateId(): string | undefined {
  const s = scope.getStore();
  return s ? `${s.userId}:${s.key}` : undefined;
}
