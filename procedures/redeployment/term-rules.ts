/**
 * The rules of one cadre's term (任期) in 揭榜出征, pure: the report schedule, who may report, the
 * assessment and its outcomes, early termination. The workflow's Update validators and the API ask
 * these, so a refusal is decided before anything is recorded. Deterministic: bundled into the
 * workflow sandbox. The working-day deadline of a report is not here: the calendar changes over time,
 * so it is computed by an activity (term-deadlines.ts).
 */
import { addDays, addMonths, isValidDate } from '../../domain/dates';
import type { EscalationRungRule } from '../kernel/deadline';
import {
  TERM_GRADES,
  TERMINATION_REASONS,
  TermAction,
  TermRefusal,
  type AssessmentData,
  type ReportData,
  type ReportPeriod,
  type TermGrade,
} from './term-messages';

export interface RuleProblem {
  code: string;
  message: string;
  details: { field: string } & Record<string, unknown>;
}
const problem = (code: string, field: string, message: string, extra: Record<string, unknown> = {}): RuleProblem => ({ code, message: `${field}: ${message}`, details: { field, ...extra } });

/** Monthly reports unless the list says otherwise; a report is due this many working days after its period. */
export const DEFAULT_REPORT_EVERY_MONTHS = 1;
export const DEFAULT_REPORT_WORKING_DAYS = 5;
/** The reminder (提醒) goes out this many working days before a report's due date. */
export const REPORT_REMINDER_WORKING_DAYS = 2;

/**
 * A missing report's ladder: the kernel watcher's reminder before the due date (提醒), the urge when it
 * falls overdue (催报, flagged overdue and told to supervisors), then a supervision notice (督办通知)
 * some working days later. A report is a duty of the cadre, not a rectification, so the ladder stops
 * there: warning and accountability belong to the term-end assessment.
 */
export const REPORT_SUPERVISION_WORKING_DAYS = 3;
export const REPORT_ESCALATION_LADDER: readonly EscalationRungRule[] = [{ rung: 'supervisionNotice', workingDaysAfterDue: REPORT_SUPERVISION_WORKING_DAYS }];
export const REPORT_LADDER_LABELS = ['提醒 (remind, before the due date)', '催报 (urge, at the due date: overdue)', '督办通知 (supervision notice)'] as const;

/** Problems with a list's report settings or a term's dates; null when fine. */
export function termProblem(term: { start: string; end: string }, everyMonths: number, workingDays: number): RuleProblem | null {
  if (!isValidDate(term.start)) return problem('invalid_input', 'term.start', 'must be a date YYYY-MM-DD');
  if (!isValidDate(term.end)) return problem('invalid_input', 'term.end', 'must be a date YYYY-MM-DD');
  if (term.end < term.start) return problem('invalid_input', 'term.end', 'must not be before term.start');
  if (!Number.isInteger(everyMonths) || everyMonths < 1 || everyMonths > 12) return problem('invalid_input', 'reportEveryMonths', 'must be a whole number of months from 1 to 12');
  if (!Number.isInteger(workingDays) || workingDays < 1 || workingDays > 30) return problem('invalid_input', 'reportWorkingDays', 'must be a whole number of working days from 1 to 30');
  return null;
}

/**
 * The report periods of a term: every `everyMonths` months from the start date (a term from 03-15
 * has periods 03-15..04-14, 04-15..05-14, …), the last one cut at the term's end. A month-end start
 * keeps its day where the month has it (addMonths clamps), so no period is skipped.
 */
export function reportSchedule(term: { start: string; end: string }, everyMonths: number = DEFAULT_REPORT_EVERY_MONTHS): ReportPeriod[] {
  const periods: ReportPeriod[] = [];
  for (let k = 0; ; k++) {
    const start = addMonths(term.start, k * everyMonths);
    if (start > term.end) break;
    const next = addMonths(term.start, (k + 1) * everyMonths);
    const end = addDays(next, -1) < term.end ? addDays(next, -1) : term.end;
    periods.push({ no: k + 1, start, end });
  }
  return periods;
}

