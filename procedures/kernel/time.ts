import { condition } from '@temporalio/workflow';

/**
 * Waits until `done()` holds or the absolute instant passes, whichever is first; returns whether
 * `done()` held. Deadlines are instants recorded in history (see activities), never re-derived here.
 */
export async function waitUntil(done: () => boolean, instant: string): Promise<boolean> {
  const ms = Date.parse(instant) - Date.now();
  if (ms <= 0) return done();
  return condition(done, ms);
}
