/**
 * One responsible unit's item of a rectification feedback (整改事项): submit measures and
 * evidence → review (pass or return) → sign-off chain unit head → lead department → inspection
 * office, whose signature is the 销号. The deadline watcher runs alongside: reminder, overdue, ladder.
 */
import type { StepDef } from '../kernel/approval';
import type { EscalationStep } from '../kernel/deadline';
import { reportToParent } from '../kernel/fanout';
import { createKernel, type OpeningOptions } from '../kernel/procedure';
import { refuse } from '../kernel/refuse';
import {
  RECTIFICATION_ITEM,
  RectificationRefusal,
  type InstitutionalRule,
  type ItemResult,
  type ItemStep,
  type RectificationItemInput,
  type RectificationReportInput,
  type ReportResult,
  type SignData,
  type SubmissionData,
} from './messages';
import { watchRectificationDeadline } from './watch.workflow';
import { runReport } from './report.workflow';

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

/** What the item's opening depends on (kernel/procedure.ts openingOf): the run's own options. */
export function itemOpening(input: RectificationItemInput): OpeningOptions<ItemStep> {
  return {
    type: RECTIFICATION_ITEM,
    title: `${input.feedbackTitle} · ${input.problem.no} ${input.problem.title}`,
    initiatorId: input.initiatorId,
    unitIds: [input.unitId],
    steps: itemSteps(input),
    assignees: input.assignees,
    startData: { problem: input.problem, dueDate: input.dueDate, deadlines: input.deadlines },
    dueAt: input.deadlines.dueAt,
  };
}

export async function rectificationItem(input: RectificationItemInput | RectificationReportInput): Promise<ItemResult | ReportResult> {
  // A unit's 整改报告 is started by the same fan-out (one workflow type per fan-out): see report.workflow.ts.
  if ('kind' in input && input.kind === 'report') return reportToParent(() => runReport(input));
  return reportToParent(() => runItem(input as RectificationItemInput));
}

async function runItem(input: RectificationItemInput): Promise<ItemResult> {
  const opening = itemOpening(input);
  const { title } = opening;
  const own = {
    submission: null as SubmissionData | null,
    institutionalRule: null as InstitutionalRule | null,
    noRuleReason: null as string | null,
    reminded: false,
    overdue: false,
    escalations: [] as EscalationStep[],
    signedOffAt: null as string | null,
    /** The unit's last submission: its part of the item's timeliness, apart from the reviewers' signatures. */
    submittedAt: null as string | null,
  };
  const k = createKernel<ItemStep>({
    ...opening,
    ...(input.opened ? { opened: input.opened } : {}),
    noun: 'item',
    can: { withdraw: true, urge: true, copy: true, closeVote: false },
    view: () => ({
      type: RECTIFICATION_ITEM,
      feedbackId: input.feedbackId,
      problem: input.problem,
      unitId: input.unitId,
      dueDate: input.dueDate,
      deadlines: input.deadlines,
      ...own,
    }),
    overdue: () => own.overdue || Date.now() > Date.parse(input.deadlines.dueAt),
  });

  k.registerAct({
    // 销号 needs 建章立制 or a recorded reason, given with the submission or with the signature.
    validate: (a) => {
      if (k.flow.view()?.key !== 'inspectionOffice' || a.action !== 'sign') return;
      const d = a.data as SignData | undefined;
      if (!d?.institutionalRule && !d?.noRuleReason && !own.institutionalRule && !own.noRuleReason) {
        throw refuse(
          RectificationRefusal.institutionalRuleRequired,
          '销号 needs an institutional rule (建章立制: title and document reference) or a recorded reason why none is needed',
          { fields: ['data.institutionalRule', 'data.noRuleReason'] },
        );
      }
    },
    before: (a, task) => {
      if (a.action === 'submit') {
        const d = a.data as SubmissionData;
        own.submission = d;
        own.submittedAt = new Date().toISOString();
        own.institutionalRule = d.institutionalRule ?? null;
        own.noRuleReason = d.noRuleReason ?? null;
      } else if (a.action === 'sign' && task.step === 'inspectionOffice') {
        const d = a.data as SignData | undefined;
        if (d?.institutionalRule) own.institutionalRule = d.institutionalRule;
        if (d?.noRuleReason) own.noRuleReason = d.noRuleReason;
      }
    },
    data: (a) => a.data ?? null,
  });

  const watcher = watchRectificationDeadline(k, input.deadlines, title, own);

  const end = await k.runSteps();
  const closedAt = new Date().toISOString();
  const status = end === 'withdrawn' ? 'withdrawn' : 'signedOff';
  if (status === 'signedOff') own.signedOffAt = closedAt;
  const result: ItemResult = {
    workflowId: k.workflowId,
    problemNo: input.problem.no,
    unitId: input.unitId,
    status,
    dueAt: input.deadlines.dueAt,
    closedAt,
    onTime: status === 'signedOff' && Date.parse(closedAt) <= Date.parse(input.deadlines.dueAt),
    // The unit's part: its last submission (the one signed off) came by the deadline, however long the
    // reviewers then took.
    ...(status === 'signedOff' ? { submittedOnTime: own.submittedAt !== null && Date.parse(own.submittedAt) <= Date.parse(input.deadlines.dueAt) } : {}),
    // Withdrawn after its deadline: it was due, and counts as late (withdrawnLate) in the figures.
    ...(status === 'withdrawn' && Date.parse(closedAt) > Date.parse(input.deadlines.dueAt) ? { withdrawnLate: true } : {}),
    rounds: k.state.round,
  };
  const closing = k.close(status, result);
  await watcher;
  await closing;
  return result;
}
