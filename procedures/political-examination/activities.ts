/**
 * Activities of the political-quality examination: the plan's content hash, the deadlines from the
 * working-day calendar, the linked rectification's start plan (the rectification module's own), and the
 * political-quality file. Each is idempotent: the file row is keyed by the examination's workflow id.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { calendarFailure, calendarOf, type ActivityDeps } from '../../activities/kernel';
import { ApiError } from '../../api/errors';
import { canonicalJson } from '../../domain/audit';
import { addWorkingDays } from '../../domain/calendar';
import { addDays, startOfChinaDay, yearOf } from '../../domain/dates';
import type { Deadlines } from '../kernel/deadline';
import { rectificationProcedure } from '../rectification';
import type { RectificationInput } from '../rectification/messages';
import { StartRectificationBody } from '../rectification/schemas';
import { DIMENSION_LABELS, linkedRectificationFeedbackId, type ExaminationPlan, type ExaminationSubject, type Finding, type PoliticalDimension } from './messages';

const nineAm = (date: string): string => new Date(Date.parse(startOfChinaDay(date)) + 9 * 3600_000).toISOString();

export interface FileEntryInput {
  id: string;
  examinationId: string;
  subject: ExaminationSubject;
  title: string;
  examinedOn: string;
  grade: string;
  planHash: string;
  evaluations: unknown;
  findings: Finding[];
  useOfResult: unknown;
  rectificationWorkflowId: string | null;
  acknowledgedAt: string | null;
  statement: string | null;
}

export interface LinkedRectificationRequest {
  examinationWorkflowId: string;
  examinationId: string;
  title: string;
  initiatorId: string;
  departmentUnitId: string;
  inspectionOfficeUnitId: string;
  unitId: string;
  feedbackDate: string;
  dueDate: string;
  difficulty: 'immediate' | 'normal' | 'hard';
  problems: { findingId: string; dimension: PoliticalDimension; text: string; evidenceRefs: string[] }[];
}

export function createExaminationActivities(deps: ActivityDeps) {
  const calendar = calendarOf(deps);
  return {
    /** The content hash the frozen plan carries (the workflow records it in the audit chain). */
    async freezeExaminationPlan(input: { plan: ExaminationPlan }): Promise<{ hash: string }> {
      return { hash: createHash('sha256').update(canonicalJson(input.plan)).digest('hex') };
    },

    /**
     * Deadlines `n` working days from `fromDate`, one per distinct `n`: overdue once the last working day
     * has ended in China time, reminded `reminderWorkingDays` before at 09:00.
     */
    async examinationDeadlines(input: { fromDate: string; workingDays: number[]; reminderWorkingDays: number }): Promise<Record<string, Deadlines>> {
      const y = yearOf(input.fromDate);
      const overrides = await calendar([y, y + 1]);
      try {
        return Object.fromEntries(
          input.workingDays.map((n) => {
            const effectiveDueDate = addWorkingDays(input.fromDate, n, overrides);
            const remind = addWorkingDays(effectiveDueDate, -Math.min(input.reminderWorkingDays, n - 1), overrides);
            return [String(n), { effectiveDueDate, dueAt: startOfChinaDay(addDays(effectiveDueDate, 1)), remindAt: nineAm(remind) }];
          }),
        );
      } catch (err) {
        throw calendarFailure(err);
      }
    },

    /**
     * The linked rectification's workflow id and input, made by the rectification module's start path:
     * its body schema and its plan (master data, due-date rule, calendar, assignees). A refusal there is
     * a non-retryable failure with the refusal's code, for the examination to record.
     */
    async planLinkedRectification(r: LinkedRectificationRequest): Promise<{ workflowId: string; input: RectificationInput }> {
      const parsed = StartRectificationBody.safeParse({
        feedbackId: linkedRectificationFeedbackId(r.examinationId),
        title: `${r.title} · 整改`.slice(0, 200),
        inspectionGroup: `政治素质考察 ${r.examinationWorkflowId}`.slice(0, 200),
        feedbackDate: r.feedbackDate,
        inspectionOfficeUnitId: r.inspectionOfficeUnitId,
        problems: r.problems.map((p, i) => ({
          no: String(i + 1),
          title: p.text.slice(0, 200),
          description: `${DIMENSION_LABELS[p.dimension]} · ${p.findingId}${p.evidenceRefs.length ? ` · ${p.evidenceRefs.join('; ')}` : ''}`.slice(0, 4000),
          difficulty: r.difficulty,
          leadUnitId: r.departmentUnitId,
          assignments: [{ unitId: r.unitId, dueDate: r.dueDate }],
        })),
        // No 整改报告 (on by default for an inspection's feedback, 巡视工作条例): an examination's findings have none.
        report: false,
      });
      if (!parsed.success) throw ApplicationFailure.nonRetryable(`the linked rectification does not fit its schema: ${parsed.error.issues[0]?.path.join('.') ?? ''}`, 'validation_error');
      const start = rectificationProcedure.start;
      if (!start) throw ApplicationFailure.nonRetryable('the rectification module has no start path', 'programming_error');
      try {
        const plan = await start.plan({
          em: deps.orm.em.fork(),
          user: { id: r.initiatorId, username: r.initiatorId, displayName: r.initiatorId, unitId: r.departmentUnitId, roles: ['staff'] },
          body: parsed.data,
        });
        return { workflowId: plan.workflowId, input: plan.input };
      } catch (err) {
        if (err instanceof ApiError) throw ApplicationFailure.nonRetryable(err.message, err.code);
        throw err;
      }
    },

    /** Writes the examination into the political-quality file once: a retry finds the row and writes nothing. */
    async archivePoliticalFile(e: FileEntryInput): Promise<{ written: boolean }> {
      const rows = await deps.orm.em.fork().execute<{ id: string }[]>(
        `insert into political_file_entry (id, examination_id, subject_kind, person_id, unit_id, title, examined_on, grade, plan_hash, evaluations, findings, use_of_result, rectification_workflow_id, acknowledged_at, statement)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?, ?) on conflict (id) do nothing returning id`,
        [
          e.id,
          e.examinationId,
          e.subject.kind,
          e.subject.kind === 'cadre' ? e.subject.personId : null,
          e.subject.unitId,
          e.title,
          e.examinedOn,
          e.grade,
          e.planHash,
          JSON.stringify(e.evaluations),
          JSON.stringify(e.findings),
          JSON.stringify(e.useOfResult),
          e.rectificationWorkflowId,
          e.acknowledgedAt,
          e.statement,
        ],
      );
      return { written: rows.length > 0 };
    },
  };
}
