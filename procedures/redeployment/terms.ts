/**
 * The terms stage and the list's close: one redeploymentTerm child per dispatched cadre through the kernel
 * fan-out, their outcomes folded into the list's figures as they end; the list closes with its figures
 * when every term has ended, or at once when no one was dispatched. A list that continued as new during
 * its terms runs only this (RedeploymentInput.resume), from the snapshot it carried.
 */
import { allHandlersFinished, condition, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { createFanOut, type ChildSpec, type FanOutProgress } from '../kernel/fanout';
import { openedUpdate, ruleKey, SearchAttr, stateQuery, type ResolvedAssignees } from '../kernel/messages';
import { createProjector, openingRow } from '../kernel/projector';
import { REDEPLOYMENT, type Dispatch, type ListFigures, type ListSnapshot, type RedeploymentInput, type RedeploymentState, type TermTally } from './messages';
import { emptyTermTally, figuresOf, foldTerm, snapshotOf } from './rules';
import type { ListRun } from './run';
import { REDEPLOYMENT_TERM, redeploymentTermWorkflowId, type RedeploymentTermInput, type RedeploymentTermResult } from './term-messages';

/** How many terms the state query lists; GET /procedures?parent=<list> pages through all of them. */
const STATE_TERMS = 200;

/** The assignees a term names (term-messages.ts): the host unit's head and staff, the department's staff and approvers. */
function termAssignees(all: ResolvedAssignees, hostUnitId: string, dept: string): ResolvedAssignees {
  const keys = [
    ruleKey({ kind: 'unitHead', unitId: hostUnitId }),
    ruleKey({ kind: 'role', role: 'staff', unitId: hostUnitId }),
    ruleKey({ kind: 'role', role: 'staff', unitId: dept }),
    ruleKey({ kind: 'role', role: 'approver', unitId: dept }),
  ];
  return Object.fromEntries(keys.filter((k) => all[k]).map((k) => [k, all[k] as string[]]));
}

/** 7. One term child per dispatched cadre (kernel fan-out), then the close with the figures. */
export async function runTermsAndClose(run: ListRun): Promise<ListFigures> {
  const { state, input, projector, setStage, assignees } = run;
  const snapshot = snapshotOf(state, run.dispatches);
  if (run.dispatches.length === 0) {
    state.figures = figuresOf(input.listId, snapshot, emptyTermTally(), new Date().toISOString());
    state.status = 'closed';
    setStage('closed');
    projector.close('closed', 'closed', state.figures);
    await projector.finish();
    return state.figures;
  }
  setStage('terms');
  // The fan-out may continue as new at once (a long history): the last acknowledgement's answer and the
  // stage's transition must be out first, or the next run would not know them.
  if (run.tooLong()) await condition(() => allHandlersFinished() && projector.idle());
  // The list's own projection ends here; a run continued as new projects only its close.
  return runTerms({ ...input, assignees }, snapshot, undefined, { state, projector, setTally: (t) => (run.tally = t) });
}

/**
 * The terms stage: one redeploymentTerm child per dispatched cadre, started in batches, each reporting
 * its end (reportToParent); their outcomes are folded into the figures as they come (tally), and only the
 * first few are kept, so a continue-as-new carries counts, not 600 results.
 */
export async function runTerms(
  input: RedeploymentInput,
  snapshot: ListSnapshot,
  progress: FanOutProgress<TermTally> | undefined,
  live?: { state: RedeploymentState; projector: ReturnType<typeof createProjector>; setTally: (t: TermTally) => void },
): Promise<ListFigures> {
  const info = workflowInfo();
  const workflowId = info.workflowId;
  const dept = input.departmentUnitId;
  const ds = snapshot.dispatches;
  const child = (i: number): ChildSpec => {
    const d = ds[i] as Dispatch;
    const args: RedeploymentTermInput = {
      listWorkflowId: workflowId,
      listId: input.listId,
      taskId: d.taskId,
      taskTitle: snapshot.titles[d.taskId] ?? d.taskId,
      hostUnitId: d.hostUnitId,
      personId: d.personId,
      cadreUserId: d.cadreUserId,
      departmentUnitId: dept,
      term: snapshot.term[d.taskId] as { start: string; end: string },
      reportEveryMonths: input.rules.reportEveryMonths,
      reportWorkingDays: input.rules.reportWorkingDays,
      assignees: termAssignees(input.assignees, d.hostUnitId, dept),
      initiatorId: input.initiatorId,
    };
    return {
      workflowId: redeploymentTermWorkflowId(input.listId, d.taskId, d.personId),
      args: [args],
      searchAttributes: [
        { key: SearchAttr.procedureType, value: REDEPLOYMENT_TERM },
        { key: SearchAttr.units, value: [d.hostUnitId] },
        { key: SearchAttr.stage, value: 'reports' },
      ],
    };
  };
  const fan = createFanOut<TermTally>({
    workflowType: REDEPLOYMENT_TERM,
    tally: { initial: emptyTermTally, fold: (t, i, o) => foldTerm(t, ds[i] as Dispatch, o.ok ? (o.result as RedeploymentTermResult) : null) },
    keep: (i) => i < STATE_TERMS,
    childId: (i) => redeploymentTermWorkflowId(input.listId, (ds[i] as Dispatch).taskId, (ds[i] as Dispatch).personId),
    children: child,
    total: ds.length,
    ...(progress ? { progress } : {}),
    // Without the state a run continued before the terms carried: the terms need only the snapshot.
    continueWith: (p) => {
      const { continued: _carried, ...rest } = input;
      return [{ ...rest, tasks: [], resume: { snapshot, progress: p, seq: projector.lastSeq() } } satisfies RedeploymentInput];
    },
  });
  const seq = input.resume?.seq;
  const projector =
    live?.projector ??
    createProjector({ procedure: openingRow({ type: REDEPLOYMENT, title: input.title, unitIds: [...new Set([dept, ...ds.map((d) => d.hostUnitId)])].sort(), stage: 'terms', startedBy: input.initiatorId }), ...(seq !== undefined ? { fromSeq: seq } : {}) });
  let figures: ListFigures | null = null;
  const termsView = () => ({
    total: fan.progress.total,
    started: fan.progress.started,
    done: fan.progress.done,
    failed: fan.progress.failed,
    workflowIds: ds.slice(0, STATE_TERMS).map((d) => redeploymentTermWorkflowId(input.listId, d.taskId, d.personId)),
  });
  const current = (): ListFigures => figures ?? figuresOf(input.listId, snapshot, fan.progress.tally ?? emptyTermTally(), null);
  if (live) {
    live.setTally(fan.progress.tally ?? emptyTermTally());
    setHandler(stateQuery, () => ({ ...live.state, terms: termsView(), figures: current(), openTasks: [], currentTask: null }));
  } else {
    // A run continued as new: the list's applications and actions stay in the first run's history.
    setHandler(stateQuery, () => ({ type: REDEPLOYMENT, workflowId, listId: input.listId, title: input.title, status: figures ? 'closed' : 'open', stage: figures ? 'closed' : 'terms', terms: termsView(), figures: current(), openTasks: [], currentTask: null }));
    setHandler(openedUpdate, () => ({ taskId: null, action: 'start', status: 'open', stage: 'terms', nextTask: null, openTasks: [], transitions: [], runId: info.runId }));
  }
  const done = await fan.run();
  figures = figuresOf(input.listId, snapshot, done.tally ?? emptyTermTally(), new Date().toISOString());
  if (live) {
    live.state.figures = figures;
    live.state.status = 'closed';
    live.state.stage = 'closed';
  }
  upsertSearchAttributes([{ key: SearchAttr.stage, value: 'closed' }]);
  // A run continued as new numbers on from the seq it carried; one continued before the seq was carried
  // counts from 1 again, so its close takes a seq no run reaches (a list's actions stay far below it).
  projector.close('closed', 'closed', figures, live || seq !== undefined ? undefined : 1_000_000);
  await projector.finish();
  return figures;
}
