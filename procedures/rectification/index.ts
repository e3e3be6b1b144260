/** 巡视整改销号: the feedback and its unit items, two workflow types of one module. */
import path from 'node:path';
import { resolveAssignees, type NamedRule } from '../../api/assignees';
import { Unprocessable } from '../../api/errors';
import { existingIds } from '../../api/master-data';
import type { EntityManager } from '@mikro-orm/postgresql';
import { pgTextArray, sql } from '../../activities/sql';
import { assertCovered, CalendarNotCoveredError, type OverrideCalendar } from '../../domain/calendar';
import { chinaDateOf } from '../../domain/dates';
import { loadOverrides } from '../../platform/calendar-store';
import { defineProcedure } from '../descriptor';
import type { Deadlines } from '../kernel/deadline';
import { createRectificationActivities } from './activities';
import { itemDeadlines } from './deadlines';
import {
  FEEDBACK_STATUSES,
  ITEM_STATUSES,
  RECTIFICATION,
  RECTIFICATION_ITEM,
  RectificationRefusal,
  rectificationItemWorkflowId,
  rectificationReportWorkflowId,
  rectificationWorkflowId,
  type Problem,
  type RectificationInput,
  type ReportAssignee,
  type ReportPlan,
} from './messages';
import { defaultDueDate, defaultRectificationRules, dueDateProblem, reportAssignee, reportDueDate } from './rules';
import { ITEM_ACT_BODIES, StartRectificationBody } from './schemas';

const histories = path.join(__dirname, 'histories');

/**
 * 整改报告 per unit: its due date (2 months after the feedback unless given), its deadlines from the calendar, and
 * who takes it — the unit's Party secretary holding the post today (unit_office_holder, linked to a user by
 * person.user_id), else its head (rules.ts reportAssignee). A unit with neither is refused: nobody could take it.
 * A due date in a year the calendar does not cover yet (chinese-days knows the statutory holidays a year or so
 * ahead, and 2 months on from a November feedback is already the next year) is no refusal, unlike an item's: the
 * report has to exist whatever the calendar, so it starts without deadlines and computes them once the year is
 * loaded (report.workflow.ts).
 */
async function planReports(em: EntityManager, feedbackDate: string, given: string | undefined, problems: Problem[], calendar: OverrideCalendar): Promise<ReportPlan> {
  const dueDate = given ?? reportDueDate(feedbackDate);
  const problem = dueDateProblem(feedbackDate, dueDate);
  if (problem) throw new Unprocessable('invalid_due_date', `report.dueDate: ${problem}`, { field: 'report.dueDate' });
  let deadlines: Deadlines | null = null;
  try {
    assertCovered(dueDate, calendar);
    deadlines = itemDeadlines(dueDate, calendar);
  } catch (err) {
    if (!(err instanceof CalendarNotCoveredError)) throw err;
  }
  const unitIds = [...new Set(problems.flatMap((p) => p.assignments.map((a) => a.unitId)))].sort();
  const today = chinaDateOf(new Date());
  const rows = await sql<{ unit_id: string; user_id: string | null; head: string | null }>(
    em,
    `select h.unit_id, p.user_id, null as head from unit_office_holder h join person p on p.id = h.person_id
       where h.office = 'partySecretary' and h.unit_id = any($1::text[]) and h.since <= $2::date and (h.until is null or h.until >= $2::date) and p.user_id is not null
     union all
     select id, null, head_user_id from unit where id = any($1::text[])`,
    [pgTextArray(unitIds), today],
  );
  const assignees: Record<string, ReportAssignee> = {};
  for (const unitId of unitIds) {
    const secretaries = rows.flatMap((r) => (r.unit_id === unitId && r.user_id ? [r.user_id] : []));
    const head = rows.find((r) => r.unit_id === unitId && r.head)?.head ?? null;
    const who = reportAssignee(secretaries, head);
    if (!who) throw new Unprocessable('no_report_assignee', `report: unit ${unitId} has neither a Party secretary nor a head in master data`, { field: 'report', unitId });
    assignees[unitId] = who;
  }
  return { dueDate, ...(deadlines ? { deadlines } : { calendarRetryMs: defaultRectificationRules.calendarRetryMs }), assignees };
}

