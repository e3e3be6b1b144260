/**
 * Structured logs: one JSON object per line (pino), for the API, the worker and `npm start`. A line
 * written while a request is served carries its request id (`reqId`) and, once known, the procedure's
 * workflow id (`workflowId`) and the task's id (`taskId`), so one request's lines can be found and
 * joined to the procedure's history in Temporal. The request's context travels in an
 * AsyncLocalStorage scope, so code deep in a request (the error handler, a projection) needs no
 * logger passed down: `log()` returns the request's logger, and the logger's mixin adds the fields.
 *
 * LOG_LEVEL sets the level (fatal, error, warn, info, debug, trace, silent); `info` by default, and
 * `silent` inside jest unless LOG_LEVEL asks for more.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger as TemporalLogger, LogLevel as TemporalLogLevel, LogMetadata } from '@temporalio/common';
import pino, { type DestinationStream, type LevelWithSilent, type Logger } from 'pino';

export type { Logger } from 'pino';

/** What a line is about, besides its message. */
export interface LogContext {
  reqId?: string;
  workflowId?: string;
  taskId?: string;
}

interface Scope extends LogContext {
  log: Logger;
}

const scope = new AsyncLocalStorage<Scope>();

const LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * The level from LOG_LEVEL. Inside jest the default is silent: `jest` is a parameter of every module
 * jest loads, never an environment variable, so a process a test spawns (a worker) still logs at info.
 */
export function logLevel(env: NodeJS.ProcessEnv = process.env): LevelWithSilent {
  const raw = env.LOG_LEVEL?.trim().toLowerCase();
  if (raw && (LEVELS as readonly string[]).includes(raw)) return raw as LevelWithSilent;
  return typeof jest === 'undefined' ? 'info' : 'silent';
}

/** The request, workflow and task of the current scope, only those that are set. */
export function contextFields(s: LogContext | undefined = scope.getStore()): LogContext {
  if (!s) return {};
  const out: LogContext = {};
  if (s.reqId) out.reqId = s.reqId;
  if (s.workflowId) out.workflowId = s.workflowId;
  if (s.taskId) out.taskId = s.taskId;
  return out;
}

/** A JSON logger; `destination` is stdout unless given (a test passes a stream it reads). */
export function createLogger(opts: { level?: LevelWithSilent; destination?: DestinationStream } = {}): Logger {
  const logger = pino(
    {
      level: opts.level ?? logLevel(),
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // The SDK's log metadata names its errors `error`; both keys get a message and a stack.
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      // The object a line is logged with wins over the scope's fields (pino's default merge).
      mixin: () => contextFields(),
    },
    opts.destination,
  );
  const raw = process.env.LOG_LEVEL?.trim().toLowerCase();
  if (raw && !(LEVELS as readonly string[]).includes(raw)) logger.warn(`LOG_LEVEL "${raw.slice(0, 20)}" is not a level (${LEVELS.join(', ')}); logging at ${logger.level}`);
  return logger;
}

/** The process's logger. */
export const logger: Logger = createLogger();

/** The current request's logger, or the process's. */
export function log(): Logger {
  return scope.getStore()?.log ?? logger;
}

/** Runs fn with a log scope: every line written inside carries ctx's fields. */
export function runInLogScope<T>(ctx: LogContext & { log?: Logger }, fn: () => T): T {
  return scope.run({ ...ctx, log: ctx.log ?? log() }, fn);
}

/** Runs fn in a scope that adds fields to the current one (the current one is left as it was). */
export function withLogFields<T>(fields: LogContext, fn: () => T): T {
  const current = scope.getStore();
  return scope.run({ ...current, ...defined(fields), log: current?.log ?? logger }, fn);
}

/**
 * Adds what a request turned out to be about (its workflow, its task) to the current scope, so the
 * lines that follow and the request's closing line carry them. The first to name a field keeps it (the
 * route's own workflow, not a child it started). Outside a scope it does nothing.
 */
export function annotateLog(fields: Pick<LogContext, 'workflowId' | 'taskId'>): void {
  const s = scope.getStore();
  if (s) for (const [k, v] of Object.entries(defined(fields)) as ['workflowId' | 'taskId', string][]) s[k] ??= v;
}

function defined(fields: LogContext): LogContext {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => typeof v === 'string' && v !== ''));
}

/**
 * The Temporal SDK's logger (Runtime.install({ logger })) on top of a pino logger: the SDK's own lines,
 * workflow.log and activity Context.log become JSON lines; their metadata (workflowId, runId,
 * activityId, taskQueue, sdkComponent, …) becomes fields.
 */
export function temporalLogger(base: Logger): TemporalLogger {
  const write = (level: TemporalLogLevel, message: string, meta?: LogMetadata): void => {
    // Symbol keys (the SDK's timestamp) are not JSON; pino leaves them out.
    const fields = meta ? { ...meta } : {};
    const method = level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
    base[method](fields, message);
  };
  return {
    log: write,
    trace: (m, meta) => write('TRACE', m, meta),
    debug: (m, meta) => write('DEBUG', m, meta),
    info: (m, meta) => write('INFO', m, meta),
    warn: (m, meta) => write('WARN', m, meta),
    error: (m, meta) => write('ERROR', m, meta),
  };
}

/** webpack's progress lines (bundling workflows at start) are noise; its warnings and errors are kept. */
export function bundlerLogger(base: Logger): TemporalLogger {
  const noop = (): void => undefined;
  const t = temporalLogger(base);
  return { ...t, log: (level, m, meta) => (level === 'WARN' || level === 'ERROR' ? t.log(level, m, meta) : undefined), trace: noop, debug: noop, info: noop };
}
