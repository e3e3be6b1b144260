/**
 * Test-only crash points (test/api/start-crash.test.ts). A real crash of the API mid-request cannot be
 * timed from outside the process, so the process kills itself (SIGKILL: no exit handlers, no reply, no
 * cleanup, as the kernel's OOM killer or a power cut would leave it) at a named point, and the test
 * restarts it and repeats the request. Inert unless NODE_ENV is `test` and TINGJIN_TEST_CRASH_AT names
 * the point, so production never reads further than the first comparison.
 */
export type CrashPoint =
  /** An Idempotency-Key is reserved (in progress), nothing else has happened. */
  | 'after-reserve'
  /** Temporal accepted a start and the projection is written; the answer is neither stored nor sent. */
  | 'after-start'
  /** Temporal accepted a start the API opened (api/temporal.ts startOpened); its opening is not written yet. */
  | 'before-opening-written';

export function crashPoint(point: CrashPoint): void {
  if (process.env.NODE_ENV !== 'test' || process.env.TINGJIN_TEST_CRASH_AT !== point) return;
  process.kill(process.pid, 'SIGKILL');
}
