/**
 * The side-by-side bench's fan-out (bench/side-by-side.ts --fanout U): one parent (a rectification feedback, or an
 * examination batch) fans out to U freshly inserted units; the row reports when every child's first task was in
 * an inbox, when every child had started, and the histories' sizes.
 */
import { performance } from 'node:perf_hooks';
import type { StartAnswer } from '../api/temporal';
import { SearchAttr, stateQuery } from '../procedures/kernel/messages';
import { rectificationProcedure } from '../procedures/rectification';
import { insertUnits } from '../test/helpers/units';
import { coresUsed, cpuMark } from './cpu';
import { mapLimit, post, round1, round2, sleep } from './load';
import { log, type Stack } from './side-by-side-stack';

/** The arguments the fan-out reads (bench/side-by-side.ts parses them). */
export interface FanOutArgs {
  /** Which parent fans out: a rectification feedback (one item per unit) or an examination batch (全覆盖). */
  fanoutKind: FanOutKind;
  fanoutTimeoutS: number;
  fanoutStallS: number;
}

/** Today in China time, and a date `days` later, as YYYY-MM-DD. */
function chinaDate(daysFromNow: number): string {
  return new Date(Date.now() + 8 * 3600_000 + daysFromNow * 86_400_000).toISOString().slice(0, 10);
}

export const FANOUT_KINDS = ['rectification', 'examination'] as const;
export type FanOutKind = (typeof FANOUT_KINDS)[number];

/** What one kind of fan-out starts, and how its children's first tasks are found. */
function fanOutSpec(kind: FanOutKind, units: number, unitIds: string[], runTag: string) {
  if (kind === 'examination') {
    // 全覆盖: one examination of each unit's leading group; its first task is the plan's approval.
    const batchId = `FO${units}-${runTag}`;
    return {
      path: '/procedures/politicalExaminationBatch',
      parentWorkflowId: `political-batch-${batchId}`,
      childPrefix: `political-${batchId}-`,
      childId: (u: string) => `political-${batchId}-${u}`,
      firstStep: 'planApproval',
      body: {
        batchId,
        title: `扇出测试 ${units} 个领导班子`,
        scope: { unitIds },
        plan: {
          dimensions: [{ dimension: 'loyalty', indicators: ['坚决维护党中央权威和集中统一领导'] }],
          positiveList: ['贯彻落实党中央决策部署坚决有力'],
          negativeList: ['表态多调门高、行动少落实差'],
          group: ['zzb-staff', 'xcb-reviewer'],
          timetable: { evidenceWorkingDays: 10, acknowledgeWorkingDays: 5 },
        },
      },
    };
  }
  const feedbackId = `FO${units}-${runTag}`;
  const parentWorkflowId = `rectification-${feedbackId}`;
  // Due within the working-day calendar's years and after the feedback date, whatever today is.
  const year = chinaDate(0).slice(0, 4);
  const dueDate = [chinaDate(25), `${year}-12-31`].sort()[0] as string;
  return {
    path: '/procedures/rectification',
    parentWorkflowId,
    childPrefix: `${parentWorkflowId}-`,
    childId: (u: string) => `${parentWorkflowId}-p1-${u}`,
    firstStep: 'submit',
    body: {
      feedbackId,
      title: `扇出测试 ${units} 个单位`,
      inspectionGroup: '市委第一巡察组',
      feedbackDate: chinaDate(-1),
      inspectionOfficeUnitId: 'xcb',
      problems: [{ no: '1', title: '全覆盖整改', difficulty: 'normal', leadUnitId: 'zzb', assignments: unitIds.map((unitId) => ({ unitId, dueDate })) }],
      // The items only, as in the figures before the 整改报告 was on by default (it adds one child per unit).
      report: false,
    },
  };
}

