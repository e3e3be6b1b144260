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
 *
 * A fatal error does not always end `run()`. When the core refuses a workflow completion, the SDK
 * starts the worker's shutdown and then waits for the core to finish it, which never happens: the
 * worker stays DRAINING and `run()` never settles (seen with SDK 1.24; the SDK's own comment says a
 * core in that state needs a new one). So the supervisor also watches the state: a worker that left
 * RUNNING by itself, with no stop() and no shutdown signal, and is still not done after `stuckMs`,
 * is abandoned and replaced like a failed one. A new worker on the same connection polls normally
 * (test/workflows/supervisor-fatal.test.ts); the abandoned one keeps its native threads until the
 * process ends, so the process counts it and exits explicitly when it stops.
 */

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** A run at least this long resets the backoff. */
  healthyMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 30_000, healthyMs: 60_000 };

export interface StuckOptions {
  /** How often the state is looked at. */
  pollMs: number;
  /** How long a worker may be out of RUNNING, unasked, before it is abandoned. */
  stuckMs: number;
  /**
   * After this many abandoned workers the supervisor gives up (`done` rejects): each one keeps its native
   * threads, so a workflow that poisons every new worker would otherwise leak one a minute. The process
   * then exits, and its manager starts a new one, with a new core, as the SDK advises.
   */
  maxAbandoned: number;
}

/**
 * 30 s: longer than a shutdown the SDK finishes by itself (the worker's shutdownGraceTime is 10 s),
 * short enough that procedures do not wait long for a new worker.
 */
export const DEFAULT_STUCK: StuckOptions = { pollMs: 1_000, stuckMs: 30_000, maxAbandoned: 5 };

/** The signals on which the SDK's runtime shuts its workers down: a shutdown after one is no failure. */
const SHUTDOWN_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR2'];

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
  stuck?: StuckOptions;
  /** Called each time a worker starts running (`npm start` logs it; tests wait for it). */
  onRunning?: (worker: W, attempt: number) => void;
  /** Injected by the unit test, so the backoff is checked without real timers. */
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** The state watch's sleep, apart from the backoff's so that the unit test's record of delays stays the backoff's. */
  watchSleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface Supervisor {
  /** Settles once the supervisor has stopped: after stop(), or a shutdown from outside (a signal). */
  readonly done: Promise<void>;
  /** Stops restarting, shuts the current worker down (draining in-flight work) and waits for it. */
  stop(): Promise<void>;
  /** How many times a worker was restarted after a failure. */
  restarts(): number;
  /** How many workers were left stuck out of RUNNING and replaced; their native threads stay until the process ends. */
  abandoned(): number;
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

type RunEnd = { kind: 'ended' } | { kind: 'failed'; err: unknown } | { kind: 'stuck'; state: string; outMs: number };

export function superviseWorker<W extends SupervisedWorker>(opts: SupervisorOptions<W>): Supervisor {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? abortableSleep;
  const watchSleep = opts.watchSleep ?? abortableSleep;
  const stuck = opts.stuck ?? DEFAULT_STUCK;
  const backoff = new Backoff(opts.backoff ?? DEFAULT_BACKOFF);
  const abort = new AbortController();
  let stopping = false;
  let signalled = false;
  let current: W | null = null;
  let restarts = 0;
  let abandoned = 0;
  const onSignal = () => {
    signalled = true;
  };
  for (const s of SHUTDOWN_SIGNALS) process.on(s, onSignal);

  /** Resolves when `worker` has been out of RUNNING for stuckMs; never once its run() has settled (`until`). */
  const watch = async (worker: W, until: AbortSignal): Promise<RunEnd> => {
    let outSince: number | undefined;
    for (;;) {
      await watchSleep(stuck.pollMs, until);
      if (until.aborted) return new Promise<never>(() => undefined);
      const state = worker.getState();
      if (state === 'RUNNING') outSince = undefined;
      else outSince ??= now();
      if (outSince !== undefined && now() - outSince >= stuck.stuckMs) return { kind: 'stuck', state, outMs: now() - outSince };
    }
  };

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
        const watching = new AbortController();
        const end = await Promise.race<RunEnd>([
          running.then(
            () => ({ kind: 'ended' }),
            (err: unknown) => ({ kind: 'failed', err }),
          ),
          watch(worker, watching.signal),
        ]);
        watching.abort();
        current = null;
        if (end.kind === 'ended') {
          // A clean end is a shutdown: ours, or the SDK's on SIGINT/SIGTERM. Nothing to restart.
          if (!stopping) opts.log('[worker] stopped (shut down from outside the supervisor)');
          return;
        }
        if (end.kind === 'failed') {
          if (stopping) {
            opts.log(`[worker] failed while stopping: ${reason(end.err)}`);
            return;
          }
          failure = end.err;
        } else {
          abandoned += 1;
          // Asked to stop (stop(), or a signal to the process), it did not finish: give up on it, restart nothing.
          if (stopping || signalled) {
            opts.log(`[worker] did not finish stopping within ${(end.outMs / 1000).toFixed(1)} s (${end.state}); abandoned`);
            return;
          }
          what = 'stopped by itself';
          failure = `it stayed ${end.state} for ${(end.outMs / 1000).toFixed(1)} s without finishing (a fatal SDK error; see its log line above); abandoned`;
          if (abandoned >= stuck.maxAbandoned) {
            throw new Error(`${abandoned} workers stopped by themselves and could not be shut down; this process must be restarted`);
          }
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

  const done = loop().finally(() => {
    for (const s of SHUTDOWN_SIGNALS) process.off(s, onSignal);
  });
  return {
    done,
    async stop() {
      stopping = true;
      abort.abort();
      shutdownCurrent();
      await done;
    },
    restarts: () => restarts,
    abandoned: () => abandoned,
  };
}
