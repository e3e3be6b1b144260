/**
 * Is a worker polling the task queue? Asked by GET /ready and, through a short cache, before every
 * action and start: an Update sent while no worker polls waits its whole deadline (30 s) and then
 * fails, and a start is accepted but never runs (issue 10).
 *
 * The server keeps a poller in DescribeTaskQueue's list for minutes after it stopped polling, with
 * the time it last started or ended a long poll. A live worker always has a poll open, and each poll
 * lasts at most the server's long-poll interval (`matching.longPollExpirationInterval`, 60 s by
 * default), so a poller last seen longer ago than that, plus a margin, is gone. That is the window;
 * a server with a shorter long poll allows a shorter window, and notices a dead worker sooner.
 */
import type { Client } from '@temporalio/client';
import { Unavailable } from './errors';

/** The server's default long poll (60 s) plus a margin: an idle live worker is never reported missing. */
export const DEFAULT_POLLER_WINDOW_MS = 70_000;
/** How long the hot path trusts a "workers are polling" answer (one gRPC call per 2 s at most). */
const PRESENCE_TTL_MS = 2_000;
/** A "nobody polls" answer is confirmed this many times, this far apart, before an action is refused:
 * a worker that has just started may not have reached the server yet. */
const CONFIRM_TRIES = 3;
const CONFIRM_GAP_MS = 250;

export type PollerKind = 'workflow' | 'activity';

// temporal.api.enums.v1 values (the proto package is not a direct dependency).
const TASK_QUEUE_KIND_NORMAL = 1;
const TASK_QUEUE_TYPE: Record<PollerKind, number> = { workflow: 1, activity: 2 };

export interface ReadinessOptions {
  /** A poller last seen longer ago than this is gone (see above). */
  pollerWindowMs?: number;
}

/** How many pollers of each kind were seen on the task queue within the window. */
export async function livePollers(
  client: Client,
  taskQueue: string,
  kinds: readonly PollerKind[],
  windowMs: number,
  deadlineMs = 2_000,
): Promise<Record<PollerKind, number>> {
  const counts: Record<PollerKind, number> = { workflow: 0, activity: 0 };
  const since = Date.now() - windowMs;
  await Promise.all(
    kinds.map(async (kind) => {
      const r = await client.withDeadline(Date.now() + deadlineMs, () =>
        client.workflowService.describeTaskQueue({
          namespace: client.options.namespace,
          taskQueue: { name: taskQueue, kind: TASK_QUEUE_KIND_NORMAL },
          taskQueueType: TASK_QUEUE_TYPE[kind],
        }),
      );
      counts[kind] = (r.pollers ?? []).filter((p) => {
        const t = p.lastAccessTime;
        const ms = t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;
        return ms >= since;
      }).length;
    }),
  );
  return counts;
}

/** One per client and task queue: the cached answer of the hot path. */
class WorkerPresence {
  private seenAt = -Infinity;
  private inFlight: Promise<boolean> | null = null;
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    readonly windowMs: number,
  ) {}

  private async ask(): Promise<boolean> {
    const { workflow } = await livePollers(this.client, this.taskQueue, ['workflow'], this.windowMs);
    if (workflow > 0) this.seenAt = Date.now();
    return workflow > 0;
  }

  /** Whether workflow pollers were seen; one describe at a time, shared by concurrent requests. */
  private check(): Promise<boolean> {
    this.inFlight ??= this.ask().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  async polling(): Promise<boolean> {
    if (Date.now() - this.seenAt < PRESENCE_TTL_MS) return true;
    for (let i = 0; i < CONFIRM_TRIES; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, CONFIRM_GAP_MS));
      if (await this.check()) return true;
    }
    return false;
  }
}

const presences = new WeakMap<Client, Map<string, WorkerPresence>>();

/** Sets the window for a client and task queue (createApp does, from its options). */
export function configureReadiness(client: Client, taskQueue: string, opts: ReadinessOptions = {}): void {
  const byQueue = presences.get(client) ?? new Map<string, WorkerPresence>();
  presences.set(client, byQueue);
  byQueue.set(taskQueue, new WorkerPresence(client, taskQueue, opts.pollerWindowMs ?? DEFAULT_POLLER_WINDOW_MS));
}

export function pollerWindowMs(client: Client, taskQueue: string): number {
  return presences.get(client)?.get(taskQueue)?.windowMs ?? DEFAULT_POLLER_WINDOW_MS;
}

/**
 * Refuses an action or a start at once (503 worker_unavailable) when no worker polls for workflow
 * tasks: nothing is sent, so nothing is left behind. Only workflow pollers are needed for an answer
 * (the projection is a local activity, run by the workflow worker). When Temporal itself cannot be
 * asked, the check gives way and the call itself reports what is wrong.
 */
export async function assertWorkerPolling(deps: { client: Client; taskQueue: string }): Promise<void> {
  const byQueue = presences.get(deps.client);
  let presence = byQueue?.get(deps.taskQueue);
  if (!presence) {
    configureReadiness(deps.client, deps.taskQueue);
    presence = presences.get(deps.client)!.get(deps.taskQueue)!;
  }
  let polling: boolean;
  try {
    polling = await presence.polling();
  } catch {
    return;
  }
  if (!polling) {
    throw new Unavailable(
      'worker_unavailable',
      'no worker is polling for workflow tasks now, so the request was not sent; nothing was done. Repeat it once a worker runs (GET /ready shows when)',
    );
  }
}
