/**
 * The worker supervisor of `npm start` (worker/supervisor.ts): a failed worker is replaced after a
 * backoff that doubles from 1 s to 30 s and resets after a healthy minute; a shutdown is not a failure.
 * Time is a fake clock and sleeping only records the delay, so no real timer runs.
 */
import { Backoff, DEFAULT_BACKOFF, backoffDelay, superviseWorker, type SupervisedWorker } from '../../worker/supervisor';

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
}

/** A supervisor on a fake clock: every worker that ran, every requested delay, every log line. */
function harness(createFails: (n: number) => boolean = () => false) {
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
