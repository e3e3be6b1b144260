/**
 * One error hierarchy with stable codes. Every error leaves the API as a JSON problem
 * `{ status, code, message, details? }`; bad input never becomes a 500.
 */
import type { ErrorRequestHandler } from 'express';
import { ConnectionException } from '@mikro-orm/core';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  isGrpcServiceError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { ZodError } from 'zod';
import { log } from '../platform/log';
import { KernelRefusal, type KernelRefusalCode } from '../procedures/kernel/messages';
import { inRequestScope } from './log';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
export class BadRequest extends ApiError {
  constructor(code: string, message: string, details?: unknown) {
    super(400, code, message, details);
  }
}
export class Unauthorized extends ApiError {
  constructor(message = 'a valid bearer token is required') {
    super(401, 'unauthenticated', message);
  }
}
export class Forbidden extends ApiError {
  constructor(code: string, message: string, details?: unknown) {
    super(403, code, message, details);
  }
}
export class NotFound extends ApiError {
  constructor(code: string, message: string) {
    super(404, code, message);
  }
}
export class Conflict extends ApiError {
  constructor(code: string, message: string, details?: unknown) {
    super(409, code, message, details);
  }
}
/** Well-formed input that a rule refuses. */
export class Unprocessable extends ApiError {
  constructor(code: string, message: string, details?: unknown) {
    super(422, code, message, details);
  }
}
export class Unavailable extends ApiError {
  constructor(code: string, message: string) {
    super(503, code, message);
  }
}

/** HTTP status for each reason the kernel's Update validators refuse an action; modules add theirs. */
const KERNEL_REFUSAL_STATUS: Record<KernelRefusalCode, number> = {
  [KernelRefusal.taskNotPending]: 409,
  [KernelRefusal.notAssignee]: 403,
  [KernelRefusal.actionNotAllowed]: 422,
  [KernelRefusal.invalidTarget]: 422,
  [KernelRefusal.reasonRequired]: 422,
  [KernelRefusal.cannotWithdraw]: 409,
  [KernelRefusal.notAllowed]: 403,
  [KernelRefusal.invalidBallot]: 422,
  [KernelRefusal.alreadyVoted]: 409,
  [KernelRefusal.principalVotesLast]: 409,
  [KernelRefusal.quorumNotMet]: 422,
  [KernelRefusal.invalidText]: 400,
  [KernelRefusal.invalidInput]: 422,
};
let refusalStatus: Record<string, number> = { ...KERNEL_REFUSAL_STATUS };

/** Adds the procedure modules' refusal codes (api/app.ts, from the registry). */
export function registerRefusals(statuses: Record<string, number>): void {
  refusalStatus = { ...refusalStatus, ...statuses };
}

function fieldPath(path: PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}

/** A key the client sent that may be named back: a plain identifier (zod's message quotes any key as sent). */
const NAMEABLE_KEY = /^[A-Za-z0-9_.-]{1,64}$/;

/** zod's message, except that unknown keys are named only when they are plain identifiers (raw input is never echoed). */
function issueMessage(i: ZodError['issues'][number]): string {
  if (i.code !== 'unrecognized_keys') return i.message;
  const keys = i.keys;
  return keys.every((k) => NAMEABLE_KEY.test(k)) ? `unknown field${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}` : `${keys.length} unknown field${keys.length > 1 ? 's' : ''}`;
}

export function fromZod(err: ZodError, where: 'body' | 'query' | 'params' | 'header' = 'body'): BadRequest {
  const issues = err.issues.map((i) => ({ field: fieldPath(i.path) || where, message: issueMessage(i) }));
  const first = issues[0];
  const message = first ? `${first.field}: ${first.message}` : 'invalid request';
  return new BadRequest('validation_error', message, { issues });
}