export const rectificationProcedure = defineProcedure({
  type: RECTIFICATION,
  label: '巡视整改',
  statuses: FEEDBACK_STATUSES,
  capabilities: { withdraw: false, urge: false, copy: false, closeVote: false, overdue: true },
  refusals: {},
  start: {
    summary: 'Open a rectification case (巡视整改) from an inspection’s feedback',
    description:
      'Each problem is assigned to one or more units (同题共答); every unit’s item runs as its own child procedure. ' +
      'A missing due date defaults from the difficulty grade.',
    body: StartRectificationBody,
    plan: async ({ em, user, body }) => {
      // References to master data and the deadline rules: well-formed input that a rule refuses.
      const unitIds = new Set([body.inspectionOfficeUnitId, ...body.problems.flatMap((p) => [p.leadUnitId, ...p.assignments.map((a) => a.unitId)])]);
      const known = await existingIds(em, 'unit', unitIds);
      const unknown = (field: string) => new Unprocessable('unknown_unit', `${field}: the unit does not exist`, { field });
      if (!known.has(body.inspectionOfficeUnitId)) throw unknown('inspectionOfficeUnitId');
      // Years loaded through PUT /calendar/years/:year are covered too.
      const calendar = await loadOverrides(em);
      const rules: NamedRule[] = [
        { rule: { kind: 'role', role: 'reviewer', unitId: body.inspectionOfficeUnitId }, field: 'inspectionOfficeUnitId' },
        { rule: { kind: 'role', role: 'approver', unitId: body.inspectionOfficeUnitId }, field: 'inspectionOfficeUnitId' },
      ];
      const deadlines: Record<string, Deadlines> = {};
      const problems: Problem[] = body.problems.map((p, pi) => {
        if (!known.has(p.leadUnitId)) throw unknown(`problems[${pi}].leadUnitId`);
        rules.push({ rule: { kind: 'unitHead', unitId: p.leadUnitId }, field: `problems[${pi}].leadUnitId` });
        return {
          no: p.no,
          title: p.title,
          ...(p.description ? { description: p.description } : {}),
          difficulty: p.difficulty,
          leadUnitId: p.leadUnitId,
          // 三张清单: shapes and the rule (listsProblem) are checked by the body's schema; a task's own time limit here.
          ...(p.tasks?.length
            ? {
                tasks: p.tasks.map((t, ti) => {
                  const problem = t.dueDate ? dueDateProblem(body.feedbackDate, t.dueDate) : null;
                  const field = `problems[${pi}].tasks[${ti}].dueDate`;
                  if (problem) throw new Unprocessable('invalid_due_date', `${field}: ${problem}`, { field });
                  return { no: t.no, measure: t.measure, ...(t.dueDate ? { dueDate: t.dueDate } : {}) };
                }),
                responsibilities: (p.responsibilities ?? []).map((r) => ({
                  taskNo: r.taskNo,
                  unitId: r.unitId,
                  kind: r.kind,
                  ...(r.leader ? { leader: r.leader } : {}),
                  ...(r.person ? { person: r.person } : {}),
                })),
              }
            : {}),
          assignments: p.assignments.map((a, ai) => {
            const field = `problems[${pi}].assignments[${ai}]`;
            if (!known.has(a.unitId)) throw unknown(`${field}.unitId`);
            rules.push({ rule: { kind: 'role', role: 'staff', unitId: a.unitId }, field: `${field}.unitId` });
            rules.push({ rule: { kind: 'unitHead', unitId: a.unitId }, field: `${field}.unitId` });
            const dueDate = a.dueDate ?? defaultDueDate(body.feedbackDate, p.difficulty);
            const problem = dueDateProblem(body.feedbackDate, dueDate);
            if (problem) throw new Unprocessable('invalid_due_date', `${field}.dueDate: ${problem}`, { field: `${field}.dueDate` });
            try {
              assertCovered(dueDate, calendar);
              deadlines[dueDate] ??= itemDeadlines(dueDate, calendar);
              return { unitId: a.unitId, dueDate };
            } catch (err) {
              if (err instanceof CalendarNotCoveredError) {
                throw new Unprocessable('calendar_not_covered', `${field}.dueDate: ${err.message}`, { field: `${field}.dueDate`, year: err.year });
              }
              throw err;
            }
          }),
        };
      });
      // 整改报告 by default; `report: false` opts out.
      const report = body.report === false ? undefined : await planReports(em, body.feedbackDate, body.report?.dueDate, problems, calendar);
      const input: RectificationInput = {
        feedbackId: body.feedbackId,
        title: body.title,
        inspectionGroup: body.inspectionGroup,
        feedbackDate: body.feedbackDate,
        inspectionOfficeUnitId: body.inspectionOfficeUnitId,
        initiatorId: user.id,
        problems,
        deadlines,
        assignees: await resolveAssignees(em, rules),
        ...(report ? { report } : {}),
      };
      return {
        workflowId: rectificationWorkflowId(body.feedbackId),
        input,
        units: problems.flatMap((p) => p.assignments.map((a) => a.unitId)),
        stage: 'rectifying',
        items: [
          ...problems.flatMap((p) => p.assignments.map((a) => rectificationItemWorkflowId(body.feedbackId, p.no, a.unitId))),
          ...(report ? Object.keys(report.assignees).sort().map((unitId) => rectificationReportWorkflowId(body.feedbackId, unitId)) : []),
        ],
      };
    },
  },
  historiesDir: histories,
  histories: [
    { file: 'rectification-feedback.json', endsAt: 'completed' },
    { file: 'rectification-feedback-report.json', endsAt: 'completed' },
    // Its item opened in bulk before it started (kernel/fanout.ts `open`, patch fanout-open).
    { file: 'rectification-feedback-opened.json', endsAt: 'completed' },
  ],
});

