/**
 * Fan-out (同题共答, full-coverage batches): one child procedure per unit.
 *
 * - Children start in batches, with a bounded number started but not yet finished (the server refuses
 *   more than 2,000 pending children per run).
 * - Children are abandoned, not terminated, when the parent's run closes, and report their end by a
 *   signal (reportToParent): one child's failure is recorded against that child and ends no sibling,
 *   and the parent can continue-as-new while children run.
 * - The parent continues-as-new before its history passes a bound (4,096 events by default), carrying
 *   its progress, so a batch over thousands of units never grows one giant history.
 */
import {
  allHandlersFinished,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  patched,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
  condition,
  ApplicationFailure,
} from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import { localProjection } from './activities';
import { childDoneSignal, KernelRefusal, startChildUpdate, type ChildOutcome, type Transition } from './messages';
import { refuse } from './refuse';

/**
 * Patch: a fan-out with `open` projects its children's openings in bulk before it starts them. Runs recorded
 * before it started every child first.
 */
export const FANOUT_OPEN = 'fanout-open';

/** Children whose openings one projection write carries. */
const OPEN_CHUNK = 250;

export interface FanOutProgress<T = unknown> {
  total: number;
  /** Children started so far, in order: the next to start is `started`. */
  started: number;
  done: number;
  failed: number;
  /**
   * Per child (by index), its outcome once reported; with `keep`, only the kept ones (the rest stay
   * null once folded into `tally`), so continue-as-new does not carry thousands of results.
   */
  outcomes: (ChildOutcome | null)[];
  /**
   * One character per child: '.' not reported, '+' succeeded, 'x' failed. It dedupes reports whatever
   * was kept. Absent in a progress carried over from v0.2.0, where every outcome was kept.
   */
  reported?: string;
  /** The module's running aggregate of the outcomes (`tally`), carried across continue-as-new. */
  tally?: T;
  /**
   * With `open`: the children whose openings are projected (0 … opened-1), and the instant they opened at.
   * Absent in a run from before the patch.
   */
  opened?: number;
  openedAt?: string;
}

export interface ChildSpec {
  workflowId: string;
  args: unknown[];
  searchAttributes?: SearchAttributePair[];
}

export interface FanOutOptions<T = unknown> {
  workflowType: string;
  /** The workflow id of child `index`: cheap, for matching reports. */
  childId: (index: number) => string;
  /**
   * The whole spec of child `index`, built only when it starts; `openedAt` when its opening was projected
   * (`open`), for the child to take it as given.
   */
  children: (index: number, openedAt?: string) => ChildSpec;
  /**
   * The transitions of child `index`'s opening (its start and first tasks, kernel/procedure.ts openingOf), as
   * of `openedAt`. Given, the fan-out writes every child's opening in bulk before starting any: each first task
   * is in its inbox at once, and a child acted on before its turn is started then (startChildUpdate). Without
   * it, each child projects its own opening as it starts.
   */
  open?: (index: number, openedAt: string) => Transition[];
  /** Whether the parent's own projection is idle: the bulk writes wait for it, so one local activity runs at a time. */
  quiet?: () => boolean;
  total: number;
  /** From the previous run, when continued as new. */
  progress?: FanOutProgress<T>;
  /** Children started at once before waiting for their starts. */
  batch?: number;
  /** At most this many children started by one run (the server refuses more than 2,000 pending per run). */
  maxPending?: number;
  /** Continue-as-new once the history has this many events. */
  maxHistoryEvents?: number;
  /** The arguments the parent continues as new with, given its progress. */
  continueWith: (progress: FanOutProgress<T>) => unknown[];
  onOutcome?: (index: number, outcome: ChildOutcome) => void;
  /**
   * Folds each outcome into a running aggregate (a summary's counts), so the parent need not keep
   * every child's result: with thousands of children those would outgrow the 2 MB payload limit of
   * continue-as-new.
   */
  tally?: { initial: () => T; fold: (tally: T, index: number, outcome: ChildOutcome) => T };
  /** Which outcomes to keep in `progress.outcomes` (e.g. the first few, for a state query); all by default. */
  keep?: (index: number) => boolean;
}

export function newProgress<T>(total: number, tally?: T): FanOutProgress<T> {
  return { total, started: 0, done: 0, failed: 0, outcomes: Array.from({ length: total }, () => null), reported: '.'.repeat(total), ...(tally !== undefined ? { tally } : {}) };
}

/** A progress carried over from an earlier run, completed: v0.2.0 kept every outcome and no `reported` or `tally`. */
export function resumed<T>(p: FanOutProgress<T>, o: Pick<FanOutOptions<T>, 'tally' | 'keep'>): FanOutProgress<T> {
  const reported = p.reported ?? p.outcomes.map((x) => (!x ? '.' : x.ok ? '+' : 'x')).join('');
  let tally = p.tally;
  if (o.tally && tally === undefined) {
    tally = o.tally.initial();
    p.outcomes.forEach((x, i) => {
      if (x) tally = o.tally?.fold(tally as T, i, x);
    });
  }
  const outcomes = o.keep ? p.outcomes.map((x, i) => (x && o.keep?.(i) ? x : null)) : p.outcomes;
  return { ...p, outcomes, reported, ...(tally !== undefined ? { tally } : {}) };
}

/**
 * Starts every child and waits until each has reported. Register before the workflow's first await
 * (it installs the signal handler), and call `run()`; it may end the run with continue-as-new.
 */
