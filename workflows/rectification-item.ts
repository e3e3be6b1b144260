/**
 * One responsible unit's item of a rectification feedback (整改事项): submit measures and
 * evidence → review (pass or return) → sign-off chain unit head → lead department → inspection
 * office, whose signature is the 销号. A deadline watcher runs alongside: reminder, then overdue.
 */
import {
  allHandlersFinished,
  condition,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  actUpdate,
  ITEM_STEPS,
  Refusal,
  SearchAttr,
  STEP_ACTIONS,
  stateQuery,
  taskId as makeTaskId,
  type ActInput,
  type ActionRecord,
  type ActResult,
  type AssigneeRule,
  type Deadlines,
  type ItemResult,
  type ItemState,
  type ItemStep,
  type RectificationItemInput,
  type SignData,
  type SubmissionData,
  type TaskView,
} from './definitions';
import { acts } from './lib/activities';
import { refuse } from './lib/refuse';
import { waitUntil } from './lib/time';

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
    currentTask: null,
    submission: null,
    institutionalRule: null,
    noRuleReason: null,
    actions: [],
    signedOffAt: null,
  };
  /** The decision on the current task, set synchronously by the Update handler. */
  let decision: ActInput | null = null;
  let actionSeq = 0;
  let taskSeq = 0;

  const assigneeRule = (step: ItemStep): AssigneeRule => {
    switch (step) {
      case 'submit':
        return { kind: 'role', role: 'staff', unitId: input.unitId };
      case 'review':
        return { kind: 'role', role: 'reviewer', unitId: input.inspectionOfficeUnitId };
      case 'unitHead':
        return { kind: 'unitHead', unitId: input.unitId };
      case 'leadDepartment':
        return { kind: 'unitHead', unitId: input.problem.leadUnitId };
      case 'inspectionOffice':
        return { kind: 'role', role: 'approver', unitId: input.inspectionOfficeUnitId };
    }
  };

  const validate = (a: ActInput): void => {
    const t = state.currentTask;
    if (state.status !== 'open' || !t || t.taskId !== a.taskId || decision !== null) {
      throw refuse(Refusal.taskNotPending, `task ${a.taskId} is not pending`, { taskId: a.taskId });
    }
    if (!t.assigneeIds.includes(a.actorId)) {
      throw refuse(Refusal.notAssignee, `task ${a.taskId} is not assigned to you`, { taskId: a.taskId });
    }
    const allowed = STEP_ACTIONS[t.step];
    if (!allowed.includes(a.action)) {
      throw refuse(Refusal.actionNotAllowed, `step ${t.step} allows ${allowed.join(', ')}, not ${a.action}`, {
        step: t.step,
        allowed,
      });
    }
    if (t.step === 'inspectionOffice' && a.action === 'sign') {
      const d: SignData | undefined = a.data;
      if (!d?.institutionalRule && !d?.noRuleReason && !state.institutionalRule && !state.noRuleReason) {
        throw refuse(
          Refusal.institutionalRuleRequired,
          '销号 needs an institutional rule (建章立制: title and document reference) or a recorded reason why none is needed',
          { fields: ['data.institutionalRule', 'data.noRuleReason'] },
        );
      }
    }
  };

  setHandler(stateQuery, () => state);
  setHandler(
    actUpdate,
    async (a: ActInput): Promise<ActResult> => {
      const task = state.currentTask as TaskView;
      // Decide synchronously, before any await, so a concurrent Update's validator sees it.
      decision = a;
      const seq = ++actionSeq;
      const at = new Date().toISOString();
      if (a.action === 'submit') {
        const d = a.data as SubmissionData;
        state.submission = d;
        state.institutionalRule = d.institutionalRule ?? null;
        state.noRuleReason = d.noRuleReason ?? null;
      } else if (a.action === 'sign' && task.step === 'inspectionOffice') {
        const d: SignData | undefined = a.data;
        if (d?.institutionalRule) state.institutionalRule = d.institutionalRule;
        if (d?.noRuleReason) state.noRuleReason = d.noRuleReason;
      }
      const record: ActionRecord = { seq, taskId: task.taskId, step: task.step, actorId: a.actorId, action: a.action, at };
      if (a.comment) record.comment = a.comment;
      state.actions.push(record);
      await acts.recordAction({ workflowId, seq, taskId: task.taskId, step: task.step, actorId: a.actorId, action: a.action, comment: a.comment, data: a.data, at });
      // Answer once the next task is open (or the item closed), so the caller's inbox is current.
      await condition(() => state.currentTask?.taskId !== task.taskId || state.status !== 'open');
      return { taskId: task.taskId, action: a.action, status: state.status, stage: state.stage, nextTask: state.currentTask };
    },
    { validator: validate },
  );

  const runTask = async (step: ItemStep, deadlines: Deadlines): Promise<ActInput> => {
    const assigneeIds = await acts.resolveAssignees(assigneeRule(step));
    const seq = ++taskSeq;
    const task: TaskView = {
      taskId: makeTaskId(workflowId, seq),
      step,
      seq,
      round: state.round,
      assigneeIds,
      openedAt: new Date().toISOString(),
    };
    await acts.openTask({ ...task, workflowId, procedureType: 'rectificationItem', dueAt: deadlines.dueAt });
    decision = null;
    state.currentTask = task;
    state.stage = step;
    upsertSearchAttributes([{ key: SearchAttr.stage, value: step }]);
    await condition(() => decision !== null);
    return decision as unknown as ActInput;
  };

  const watchDeadline = async (d: Deadlines): Promise<void> => {
    const closed = (): boolean => state.status !== 'open';
    const notice = () => ({
      workflowId,
      parentWorkflowId,
      seq: ++actionSeq,
      taskId: state.currentTask?.taskId ?? null,
      step: state.currentTask?.step ?? null,
      title,
      assigneeIds: state.currentTask?.assigneeIds ?? [],
      dueAt: d.dueAt,
      at: new Date().toISOString(),
    });
    // A reminder or overdue notice due at once (a deadline already near or past at the start) must
    // still reach the first task's assignees, so wait until that task is open.
    await condition(() => state.currentTask !== null || closed());
    if (!(await waitUntil(closed, d.remindAt))) {
      state.reminded = true;
      const n = notice();
      state.actions.push({ seq: n.seq, taskId: n.taskId, step: n.step, actorId: 'system', action: 'remind', at: n.at });
      await acts.remind(n);
    }
    if (!(await waitUntil(closed, d.dueAt))) {
      state.overdue = true;
      upsertSearchAttributes([{ key: SearchAttr.overdue, value: true }]);
      const n = notice();
      state.actions.push({ seq: n.seq, taskId: n.taskId, step: n.step, actorId: 'system', action: 'overdue', at: n.at });
      await acts.markOverdue(n);
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

  let step: ItemStep = 'submit';
  for (;;) {
    const d = await runTask(step, deadlines);
    if (d.action === 'return') {
      state.round += 1;
      step = 'submit';
      continue;
    }
    const next: ItemStep | undefined = ITEM_STEPS[ITEM_STEPS.indexOf(step) + 1];
    if (next === undefined) break;
    step = next;
  }

  const signedOffAt = new Date().toISOString();
  state.status = 'signedOff';
  state.stage = 'signedOff';
  state.signedOffAt = signedOffAt;
  state.currentTask = null;
  upsertSearchAttributes([{ key: SearchAttr.stage, value: 'signedOff' }]);
  await watcher;
  const result: ItemResult = {
    workflowId,
    problemNo: input.problem.no,
    unitId: input.unitId,
    dueAt: deadlines.dueAt,
    signedOffAt,
    onTime: Date.parse(signedOffAt) <= Date.parse(deadlines.dueAt),
    rounds: state.round,
  };
  await condition(allHandlersFinished);
  await acts.closeProcedure({ workflowId, status: 'signedOff', stage: 'signedOff', closedAt: signedOffAt, result });
  return result;
}
