/**
 * One responsible unit's item of a rectification feedback (整改事项): submit measures and
 * evidence → review (pass or return) → sign-off chain unit head → lead department → inspection
 * office, whose signature is the 销号. The steps are approval steps (lib/approval.ts); a
 * deadline watcher runs alongside: reminder, then overdue.
 */
import { allHandlersFinished, condition, log, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { EscalationStep } from '../domain/escalation';
import {
  Refusal,
  SearchAttr,
  stateQuery,
  type ActionRecord,
  type Deadlines,
  type ItemResult,
  type ItemState,
  type ItemStep,
  type RectificationItemInput,
  type SignData,
  type SubmissionData,
} from './definitions';
import { acts } from './lib/activities';
import { createApprovalFlow, type StepDef } from './lib/approval';
import { registerActHandler } from './lib/act';
import { registerManageHandler } from './lib/manage';
import { refuse } from './lib/refuse';
import { waitUntil } from './lib/time';

/** The item's route. Every step after the first may return to any earlier one. */
function itemSteps(input: RectificationItemInput): StepDef<ItemStep>[] {
  return [
    // Any of the unit's staff may submit (或签).
    { key: 'submit', mode: 'any', assignees: { kind: 'role', role: 'staff', unitId: input.unitId }, approveActions: ['submit'], canReturn: false },
    { key: 'review', mode: 'any', assignees: { kind: 'role', role: 'reviewer', unitId: input.inspectionOfficeUnitId }, approveActions: ['pass'], canReturn: true },
    { key: 'unitHead', mode: 'sequential', assignees: { kind: 'unitHead', unitId: input.unitId }, approveActions: ['sign'], canReturn: true },
    { key: 'leadDepartment', mode: 'sequential', assignees: { kind: 'unitHead', unitId: input.problem.leadUnitId }, approveActions: ['sign'], canReturn: true },
    { key: 'inspectionOffice', mode: 'any', assignees: { kind: 'role', role: 'approver', unitId: input.inspectionOfficeUnitId }, approveActions: ['sign'], canReturn: true },
  ];
}

export async function rectificationItem(input: RectificationItemInput): Promise<ItemResult> {
  const info = workflowInfo();
  const workflowId = info.workflowId;
  const parentWorkflowId = info.parent?.workflowId ?? null;
  const title = `${input.feedbackTitle} · ${input.problem.no} ${input.problem.title}`;

  const state: ItemState = {
    type: 'rectificationItem',
    workflowId,
    feedbackId: input.feedbackId,
    problem: input.problem,
    unitId: input.unitId,
    dueDate: input.dueDate,
    deadlines: null,
    status: 'open',
    stage: 'submit',
    round: 1,
    reminded: false,
    overdue: false,
    escalations: [],
    currentTask: null,
    openTasks: [],
    submission: null,
    institutionalRule: null,
    noRuleReason: null,
    actions: [],
    signedOffAt: null,
  };
  let actionSeq = 0;
  const nextSeq = (): number => ++actionSeq;
  const flow = createApprovalFlow<ItemStep>({
    workflowId,
    procedureType: 'rectificationItem',
    steps: itemSteps(input),
    acts,
    dueAt: () => state.deadlines?.dueAt ?? null,
  });
  const record = (r: ActionRecord): void => {
    state.actions.push(r);
  };

  setHandler(stateQuery, () => {
    const open = flow.openTasks();
    return { ...state, openTasks: open, currentTask: open[0] ?? null };
  });

  registerActHandler({
    flow,
    noun: 'item',
    status: () => state.status,
    stage: () => state.stage,
    record,
    nextSeq,
    // 销号 needs 建章立制 or a recorded reason, given with the submission or with the signature.
    validate: (a) => {
      if (flow.view()?.key !== 'inspectionOffice' || a.action !== 'sign') return;
      const d: SignData | undefined = a.data;
      if (!d?.institutionalRule && !d?.noRuleReason && !state.institutionalRule && !state.noRuleReason) {
        throw refuse(
          Refusal.institutionalRuleRequired,
          '销号 needs an institutional rule (建章立制: title and document reference) or a recorded reason why none is needed',
          { fields: ['data.institutionalRule', 'data.noRuleReason'] },
        );
      }
    },
    before: (a, task) => {
      if (a.action === 'submit') {
        const d = a.data as SubmissionData;
        state.submission = d;
        state.institutionalRule = d.institutionalRule ?? null;
        state.noRuleReason = d.noRuleReason ?? null;
      } else if (a.action === 'sign' && task?.step === 'inspectionOffice') {
        const d: SignData | undefined = a.data;
        if (d?.institutionalRule) state.institutionalRule = d.institutionalRule;
        if (d?.noRuleReason) state.noRuleReason = d.noRuleReason;
      }
    },
    data: (a) => a.data,
    // Each step here opens one task at a time, so the first open task is the next one.
    settled: () => flow.openTasks().length > 0,
    resultStatus: () => state.status,
  });

  let withdrawn = false;
  registerManageHandler({
    workflowId,
    initiatorId: input.initiatorId,
    title: title,
    noun: 'item',
    flow,
    status: () => state.status,
    actors: () => state.actions.map((a) => a.actorId),
    record,
    nextSeq,
    onWithdraw: () => {
      withdrawn = true;
    },
  });

  const watchDeadline = async (d: Deadlines): Promise<void> => {
    const closed = (): boolean => state.status !== 'open';
    const notice = () => {
      const open = flow.openTasks();
      return {
        workflowId,
        parentWorkflowId,
        seq: nextSeq(),
        taskId: open[0]?.taskId ?? null,
        step: open[0]?.step ?? null,
        title,
        assigneeIds: [...new Set(open.flatMap((t) => t.assigneeIds))],
        dueAt: d.dueAt,
        at: new Date().toISOString(),
      };
    };
    // A reminder or overdue notice due at once (a deadline already near or past at the start) must
    // still reach the first task's assignees, so wait until that task is open.
    await condition(() => flow.openTasks().length > 0 || closed());
    if (!(await waitUntil(closed, d.remindAt))) {
      state.reminded = true;
      const n = notice();
      record({ seq: n.seq, taskId: n.taskId, step: n.step, actorId: 'system', action: 'remind', at: n.at });
      await acts.remind(n);
    }
    if (!(await waitUntil(closed, d.dueAt))) {
      state.overdue = true;
      upsertSearchAttributes([{ key: SearchAttr.overdue, value: true }]);
      const n = notice();
      record({ seq: n.seq, taskId: n.taskId, step: n.step, actorId: 'system', action: 'overdue', at: n.at });
      await acts.markOverdue(n);
    } else {
      return;
    }
    // The overdue ladder, computed now from the calendar as it stands: a year may have been loaded
    // since the item started. Until the calendar covers the ladder's dates, try again daily.
    let ladder: EscalationStep[] | null = null;
    while (ladder === null) {
      try {
        ladder = await acts.computeEscalation({ procedureType: 'rectificationItem', effectiveDueDate: d.effectiveDueDate });
      } catch (err) {
        log.warn('overdue ladder not computable yet', { workflowId, error: String(err) });
        if (await condition(closed, '1 day')) return;
      }
    }
    for (const rung of ladder) {
      if (await waitUntil(closed, rung.at)) return;
      state.escalations.push(rung);
      const n = notice();
      record({ seq: n.seq, taskId: n.taskId, step: n.step, actorId: 'system', action: 'escalate', at: n.at });
      await acts.escalate({ ...n, rung });
    }
  };

  await acts.projectProcedure({
    workflowId,
    type: 'rectificationItem',
    parentWorkflowId,
    title,
    unitIds: [input.unitId],
    stage: 'submit',
    startedBy: input.initiatorId,
    startedAt: new Date(info.startTime).toISOString(),
    data: { problem: input.problem, dueDate: input.dueDate },
  });
  const deadlines = await acts.computeItemDeadlines({ dueDate: input.dueDate });
  state.deadlines = deadlines;
  await acts.setDueAt({ workflowId, dueAt: deadlines.dueAt });
  upsertSearchAttributes([{ key: SearchAttr.dueAt, value: new Date(deadlines.dueAt) }]);
  const watcher = watchDeadline(deadlines);

  const steps = itemSteps(input);
  for (let i = 0; i < steps.length && !withdrawn; ) {
    const step = steps[i] as StepDef<ItemStep>;
    state.stage = step.key;
    upsertSearchAttributes([{ key: SearchAttr.stage, value: step.key }]);
    const outcome = await flow.runStep(step.key, state.round);
    if (outcome.kind === 'withdrawn') break;
    if (outcome.kind === 'returned') {
      state.round += 1;
      i = flow.stepIndex(outcome.to);
      continue;
    }
    i += 1;
  }

  const closedAt = new Date().toISOString();
  const status = withdrawn ? 'withdrawn' : 'signedOff';
  state.status = status;
  state.stage = status;
  if (status === 'signedOff') state.signedOffAt = closedAt;
  upsertSearchAttributes([{ key: SearchAttr.stage, value: status }]);
  await watcher;
  const result: ItemResult = {
    workflowId,
    problemNo: input.problem.no,
    unitId: input.unitId,
    status,
    dueAt: deadlines.dueAt,
    closedAt,
    onTime: status === 'signedOff' && Date.parse(closedAt) <= Date.parse(deadlines.dueAt),
    rounds: state.round,
  };
  await condition(allHandlersFinished);
  await acts.closeProcedure({ workflowId, status, stage: status, closedAt, result });
  return result;
}
