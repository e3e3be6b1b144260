/**
 * The worker supervisor of `npm start` (worker/supervisor.ts): a failed worker is replaced after a
 * backoff that doubles from 1 s to 30 s and resets after a healthy minute; a shutdown is not a failure.
 * Time is a fake clock and sleeping only records the delay, so no real timer runs.
 */
import { Backoff, DEFAULT_BACKOFF, backoffDelay, superviseWorker, type SupervisedWorker, type SupervisorOptions } from '../../worker/supervisor';

test('the delay doubles from 1 s and stays at 30 s, however long the outage', () => {
  expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  expect(backoffDelay(10_000)).toBe(30_000);
  expect(backoffDelay(0)).toBe(1_000);
});

test('a run that stayed up a minute resets the backoff; a shorter one does not', () => {
  const b = new Backoff(DEFAULT_BACKOFF);
  expect([b.next(10), b.next(10), b.next(59_999)]).toEqual([1_000, 2_000, 4_000]);
  expect(b.next(60_000)).toBe(1_000);
  expect(b.next(5)).toBe(2_000);
});

/** A worker whose run() the test ends: `fail(err)` as the SDK's fatal error does, or a clean stop. */
class FakeWorker implements SupervisedWorker {
  state = 'INITIALIZED';
  shutdowns = 0;
  private settle!: { resolve: () => void; reject: (e: unknown) => void };
  run(): Promise<void> {
    this.state = 'RUNNING';
    return new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
  }
  shutdown(): void {
    if (this.state !== 'RUNNING') throw new Error(`Not running. Current state: ${this.state}`);
    this.shutdowns += 1;
    this.state = 'STOPPED';
    this.settle.resolve();
  }
  getState(): string {
    return this.state;
  }
  fail(err: unknown): void {
    this.state = 'FAILED';
    this.settle.reject(err);
  }
  /** What SDK 1.24 does when the core refuses a completion: starts its shutdown, and never finishes it. */
  stall(): void {
    this.state = 'DRAINING';
  }
}

/** A supervisor on a fake clock: every worker that ran, every requested delay, every log line. */
function harness(createFails: (n: number) => boolean = () => false, extra: Partial<SupervisorOptions<FakeWorker>> = {}) {
  let clock = 0;
  let creates = 0;
  const workers: FakeWorker[] = [];
  const delays: number[] = [];
  const logs: string[] = [];
  const waiters: (() => void)[] = [];
  const sup = superviseWorker<FakeWorker>({
    create: async () => {
      if (createFails(creates++)) throw new Error('connection refused');
      return new FakeWorker();
    },
    log: (l) => logs.push(l),
    now: () => clock,
    sleep: async (ms) => {
      delays.push(ms);
      clock += ms;
    },
    onRunning: (w) => {
      workers.push(w);
      for (const wake of waiters.splice(0)) wake();
    },
    ...extra,
  });
  /** The n-th worker (1-based), once it is running. */
  const running = (n: number) =>
    new Promise<FakeWorker>((resolve) => {
      const check = () => (workers.length >= n ? resolve(workers[n - 1]!) : waiters.push(check));
      check();
    });
  return { sup, workers, delays, logs, running, advance: (ms: number) => (clock += ms) };
}

