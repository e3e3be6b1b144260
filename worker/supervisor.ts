/**
 * Keeps a worker running: when one fails (the SDK shuts a worker down on a fatal error, for example
 * a completion it cannot encode), a new one is created after a backoff, and why is logged. Without
 * this, `npm start` went on serving the API with no worker: actions waited 30 s and new procedures
 * were accepted but never ran (issue 10).
 *
 * The backoff doubles from `initialMs` to `maxMs`. A run that stayed up for `healthyMs` counts as
 * healthy, so a failure after it starts again from `initialMs`: a worker that fails once a day is
 * restarted at once, while one that fails on every start (a poisoned workflow task, the server
 * down) is retried at most every `maxMs` instead of in a tight loop.
 */

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** A run at least this long resets the backoff. */
  healthyMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 30_000, healthyMs: 60_000 };

/** The delay before the restart that follows `failuresInARow` failures (1 for the first). */
export function backoffDelay(failuresInARow: number, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  const exponent = Math.max(0, failuresInARow - 1);
  // Capped before the power so a long outage never overflows to Infinity.
  return Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(exponent, 30));
}

/** Counts failures in a row; a healthy run (at least healthyMs) resets the count. */
export class Backoff {
  private failures = 0;
  constructor(private readonly opts: BackoffOptions = DEFAULT_BACKOFF) {}

  /** Records a failure of a run that lasted `ranMs`; returns the delay before the next start. */
  next(ranMs: number): number {
    if (ranMs >= this.opts.healthyMs) this.failures = 0;
    this.failures += 1;
    return backoffDelay(this.failures, this.opts);
  }

  get failuresInARow(): number {
    return this.failures;
  }
}

/** What the supervisor needs of a worker (the SDK's Worker has it). */
export interface SupervisedWorker {
  run(): Promise<void>;
  shutdown(): void;
  getState(): string;
}

export interface SupervisorOptions<W extends SupervisedWorker> {
  /** Creates a new worker; called again after every failure. */
  create: () => Promise<W>;
  log: (line: string) => void;
  backoff?: BackoffOptions;
  /** Called each time a worker starts running (`npm start` logs it; tests wait for it). */
  onRunning?: (worker: W, attempt: number) => void;
  /** Injected by the unit test, so the backoff is checked without real timers. */
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface Supervisor {
  /** Settles once the supervisor has stopped: after stop(), or a shutdown from outside (a signal). */
  readonly done: Promise<void>;
  /** Stops restarting, shuts the current worker down (draining in-flight work) and waits for it. */
  stop(): Promise<void>;
  /** How many times a worker was restarted after a failure. */
  restarts(): number;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

function reason(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

export function superviseWorker<W extends SupervisedWorker>(opts: SupervisorOptions<W>): Supervisor {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? abortableSleep;
  const backoff = new Backoff(opts.backoff ?? DEFAULT_BACKOFF);
  const abort = new AbortController();
  let stopping = false;
  let current: W | null = null;
  let restarts = 0;

  const shutdownCurrent = () => {
    // shutdown() throws unless the worker is RUNNING; a failing worker is already shutting itself down.
    if (current?.getState() === 'RUNNING') current.shutdown();
  };

  const loop = async (): Promise<void> => {
    for (let attempt = 1; !stopping; attempt++) {
      const started = now();
      let failure: unknown;
      let what = 'failed';
      try {
        current = await opts.create();
      } catch (err) {
        failure = err;
        what = 'could not be created';
        current = null;
      }
      if (current) {
        const worker = current;
        const running = worker.run();
        // stop() may have come while the worker was being created.
        if (stopping) shutdownCurrent();
        else opts.onRunning?.(worker, attempt);
        try {
          await running;
          current = null;
          // A clean end is a shutdown: ours, or the SDK's on SIGINT/SIGTERM. Nothing to restart.
          if (!stopping) opts.log('[worker] stopped (shut down from outside the supervisor)');
          return;
        } catch (err) {
          current = null;
          if (stopping) {
            opts.log(`[worker] failed while stopping: ${reason(err)}`);
            return;
          }
          failure = err;
        }
      }
      const ranMs = now() - started;
      const delay = backoff.next(ranMs);
      restarts += 1;
      opts.log(
        `[worker] ${what} after ${(ranMs / 1000).toFixed(1)} s: ${reason(failure)}; ` +
          `restarting in ${(delay / 1000).toFixed(1)} s (${backoff.failuresInARow} failure(s) in a row)`,
      );
      await sleep(delay, abort.signal);
    }
  };

  const done = loop();
  return {
    done,
    async stop() {
      stopping = true;
      abort.abort();
      shutdownCurrent();
      await done;
    },
    restarts: () => restarts,
  };
}