export const rectificationItemProcedure = defineProcedure({
  type: RECTIFICATION_ITEM,
  label: '整改事项',
  statuses: ITEM_STATUSES,
  capabilities: { withdraw: true, urge: true, copy: true, closeVote: false, overdue: true },
  refusals: { [RectificationRefusal.institutionalRuleRequired]: 422 },
  actBodies: ITEM_ACT_BODIES,
  // A report's deadlines once the calendar covers its year (report.workflow.ts).
  activities: createRectificationActivities,
  historiesDir: histories,
  histories: [
    { file: 'rectification-item.json', endsAt: 'completed' },
    { file: 'rectification-item-overdue.json', endsAt: 'completed' },
    { file: 'rectification-report-overdue.json', endsAt: 'completed' },
    // A report started before the calendar covered its year, its deadlines computed once the year was loaded.
    { file: 'rectification-report-calendar-wait.json', endsAt: 'completed' },
    // The same, its open task given the due date as well (patch rectification-report-task-due-once-known).
    { file: 'rectification-report-calendar-wait-task-due.json', endsAt: 'completed' },
    // Started with its opening given by its feedback (`opened`), resumed at its submit task.
    { file: 'rectification-item-opened.json', endsAt: 'completed' },
    // 加签 before oneself, the added signer's 转办, a return to review, then 销号 (test/api/approval-actions.api.test.ts).
    { file: 'rectification-item-reassigned.json', endsAt: 'completed' },
    // 催办 and 抄送 on the open submit task, then 撤回 by the initiator before anyone acted.
    { file: 'rectification-item-withdrawn.json', endsAt: 'completed' },
  ],
});