export async function fanOut(stack: Stack, units: number, args: FanOutArgs, runTag: string): Promise<Record<string, unknown>> {
  const conn = stack.orm.em.getConnection();
  const prefix = `fo${runTag}-`;
  log(`fan-out: inserting ${units} units, each with a staff user and a head`);
  const ins0 = performance.now();
  const unitIds = await insertUnits(stack.orm.em.fork(), prefix, units);
  log(`fan-out: master data inserted in ${round1((performance.now() - ins0) / 1000)} s`);

  const spec = fanOutSpec(args.fanoutKind, units, unitIds, runTag);
  const { body, parentWorkflowId: feedbackWorkflowId } = spec;
  const bodyBytes = Buffer.byteLength(JSON.stringify(body));
  log(`fan-out: POST ${spec.path} over ${units} units (${bodyBytes} bytes)`);

  const countSql = `select count(*)::int as n from task where step = ? and status = 'pending' and starts_with(workflow_id, ?)`;
  const count = async (): Promise<number> => ((await conn.execute<{ n: number }[]>(countSql, [spec.firstStep, spec.childPrefix]))[0]?.n ?? 0);

  const before = cpuMark(stack.pids);
  const started = performance.now();
  const r = await post<StartAnswer>(stack.baseUrl, spec.path, { token: stack.tokens.get('zzb-staff'), key: `start-${feedbackWorkflowId}`, body });
  log(`fan-out: ${r.status} in ${round1(r.ms)} ms`);
  if (r.status !== 201) {
    return { mode: 'fanout', kind: args.fanoutKind, units, startStatus: r.status, startBody: JSON.stringify(r.body).slice(0, 300), bodyBytes, ...(args.fanoutKind === 'rectification' ? await diagnoseStart(stack, body) : {}) };
  }

  let seen = 0;
  let lastChange = performance.now();
  let lastLog = 0;
  let allAt: number | null = null;
  const progress: [number, number][] = [];
  for (;;) {
    const n = await count();
    const now = performance.now();
    if (n !== seen) {
      seen = n;
      lastChange = now;
    }
    const elapsedS = (now - started) / 1000;
    if (now - lastLog >= 5000 || n >= units) {
      lastLog = now;
      progress.push([round1(elapsedS), n]);
      log(`fan-out: ${n}/${units} first tasks in the inbox after ${round1(elapsedS)} s (${round1(n / elapsedS)}/s)`);
    }
    if (n >= units) {
      allAt = elapsedS;
      break;
    }
    if (stack.workerFailure()) break;
    if (elapsedS > args.fanoutTimeoutS) {
      log(`fan-out: timed out after ${args.fanoutTimeoutS} s`);
      break;
    }
    if ((now - lastChange) / 1000 > args.fanoutStallS) {
      log(`fan-out: no new task for ${args.fanoutStallS} s; stalled at ${n}`);
      break;
    }
    await sleep(500);
  }
  const cores = coresUsed(before, cpuMark(stack.pids));
  // Since the fan-out writes its children's openings in bulk before starting them (kernel/fanout.ts `open`),
  // every first task can be in an inbox well before every child runs: a child acted on before its turn is
  // started then. This is when the last one has started on its own.
  let allStartedAt: number | null = null;
  const parentState = stack.client.workflow.getHandle(feedbackWorkflowId);
  while (allAt !== null && !stack.workerFailure()) {
    const elapsedS = (performance.now() - started) / 1000;
    const state = (await parentState.query(stateQuery).catch(() => null)) as { progress?: { total: number; started: number } } | null;
    const p = state?.progress;
    if (state && !p) break;
    if (p && p.started >= p.total) {
      allStartedAt = elapsedS;
      log(`fan-out: all ${p.total} children started after ${round1(elapsedS)} s`);
      break;
    }
    if (elapsedS > args.fanoutTimeoutS) break;
    await sleep(500);
  }

  // The feedback's runs, continued-as-new ones included, each described for its own history length.
  const runIds: string[] = [];
  for await (const wf of stack.client.workflow.list({ query: `WorkflowId="${feedbackWorkflowId}"` })) runIds.push(wf.runId);
  const runs = await mapLimit(runIds, 4, async (runId) => {
    const d = await stack.client.workflow.getHandle(feedbackWorkflowId, runId).describe();
    return { runId, status: d.status.name, historyLength: d.historyLength, historySize: d.historySize ?? null };
  });
  for (const run of runs) log(`fan-out: feedback run ${run.runId} ${run.status}: ${run.historyLength} events, ${run.historySize ?? '?'} bytes`);
  let feedbackProgress: unknown = null;
  try {
    const state = (await stack.client.workflow.getHandle(feedbackWorkflowId).query(stateQuery)) as { progress?: unknown };
    feedbackProgress = state.progress ?? null;
  } catch (err) {
    feedbackProgress = `query failed: ${String(err)}`;
  }

  // Every item: describe it (a missing one was never started).
  const itemIds = unitIds.map(spec.childId);
  const items = await mapLimit(itemIds, 32, async (id) => {
    try {
      const d = await stack.client.workflow.getHandle(id).describe();
      return { events: d.historyLength, bytes: d.historySize ?? 0 };
    } catch {
      return null;
    }
  });
  const itemStats = items.filter((x): x is { events: number; bytes: number } => x !== null);
  return {
    mode: 'fanout',
    kind: args.fanoutKind,
    units,
    secondsUntilAllFirstTasksInInbox: allAt === null ? null : round2(allAt),
    secondsUntilAllChildrenStarted: allStartedAt === null ? null : round2(allStartedAt),
    largestHistoryEvents: Math.max(0, ...runs.map((x) => x.historyLength)),
    largestItemHistoryEvents: Math.max(0, ...itemStats.map((x) => x.events)),
    // Extras.
    firstTasksInInbox: seen,
    itemsStarted: itemStats.length,
    startMs: round1(r.ms),
    bodyBytes,
    feedbackRuns: runs.length,
    feedbackRunEvents: runs.map((x) => x.historyLength),
    largestHistoryBytes: Math.max(0, ...runs.map((x) => x.historySize ?? 0)),
    largestItemHistoryBytes: Math.max(0, ...itemStats.map((x) => x.bytes)),
    feedbackProgress,
    progress,
    cores,
  };
}