/** Translates what the Temporal client throws into API errors; returns null for unknown errors. */
export function fromTemporal(err: unknown): ApiError | null {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const code = err.cause.type ?? 'refused';
    const status = refusalStatus[code] ?? 422;
    return new ApiError(status, code, err.cause.message, err.cause.details?.[0]);
  }
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return new Conflict('procedure_exists', `a procedure with workflow id ${err.workflowId} already exists`);
  }
  if (err instanceof WorkflowNotFoundError) {
    return new NotFound('procedure_not_found', `procedure ${err.workflowId} not found`);
  }
  if (isGrpcServiceError(err) && err.code === GrpcStatus.NOT_FOUND) {
    return new NotFound('procedure_not_found', err.details || 'procedure not found');
  }
  return null;
}

/** Socket errors of a database that is down, restarting or unreachable. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
/**
 * SQLSTATEs of a server that cannot serve now: class 08 (connection exception), 57P01–57P03 (admin or
 * crash shutdown, cannot connect now: starting up or shutting down), 53300 (too many connections).
 * Not 08P01 (protocol violation): that is what a NUL in a query parameter causes, the request's fault and
 * not an outage, so it must not tell the client to retry.
 */
const UNAVAILABLE_SQLSTATE = /^(08(?!P01$)|57P0[123]$|53300$)/;
/** What pg and knex say without a code: a connection that died, a pool that found none in time. */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|Client has encountered a connection error|Timeout acquiring a connection|terminating connection due to administrator command|the database system is (starting up|shutting down|in recovery mode)/i;

/**
 * Whether an error means PostgreSQL is unavailable, not that the request or the code is wrong. The
 * error may come from pg, knex's pool or MikroORM (which copies the driver's code onto its own
 * exception), and may wrap its cause (`cause`; `errors` of an AggregateError: one per address tried).
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 5) return false;
  if (err instanceof ConnectionException) return true;
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (CONNECTION_CODES.has(e.code) || UNAVAILABLE_SQLSTATE.test(e.code))) return true;
  if (e.name === 'KnexTimeoutError') return true;
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isDatabaseUnavailable(x, depth + 1))) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  let e: ApiError;
  if (err instanceof ApiError) e = err;
  else if (err instanceof ZodError) e = fromZod(err);
  else if (err?.type === 'entity.parse.failed') {
    // JSON.parse's message quotes the body; only the position is kept, so no raw input is echoed.
    const at = /position (\d+)/.exec(String(err.message))?.[1];
    e = new BadRequest('malformed_json', `request body is not valid JSON${at ? ` (at position ${at})` : ''}`);
  } else if (err?.type === 'entity.too.large') e = new ApiError(413, 'payload_too_large', 'request body is too large');
  else if (err instanceof URIError && (err as URIError & { status?: unknown }).status === 400) {
    // Express could not percent-decode a path parameter (its message quotes the raw parameter).
    e = new BadRequest('invalid_text', 'params: a path parameter is not valid percent-encoded UTF-8', { field: 'params' });
  } else if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
    // Express's and body-parser's messages quote what they refused (a charset, a parameter): not echoed.
    e = new ApiError(err.status, 'bad_request', err.status === 415 ? 'unsupported request body encoding or charset' : 'the request cannot be read');
  } else if (isDatabaseUnavailable(err)) {
    // Logged once per request, briefly: an outage makes every request fail the same way.
    const why = (err as { code?: unknown; message?: unknown }).code ?? (err as { message?: unknown }).message;
    inRequestScope(req, () => log().error({ code: typeof why === 'string' ? why : null }, `${req.method} ${req.path}: the database is unavailable`));
    e = new Unavailable('database_unavailable', 'the database is unavailable now; repeat the request later (with the same Idempotency-Key, if it has one, to get its outcome)');
  } else {
    e = fromTemporal(err) ?? new ApiError(500, 'internal_error', 'internal error');
    if (e.status >= 500) inRequestScope(req, () => log().error({ err }, `${req.method} ${req.path} failed`));
  }
  const body: Record<string, unknown> = { status: e.status, code: e.code, message: e.message };
  if (e.details !== undefined) body.details = e.details;
  res.status(e.status).type('application/problem+json').json(body);
};