export function createFanOut<T = unknown>(o: FanOutOptions<T>) {
  const p = o.progress ? resumed(o.progress, o) : newProgress<T>(o.total, o.tally?.initial());
  const index = new Map<string, number>();
  for (let i = 0; i < o.total; i++) index.set(o.childId(i), i);
  setHandler(childDoneSignal, (outcome: ChildOutcome) => {
    const i = index.get(outcome.workflowId);
    if (i === undefined || p.reported?.[i] !== '.') return;
    p.reported = `${p.reported.slice(0, i)}${outcome.ok ? '+' : 'x'}${p.reported.slice(i + 1)}`;
    if (!o.keep || o.keep(i)) p.outcomes[i] = outcome;
    if (o.tally) p.tally = o.tally.fold(p.tally as T, i, outcome);
    p.done += 1;
    if (!outcome.ok) p.failed += 1;
    o.onOutcome?.(i, outcome);
  });
  const batch = o.batch ?? 100;
  const maxPending = o.maxPending ?? 1000;
  const maxEvents = o.maxHistoryEvents ?? 4096;
  // Each child costs the parent about 4 events (initiated, started, its report, its completion), and
  // each batch a few workflow-task events more.
  const roomFor = (n: number): boolean => workflowInfo().historyLength + n * 4 + 50 < maxEvents && !workflowInfo().continueAsNewSuggested;
  const continueFresh = async (): Promise<never> => {
    // A startChild Update still starting its child would be lost with this run (its caller would get a 404).
    if (!allHandlersFinished()) await condition(allHandlersFinished);
    return continueAsNew(...(o.continueWith(p) as []));
  };
  /** Children this run started: the server counts a run's own unfinished children, not its predecessors'. */
  let startedThisRun = 0;

  const specOf = (i: number): ChildSpec => o.children(i, p.openedAt !== undefined && i < (p.opened ?? 0) ? p.openedAt : undefined);
  async function start(c: ChildSpec): Promise<void> {
    try {
      await startChild(o.workflowType, {
        workflowId: c.workflowId,
        args: c.args,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        ...(c.searchAttributes ? { typedSearchAttributes: c.searchAttributes } : {}),
      });
    } catch (err) {
      // Already started by an earlier run of this parent, or ahead of its turn: it reports to the current run.
      if (!(err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError')) throw err;
    }
  }

  /** The end of the chunk of openings being written: its tasks may be seen before the write's answer is back. */
  let writing = 0;
  // A child whose task someone acts on before its turn: its opening is projected, so it must run now.
  setHandler(
    startChildUpdate,
    async (workflowId: string) => {
      const i = index.get(workflowId) as number;
      // Started already, by this run or an earlier one (whose input carried the assignees it needed).
      if (i >= p.started) await start(specOf(i));
      return { started: true };
    },
    {
      validator: (workflowId: string) => {
        const i = typeof workflowId === 'string' ? index.get(workflowId) : undefined;
        if (i === undefined || i >= Math.max(p.opened ?? 0, writing)) throw refuse(KernelRefusal.invalidInput, 'no such child is waiting to start', { field: 'workflowId' });
      },
    },
  );

  /** Writes the openings of children not yet projected, in chunks, before any of them starts. */
  async function openAll(): Promise<void> {
    if (!o.open) return;
    if (p.opened === undefined) {
      if (!patched(FANOUT_OPEN)) return;
      p.openedAt = new Date().toISOString();
      // Children an earlier run started (from before the patch) opened themselves.
      p.opened = p.started;
    }
    const at = p.openedAt as string;
    // A workflow task stays open while its local activities run, and the start's answer (an Update) goes out
    // when it completes. So the first chunk is written within the start's task (a start over up to a chunk of
    // children answers with every first task in its inbox), then a timer ends that task, so the start answers
    // before thousands more openings are written, not after them.
    let chunks = 0;
    for (let from: number = p.opened; from < o.total; from = p.opened) {
      if (chunks === 1) await sleep(1);
      chunks += 1;
      if (!roomFor(1)) await continueFresh();
      const n = Math.min(OPEN_CHUNK, o.total - from);
      if (o.quiet) await condition(o.quiet);
      writing = from + n;
      try {
        await localProjection.project(Array.from({ length: n }, (_, k) => o.open?.(from + k, at) ?? []).flat(), null);
      } catch (err) {
        // Not written (bad data): these children and the rest open themselves as they start, as before.
        log.error("the children's openings could not be projected", { from, n, error: String(err) });
        return;
      }
      p.opened = from + n;
    }
  }

  async function run(): Promise<FanOutProgress<T>> {
    await openAll();
    while (p.started < o.total) {
      const n = Math.min(batch, o.total - p.started);
      // A fresh run has no pending children and a short history: that is where the next batch goes.
      if (startedThisRun + n > maxPending || !roomFor(n)) await continueFresh();
      const from = p.started;
      await Promise.all(Array.from({ length: n }, async (_, k) => start(specOf(from + k))));
      startedThisRun += n;
      p.started = from + n;
    }
    // Waiting for reports still grows the history; continue as new when it gets long.
    await condition(() => p.done >= o.total || !roomFor(0));
    if (p.done < o.total) await continueFresh();
    return p;
  }

  return { progress: p, run };
}

/**
 * Wraps a child procedure's body: its end, success or failure, is reported to the parent by signal.
 * A failure is reported by its type only, and still fails the child.
 */
export async function reportToParent<R>(body: () => Promise<R>): Promise<R> {
  const parent = workflowInfo().parent;
  const self = workflowInfo().workflowId;
  const report = async (outcome: ChildOutcome): Promise<void> => {
    if (!parent) return;
    await getExternalWorkflowHandle(parent.workflowId).signal(childDoneSignal, outcome);
  };
  try {
    const result = await body();
    await report({ workflowId: self, ok: true, result });
    return result;
  } catch (err) {
    const failure = err instanceof ApplicationFailure ? (err.type ?? 'failed') : 'failed';
    await report({ workflowId: self, ok: false, failure });
    throw err;
  }
}