/**
 * Why a feedback's start failed, in the server's words (the API answers a plain 500): the API's own
 * plan builds the input, then a plain start on a task queue nobody polls, with and without the
 * units search attribute, is refused or accepted (and terminated at once).
 */
async function diagnoseStart(stack: Stack, body: unknown): Promise<Record<string, unknown>> {
  const start = rectificationProcedure.start;
  if (!start) return {};
  const plan = await start.plan({
    em: stack.orm.em.fork(),
    user: { id: 'zzb-staff', username: 'zzb-staff', displayName: 'bench', unitId: 'zzb', roles: ['staff'] },
    body: start.body.parse(body),
  });
  const units = [...new Set(plan.units)].sort();
  const attempt = async (withUnits: boolean): Promise<string> => {
    const workflowId = `${plan.workflowId}-diagnose-${withUnits ? 'units' : 'plain'}`;
    try {
      const handle = await stack.client.workflow.start(rectificationProcedure.type, {
        taskQueue: 'bench-diagnose-nobody-polls',
        workflowId,
        args: [plan.input],
        typedSearchAttributes: [{ key: SearchAttr.procedureType, value: rectificationProcedure.type }, ...(withUnits ? [{ key: SearchAttr.units, value: units }] : [])],
      });
      await handle.terminate('bench diagnosis');
      return 'accepted';
    } catch (err) {
      const cause = (err as { cause?: { details?: string } }).cause;
      return `refused: ${cause?.details ?? String(err)}`;
    }
  };
  const diagnosis = {
    inputBytes: Buffer.byteLength(JSON.stringify(plan.input)),
    unitsAttributeBytes: Buffer.byteLength(JSON.stringify(units)),
    startWithUnitsAttribute: await attempt(true),
    startWithoutUnitsAttribute: await attempt(false),
  };
  log(`fan-out diagnosis: ${JSON.stringify(diagnosis)}`);
  return diagnosis;
}
