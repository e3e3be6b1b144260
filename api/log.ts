/**
 * The API's request logging (pino-http over platform/log.ts): every request gets an id, answered in
 * `X-Request-Id`, and one closing JSON line (method, path, route, status, time taken) with the request
 * id and, when the request named or reached one, the workflow id and task id. Every other line written
 * while the request is served carries the same fields (platform/log.ts's scope).
 *
 * The id is the caller's `X-Request-Id` when it is safe to repeat (a proxy's or a client's trace id),
 * else a fresh UUID: 1 to 128 characters of letters, digits and `._:-`. Anything else (too long, a
 * space, a quote, a second header joined with a comma, control characters) is replaced and never echoed,
 * so neither the answer nor the logs carry what a caller made up.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import { contextFields, logger as processLogger, runInLogScope, type LogContext, type Logger } from '../platform/log';

export const REQUEST_ID_HEADER = 'X-Request-Id';
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's request id if it is safe to repeat, else a fresh one. */
export function requestIdFrom(header: unknown): string {
  return typeof header === 'string' && SAFE_REQUEST_ID.test(header) ? header : randomUUID();
}

/** Answers that are polled (load balancers, Prometheus) log at debug, so they do not drown the rest. */
const POLLED = new Set(['/health', '/ready', '/metrics']);

interface RequestScope extends LogContext {
  log: Logger;
}
const scopes = new WeakMap<IncomingMessage, RequestScope>();

function scopeOf(req: IncomingMessage): RequestScope | undefined {
  return scopes.get(req);
}

function pathOf(req: IncomingMessage): string {
  const url = (req as Request).originalUrl ?? req.url ?? '';
  // The query is left out: it is the caller's input, and the path's ids are what a line is searched by.
  return url.split('?')[0] ?? '';
}

export interface RequestLogging {
  /** First of all middleware: the request id, its header, and the closing line. */
  start: RequestHandler;
  /**
   * After the body parsers: opens the log scope for the rest of the request (a scope entered before
   * them would be lost, as the body's stream events run outside it).
   */
  scope: RequestHandler;
}

export function requestLogging(log: Logger = processLogger): RequestLogging {
  // The request's fields at the top level, so that a line is searched by route or status directly.
  const closing = (req: IncomingMessage, res: ServerResponse) => ({
    ...contextFields(scopeOf(req)),
    method: req.method,
    path: pathOf(req),
    route: ((req as Request).route as { path?: string } | undefined)?.path ?? null,
    status: res.statusCode,
  });
  const http = pinoHttp({
    logger: log,
    genReqId: (req, res) => {
      const id = requestIdFrom(req.headers['x-request-id']);
      res.setHeader(REQUEST_ID_HEADER, id);
      scopes.set(req, { reqId: id, log });
      return id;
    },
    // pino's request serializer would write every header, bearer tokens included: req.log carries the
    // method and path only, and the closing line (written on the logger itself) lists what is safe.
    serializers: { req: (r: { method?: string; url?: string }) => ({ method: r.method, path: (r.url ?? '').split('?')[0] }) },
    quietResLogger: true,
    customLogLevel: (req, res, err) => (err || res.statusCode >= 500 ? 'error' : POLLED.has(pathOf(req)) ? 'debug' : 'info'),
    customSuccessMessage: (req, res) => `${req.method} ${pathOf(req)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${pathOf(req)} ${res.statusCode}`,
    customSuccessObject: (req, res, val: { responseTime: number }) => ({ ...closing(req, res), responseTime: val.responseTime }),
    customErrorObject: (req, res, err, val: { responseTime: number }) => ({ ...closing(req, res), responseTime: val.responseTime, err }),
  });
  return {
    start: (req, res, next) => http(req, res, next),
    scope: (req, _res, next) => {
      const s = scopeOf(req);
      if (!s) return next();
      // The same object: what the route adds to the scope (annotateLog) reaches the closing line.
      runInLogScope(s, next);
    },
  };
}

/**
 * Runs fn in the request's log scope: for code that has the request but may run outside its scope
 * (the error handler, reached also by a body the parser refused).
 */
export function inRequestScope<T>(req: IncomingMessage, fn: () => T): T {
  const s = scopeOf(req);
  return s ? runInLogScope(s, fn) : fn();
}
