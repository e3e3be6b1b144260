/**
 * The Temporal SDK's runtime for a worker process (`npm run worker`, `npm start`), and for a process whose
 * only connection is a client's (`installClientRuntime`: `npm run api`, `npm run ops`): its log lines go
 * through pino as JSON (platform/log.ts), Rust core's warnings included, and, with WORKER_METRICS_PORT
 * set, the SDK's own metrics (temporal_workflow_task_*, temporal_activity_*, temporal_request*, poll
 * and slot counts, sticky cache, …) are served for Prometheus at http://WORKER_METRICS_HOST:PORT/metrics.
 *
 * The runtime is a process-wide singleton that must be installed before any NativeConnection or Worker
 * exists, so only the process entry points call this, first. The jest workers share one process and
 * install their own quiet runtime (test/helpers/setup-file.ts); the exporter is tested by starting the
 * worker's entry point as a process (test/api/worker-metrics.test.ts).
 */
import { Runtime } from '@temporalio/worker';
import { temporalLogger, type Logger } from '../platform/log';

export interface WorkerMetricsConfig {
  /** host:port of the exporter, or null for none. */
  bindAddress: string | null;
}

/** WORKER_METRICS_PORT (unset: no exporter) and WORKER_METRICS_HOST (127.0.0.1 by default). */
export function workerMetricsConfig(env: NodeJS.ProcessEnv = process.env): WorkerMetricsConfig {
  const raw = env.WORKER_METRICS_PORT;
  if (raw === undefined || raw === '') return { bindAddress: null };
  const port = Number(raw);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`WORKER_METRICS_PORT must be a port number, got "${raw.slice(0, 20)}"`);
  // Bound to this machine unless asked: the exporter has no authentication of its own.
  const host = env.WORKER_METRICS_HOST || '127.0.0.1';
  return { bindAddress: `${host.includes(':') ? `[${host}]` : host}:${port}` };
}

function installRuntime(log: Logger, bindAddress: string | null, shutdownSignals?: NodeJS.Signals[]): void {
  Runtime.install({
    logger: temporalLogger(log),
    ...(shutdownSignals ? { shutdownSignals } : {}),
    telemetryOptions: {
      // Core's own lines come through the same logger instead of its plain-text console output.
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      // The SDK's default names and units (durations in milliseconds, counters without _total), which
      // Temporal's published SDK dashboards expect.
      ...(bindAddress ? { metrics: { prometheus: { bindAddress } } } : {}),
    },
  });
}

/** Installs the runtime; returns the exporter's address, if any. Call once, before any connection. */
export function installWorkerRuntime(log: Logger, env: NodeJS.ProcessEnv = process.env): string | null {
  const { bindAddress } = workerMetricsConfig(env);
  installRuntime(log, bindAddress);
  return bindAddress;
}

/**
 * The runtime of a process whose only connection is a client's (platform/temporal.ts connectClient is the
 * SDK's native one): `npm run api`, `npm run ops`. Its lines go through the same logger; it serves no
 * metrics (WORKER_METRICS_PORT is the worker's) and listens for no shutdown signal, which is for workers:
 * the runtime's handler would otherwise swallow the first SIGINT of a process that has no handler of its own.
 */
export function installClientRuntime(log: Logger): void {
  installRuntime(log, null, []);
}