test('a worker that fails is replaced with a growing delay, and the reason is logged', async () => {
  const h = harness();
  for (let n = 1; n <= 7; n++) {
    const w = await h.running(n);
    h.advance(500);
    w.fail(new Error('Cannot decode Completion: InvalidString'));
  }
  await h.running(8);
  expect(h.delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  expect(h.sup.restarts()).toBe(7);
  expect(h.logs[0]).toMatch(/failed after 0\.5 s: Error: Cannot decode Completion: InvalidString; restarting in 1\.0 s/);

  // A healthy minute, then a failure: back to 1 s.
  h.advance(61_000);
  h.workers[7]!.fail(new Error('boom'));
  const ninth = await h.running(9);
  expect(h.delays.at(-1)).toBe(1_000);

  await h.sup.stop();
  expect(ninth.shutdowns).toBe(1);
  expect(h.workers).toHaveLength(9);
});

test('a worker that cannot be created is retried with the same backoff', async () => {
  const h = harness((n) => n < 3);
  const w = await h.running(1);
  expect(h.delays).toEqual([1_000, 2_000, 4_000]);
  expect(h.logs[0]).toMatch(/could not be created .*connection refused; restarting in 1\.0 s/);
  expect(w.getState()).toBe('RUNNING');
  await h.sup.stop();
});

test('stop() shuts the worker down and nothing restarts; a shutdown from outside is no failure either', async () => {
  const h = harness();
  const first = await h.running(1);
  await h.sup.stop();
  await h.sup.done;
  expect(first.shutdowns).toBe(1);
  expect(h.workers).toHaveLength(1);
  expect(h.delays).toEqual([]);

  const g = harness();
  const w = await g.running(1);
  w.shutdown(); // what the SDK does on SIGINT/SIGTERM
  await g.sup.done;
  expect(g.workers).toHaveLength(1);
  expect(g.delays).toEqual([]);
  expect(g.logs.join('\n')).toMatch(/stopped \(shut down from outside/);
});

/** The state watch on the fake clock: each look at the state moves the clock by the poll interval. */
function watchedHarness(stuck = { pollMs: 1_000, stuckMs: 30_000, maxAbandoned: 5 }) {
  // The watch's sleep runs only once the supervisor has started a worker, after `h` is assigned.
  const h: ReturnType<typeof harness> = harness(() => false, {
    stuck,
    watchSleep: async (ms, signal) => {
      if (signal.aborted) return;
      h.advance(ms);
      await new Promise((r) => setImmediate(r));
    },
  });
  return h;
}

test('a worker that stops by itself and never finishes (a refused completion) is abandoned after 30 s and replaced', async () => {
  const h = watchedHarness();
  const first = await h.running(1);
  first.stall();
  const second = await h.running(2);
  expect(second).not.toBe(first);
  expect(h.sup.restarts()).toBe(1);
  expect(h.sup.abandoned()).toBe(1);
  expect(h.delays).toEqual([1_000]);
  expect(h.logs[0]).toMatch(/\[worker\] stopped by itself after [\d.]+ s: it stayed DRAINING for 30\.0 s without finishing .*abandoned; restarting in 1\.0 s/);
  await h.sup.stop();
  expect(second.shutdowns).toBe(1);
});

test('a worker that is out of RUNNING for less than stuckMs is left to finish', async () => {
  const h = watchedHarness({ pollMs: 1_000, stuckMs: 30_000, maxAbandoned: 5 });
  const first = await h.running(1);
  first.stall();
  // Let the watch look a few times (each look moves the clock 1 s), then the SDK ends run() by itself.
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  first.fail(new Error('worker failed late'));
  await h.running(2);
  expect(h.sup.abandoned()).toBe(0);
  expect(h.logs[0]).toMatch(/failed after .*worker failed late/);
  await h.sup.stop();
});

test('a stuck worker after stop() ends the supervisor without a restart', async () => {
  const h = watchedHarness();
  const first = await h.running(1);
  first.stall();
  await h.sup.stop();
  expect(h.workers).toHaveLength(1);
  expect(h.sup.restarts()).toBe(0);
  expect(h.logs.join('\n')).toMatch(/did not finish stopping within 30\.0 s \(DRAINING\); abandoned/);
});

test('after maxAbandoned stuck workers the supervisor gives up, so that the process is restarted', async () => {
  const h = watchedHarness({ pollMs: 1_000, stuckMs: 5_000, maxAbandoned: 2 });
  (await h.running(1)).stall();
  (await h.running(2)).stall();
  await expect(h.sup.done).rejects.toThrow(/2 workers stopped by themselves .* this process must be restarted/);
  expect(h.workers).toHaveLength(2);
});