/** Only the cadre files their report, and a report is not handed on (转办) to someone else. */
export function reportActorProblem(cadreUserId: string, actorId: string, action: string): RuleProblem | null {
  if (action === 'transfer') return problem(TermRefusal.notCadre, 'action', 'a progress report is the cadre’s own duty and is not transferred');
  if (action === TermAction.report && actorId !== cadreUserId) return problem(TermRefusal.notCadre, 'taskId', 'only the dispatched cadre files their own progress report');
  return null;
}

export function reportProblem(data: Partial<ReportData> | undefined): RuleProblem | null {
  if (!data || typeof data.summary !== 'string' || !data.summary.trim()) return problem(TermRefusal.invalidReport, 'data.summary', 'a report says what was done in the period');
  return null;
}

export interface AssessmentWindow {
  /** The term's end instant has passed. */
  termEnded: boolean;
  /** The department ended the term early. */
  endedEarly: boolean;
}

/**
 * An assessment is made once the term has ended, or at once after an early termination; the grade is
 * one of 优秀/合格/基本合格/不合格 with the achievements listed (优秀 needs at least one: it is what
 * the recognition names), and the department's 不合格 records the accountability follow-up.
 */
export function assessmentProblem(w: AssessmentWindow, data: Partial<AssessmentData> | undefined, finalStep: boolean): RuleProblem | null {
  if (!w.termEnded && !w.endedEarly) return problem(TermRefusal.termNotEnded, 'action', 'a term is assessed after it ends, unless the department ended it early');
  if (!data || !(TERM_GRADES as readonly string[]).includes(data.grade as string)) return problem(TermRefusal.gradeNotInSet, 'data.grade', `must be one of ${TERM_GRADES.join(', ')}`);
  if (!Array.isArray(data.achievements) || data.achievements.some((a) => typeof a !== 'string' || !a.trim())) {
    return problem(TermRefusal.assessmentIncomplete, 'data.achievements', 'lists the achievements, one non-empty text each');
  }
  if (data.grade === '优秀' && data.achievements.length === 0) return problem(TermRefusal.assessmentIncomplete, 'data.achievements', '优秀 lists at least one achievement, for the recognition');
  if (finalStep && data.grade === '不合格' && !data.followUp?.trim()) return problem(TermRefusal.assessmentIncomplete, 'data.followUp', '不合格 records the accountability follow-up');
  return null;
}

/** What a final grade leads to: recognition at the post (送奖到岗) for 优秀, accountability for 不合格. */
export function outcomeOf(grade: TermGrade | null): 'recognition' | 'accountability' | null {
  if (grade === '优秀') return 'recognition';
  if (grade === '不合格') return 'accountability';
  return null;
}

/** Only the organisation department (its staff or approvers) ends a term early, with one of the reasons. */
export function terminationProblem(
  actor: { unitId: string; roles: readonly string[] },
  departmentUnitId: string,
  reason: unknown,
  open: boolean,
): RuleProblem | null {
  const department = actor.unitId === departmentUnitId && (actor.roles.includes('staff') || actor.roles.includes('approver'));
  if (!department) return problem(TermRefusal.notDepartment, 'actor', 'only the organisation department ends a term early');
  if (!(TERMINATION_REASONS as readonly string[]).includes(reason as string)) return problem(TermRefusal.invalidReason, 'reason', `must be one of ${TERMINATION_REASONS.join(', ')}`);
  if (!open) return problem(TermRefusal.termClosed, 'action', 'the term has already ended or is being assessed');
  return null;
}

/** A report is on time when it was filed by its due instant. */
export const reportOnTime = (reportedAt: string, dueAt: string): boolean => Date.parse(reportedAt) <= Date.parse(dueAt);
