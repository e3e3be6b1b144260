/**
 * The side-by-side bench's closed loops (bench/side-by-side.ts): C clients run N procedures of five approvals
 * in one mode (raw-regular, raw-local, api), and a row reports their rates, latencies, history sizes and the
 * CPU each process used.
 */
import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { coresUsed, cpuMark } from './cpu';
import { apiRunner, closedLoop, loopInChild, mapLimit, percentile, rawRunner, round1, round2, sleep, STEPS, type LoopResult, type Sample } from './load';
import { log, type Stack } from './side-by-side-stack';

export type Mode = 'raw-regular' | 'raw-local' | 'api';
export const MODES: readonly Mode[] = ['raw-regular', 'raw-local', 'api'];

export function procedureRunner(stack: Stack, mode: Mode, tag: string): (i: number) => Promise<Sample> {
  return mode === 'api' ? apiRunner(stack.baseUrl, stack.tokens, tag) : rawRunner(stack.client, mode === 'raw-local', tag);
}

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

interface HistoryStats {
  eventsPerProcedure: number;
  maxHistoryEvents: number;
  notCompleted: number;
  activityRetries: number;
  activityFailures: number;
  workflowTaskFailures: number;
}

/** How many events of each kind, named by the attributes each event carries. */
function eventKinds(h: History): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const e of h.events ?? []) {
    const attr = Object.keys(e).find((k) => k.endsWith('EventAttributes') && (e as Record<string, unknown>)[k] != null) ?? 'unknown';
    const kind = attr.replace(/EventAttributes$/, '');
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

function historyFacts(h: History) {
  const events = h.events ?? [];
  return {
    kinds: eventKinds(h),
    events: events.length,
    completed: events.some((e) => e.workflowExecutionCompletedEventAttributes != null),
    activityRetries: events.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1).length,
    activityFailures: events.filter((e) => e.activityTaskFailedEventAttributes != null || e.activityTaskTimedOutEventAttributes != null).length,
    workflowTaskFailures: events.filter((e) => e.workflowTaskFailedEventAttributes != null || e.workflowTaskTimedOutEventAttributes != null).length,
  };
}

async function historyStats(client: Client, workflowIds: string[]): Promise<HistoryStats> {
  const facts = await mapLimit(workflowIds, 8, async (id) => {
    // An api procedure completes just after its last answer (its projection activity runs last).
    const handle = client.workflow.getHandle(id);
    await Promise.race([handle.result().catch(() => undefined), sleep(30_000)]);
    return historyFacts(await handle.fetchHistory());
  });
  const sum = (f: (x: (typeof facts)[number]) => number): number => facts.reduce((a, x) => a + f(x), 0);
  if (facts[0]) log(`  history of ${workflowIds[0]}: ${facts[0].events} events ${JSON.stringify(facts[0].kinds)}`);
  return {
    eventsPerProcedure: facts.length ? round2(sum((x) => x.events) / facts.length) : NaN,
    maxHistoryEvents: Math.max(0, ...facts.map((x) => x.events)),
    notCompleted: facts.filter((x) => !x.completed).length,
    activityRetries: sum((x) => x.activityRetries),
    activityFailures: sum((x) => x.activityFailures),
    workflowTaskFailures: sum((x) => x.workflowTaskFailures),
  };
}

/** A CPU profile of this thread from now until stop(file) (node:inspector, no flag needed). */
async function startProfile(): Promise<{ stop: (file: string) => Promise<void> }> {
  const session = new inspector.Session();
  session.connect();
  const call = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  await call('Profiler.enable');
  await call('Profiler.start');
  return {
    async stop(file) {
      const { profile } = (await call('Profiler.stop')) as { profile: unknown };
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
      log(`CPU profile: ${file}`);
    },
  };
}

export async function runMode(stack: Stack, mode: Mode, clients: number, procedures: number, runTag: string): Promise<Record<string, unknown>> {
  const tag = `${runTag}-c${clients}`;
  const profile = stack.profileDir ? await startProfile() : null;
  const before = cpuMark(stack.pids);
  let loop: LoopResult;
  let clientCores: number | null = null;
  if (mode === 'api' && !stack.clientsInProcess) {
    const out = await loopInChild({ baseUrl: stack.baseUrl, tokens: [...stack.tokens], clients, procedures, tag });
    loop = out.loop;
    clientCores = round2(out.cpuMicros / 1e6 / (loop.wallMs / 1000));
  } else {
    loop = await closedLoop(clients, procedures, procedureRunner(stack, mode, tag));
  }
  if (profile && stack.profileDir) await profile.stop(path.join(stack.profileDir, `${mode}-c${clients}.cpuprofile`));
  const cores = { ...coresUsed(before, cpuMark(stack.pids)), ...(clientCores !== null ? { clients: clientCores } : {}) };
  // The clients' process is part of the machine's busy time, not of `other`.
  if (clientCores !== null && cores.other !== null) cores.other = round2(Math.max(0, cores.other - clientCores));
  const actions = loop.samples.flatMap((s) => s.actionMs);
  const starts = loop.samples.map((s) => s.startMs);
  const hist = await historyStats(stack.client, loop.samples.map((s) => s.workflowId));
  for (const e of loop.errors.slice(0, 5)) log(`  ${mode} C=${clients} error: ${e}`);
  return {
    mode,
    clients,
    procedures,
    completedPerSec: round2(loop.samples.length / (loop.wallMs / 1000)),
    actionP50Ms: round1(percentile(actions, 50)),
    actionP99Ms: round1(percentile(actions, 99)),
    startP50Ms: round1(percentile(starts, 50)),
    eventsPerAction: round2(hist.eventsPerProcedure / STEPS),
    maxHistoryEvents: hist.maxHistoryEvents,
    // Extras: the basis of eventsPerAction, and what to check before trusting a row.
    eventsPerProcedure: hist.eventsPerProcedure,
    startP99Ms: round1(percentile(starts, 99)),
    wallSeconds: round2(loop.wallMs / 1000),
    failed: loop.errors.length,
    notCompleted: hist.notCompleted,
    activityRetries: hist.activityRetries,
    activityFailures: hist.activityFailures,
    workflowTaskFailures: hist.workflowTaskFailures,
    cores,
  };
}
