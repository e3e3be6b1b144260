/**
 * Activities of a 揭榜出征 term: its timetable as instants, each report's working-day deadline (the
 * calendar changes over time, so the answer is recorded in history and a running term never moves),
 * and the outcome on the person's file. Each is idempotent: the record row is keyed by the term's
 * workflow id and kind.
 */
import { calendarFailure, calendarOf, type ActivityDeps } from '../../activities/kernel';
import { yearOf } from '../../domain/dates';
import type { Deadlines } from '../kernel/deadline';
import { endOfChinaDay, reportDeadlines } from './term-deadlines';
import type { TermSchedule } from './term-messages';
import { reportSchedule } from './term-rules';

export interface RedeploymentRecordInput {
  kind: 'recognition' | 'accountability';
  termWorkflowId: string;
  listId: string;
  taskId: string;
  taskTitle: string;
  personId: string;
  hostUnitId: string;
  grade: string;
  achievements: string[];
  followUp: string | null;
  recordedBy: string;
}

export const redeploymentRecordId = (termWorkflowId: string, kind: string): string => `${termWorkflowId}:${kind}`;

export function createTermActivities(deps: ActivityDeps) {
  const calendar = calendarOf(deps);
  return {
    /** The term's report periods and when each ends, and when the term ends: the ends of China days. */
    async redeploymentTermSchedule(input: { term: { start: string; end: string }; reportEveryMonths: number }): Promise<TermSchedule> {
      const periods = reportSchedule(input.term, input.reportEveryMonths).map((p) => ({ ...p, endsAt: endOfChinaDay(p.end) }));
      return { periods, termEndsAt: endOfChinaDay(input.term.end) };
    },

    /** One report's deadline: `workingDays` working days after its period's last day, `from`. */
    async redeploymentReportDeadline(input: { from: string; workingDays: number }): Promise<Deadlines> {
      const y = yearOf(input.from);
      const overrides = await calendar([y, y + 1]);
      try {
        return reportDeadlines(input.from, input.workingDays, overrides);
      } catch (err) {
        throw calendarFailure(err);
      }
    },

    /** Writes the recognition (送奖到岗) or accountability row once: a retry finds it and writes nothing. */
    async recordRedeploymentOutcome(r: RedeploymentRecordInput): Promise<{ id: string; written: boolean }> {
      const id = redeploymentRecordId(r.termWorkflowId, r.kind);
      const rows = await deps.orm.em.fork().execute<{ id: string }[]>(
        `insert into redeployment_record (id, kind, term_workflow_id, list_id, task_id, task_title, person_id, host_unit_id, grade, achievements, follow_up, recorded_by)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?) on conflict (id) do nothing returning id`,
        [id, r.kind, r.termWorkflowId, r.listId, r.taskId, r.taskTitle, r.personId, r.hostUnitId, r.grade, JSON.stringify(r.achievements), r.followUp, r.recordedBy],
      );
      return { id, written: rows.length > 0 };
    },
  };
}
