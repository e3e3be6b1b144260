/**
 * Rules of the rectification procedure (巡视整改, DOMAIN.md §4), kept as data with defaults so a
 * local practice can change them in one place. Pure: imported by the workflow and the API.
 */
import { addMonths } from '../../domain/dates';
import type { EscalationRungRule } from '../kernel/deadline';
import type { Difficulty, ItemResult, ProblemSummary, RectificationSummary, ReportAssignee, ReportResult, UnitSummary } from './messages';

export interface RectificationRules {
  /** Default time limit per difficulty grade, in months after the feedback date. */
  dueMonthsByDifficulty: Record<Difficulty, number>;
  /** Items are done within a year at most. */
  maxDueMonths: number;
  /** The reminder goes out this many working days before the due date. */
  reminderWorkingDays: number;
  /** The rectification report (整改报告) is due this many months after the feedback date. */
  reportDueMonths: number;
  /** How often a report whose due date's year the calendar does not cover yet asks again, in ms. */
  calendarRetryMs: number;
}

export const defaultRectificationRules: RectificationRules = {
  // 立行立改 within a month; ordinary items within 6 months; hard, long-term items within a year.
  dueMonthsByDifficulty: { immediate: 1, normal: 6, hard: 12 },
  maxDueMonths: 12,
  reminderWorkingDays: 3,
  // 《中国共产党巡视工作条例》(2017), on 整改: the inspected party organization sends its rectification report
  // (整改情况报告) and its principal leader's report within 2 months of receiving the feedback.
  reportDueMonths: 2,
  // A year is loaded once (PUT /calendar/years/:year); a day's delay in noticing it is far inside 2 months.
  calendarRetryMs: 24 * 3600_000,
};

/** The date the unit's rectification report (整改报告) is due: 2 months after the feedback (巡视工作条例, 整改). */
export function reportDueDate(feedbackDate: string, rules: RectificationRules = defaultRectificationRules): string {
  return addMonths(feedbackDate, rules.reportDueMonths);
}

/**
 * The unit's Party secretary signs the report, as the one chiefly responsible for rectification
 * (巡视工作条例: the party committee bears 整改主体责任 and its secretary is 第一责任人, who also reports on their own part). Without a
 * secretary in master data (unit_office_holder holding on the feedback date, linked to a user), the unit's head.
 * Null when the unit has neither: the start is refused, since nobody could take the task.
 */
export function reportAssignee(secretaryUserIds: readonly string[], headUserId: string | null): ReportAssignee | null {
  const secretary = [...secretaryUserIds].sort()[0];
  if (secretary) return { userId: secretary, as: 'partySecretary' };
  return headUserId ? { userId: headUserId, as: 'unitHead' } : null;
}

/** 三张清单 of one problem, as the rule reads them (the problem list is the feedback's problems). */
export interface ListsOfProblem {
  leadUnitId: string;
  assignments: readonly { unitId: string }[];
  tasks?: readonly { no: string }[];
  responsibilities?: readonly { taskNo: string; unitId: string }[];
}

export interface ListsProblem {
  /** Path within the problem, e.g. "responsibilities[1].taskNo". */
  path: string;
  message: string;
}

/**
 * 三张清单 (问题清单、任务清单、责任清单; common practice of 巡视整改, after the 整改方案 巡视工作条例 asks for):
 * every task of a problem has at least one responsibility (责任到人), every responsibility names a task of that
 * problem, and the unit it names is one the problem is assigned to or its lead department. A problem without
 * tasks keeps the old shape (its assignments are its lists); responsibilities without tasks are refused.
 * Null when the lists hold.
 */
export function listsProblem(p: ListsOfProblem): ListsProblem | null {
  const tasks = p.tasks ?? [];
  const resp = p.responsibilities ?? [];
  const taskNos = new Set<string>();
  for (const [i, t] of tasks.entries()) {
    if (taskNos.has(t.no)) return { path: `tasks[${i}].no`, message: `task number ${t.no} appears twice` };
    taskNos.add(t.no);
  }
  const units = new Set([p.leadUnitId, ...p.assignments.map((a) => a.unitId)]);
  const covered = new Set<string>();
  for (const [i, r] of resp.entries()) {
    if (!taskNos.has(r.taskNo)) return { path: `responsibilities[${i}].taskNo`, message: `names no task of this problem (${r.taskNo})` };
    if (!units.has(r.unitId)) return { path: `responsibilities[${i}].unitId`, message: 'must be a unit the problem is assigned to, or its lead department' };
    covered.add(r.taskNo);
  }
  for (const [i, t] of tasks.entries()) {
    if (!covered.has(t.no)) return { path: `tasks[${i}]`, message: `task ${t.no} has no responsibility (责任清单): name its responsible unit` };
  }
  return null;
}

export function defaultDueDate(
  feedbackDate: string,
  difficulty: Difficulty,
  rules: RectificationRules = defaultRectificationRules,
): string {
  return addMonths(feedbackDate, rules.dueMonthsByDifficulty[difficulty]);
}

/** Why a due date is unacceptable, or null when it is fine. */
export function dueDateProblem(
  feedbackDate: string,
  dueDate: string,
  rules: RectificationRules = defaultRectificationRules,
): string | null {
  if (dueDate <= feedbackDate) return `must be after the feedback date ${feedbackDate}`;
  const latest = addMonths(feedbackDate, rules.maxDueMonths);
  if (dueDate > latest) return `must be within ${rules.maxDueMonths} months of the feedback, by ${latest}`;
  return null;
}

/**
 * The overdue ladder (挂账督办) of an item: 督办通知 at once, 预警 a week later with a new final date,
 * 问责 once that date has passed too.
 */
export const ITEM_ESCALATION_LADDER: readonly EscalationRungRule[] = [
  { rung: 'supervisionNotice', workingDaysAfterDue: 0 },
  { rung: 'warning', workingDaysAfterDue: 5, finalDateWorkingDaysAfterDue: 15 },
  { rung: 'accountability', workingDaysAfterDue: 0, atFinalDate: true },
];

/**
 * The running counts of a feedback's ended items. A full-coverage feedback folds each item's result in
 * as it reports and keeps only these counts, bounded by its units, across continue-as-new.
 */
export interface RectificationTally {
  signedOff: number;
  withdrawn: number;
  /** Absent in a tally carried by a run before it existed: read as 0. */
  withdrawnLate?: number;
  onTime: number;
  /** The unit's part (ItemResult.submittedOnTime). Absent in a tally carried from before it existed: read as 0. */
  submittedOnTime?: number;
  /** Per unit: [items, signedOff, onTime, submittedOnTime]; the fourth is absent in tallies from before it. */
  perUnit: Record<string, [number, number, number] | [number, number, number, number]>;
  /**
   * Per problem number: [items, signedOff, onTime, submittedOnTime, withdrawnLate]. Absent in a tally carried from a
   * run before it: it is then never started half-way (its counts would miss the items already folded), and the
   * summary has no perProblem.
   */
  perProblem?: Record<string, [number, number, number, number, number]>;
  /** The units' 整改报告: [reports ended, submitted, onTime, withdrawn, withdrawnLate, failed]; absent without reports. */
  reports?: [number, number, number, number, number, number];
}

/** A report's procedure failed: counted with the reports, not among the feedback's failed items. */
export function tallyFailedReport(t: RectificationTally): RectificationTally {
  const [n, submitted, onTime, withdrawn, withdrawnLate, failed] = t.reports ?? [0, 0, 0, 0, 0, 0];
  t.reports = [n + 1, submitted, onTime, withdrawn, withdrawnLate, failed + 1];
  return t;
}

/** Adds one ended report (整改报告): withdrawn after its deadline it was due, as an item. */
export function tallyReport(t: RectificationTally, r: ReportResult): RectificationTally {
  const [n, submitted, onTime, withdrawn, withdrawnLate, failed] = t.reports ?? [0, 0, 0, 0, 0, 0];
  const late = r.status === 'withdrawn' && Date.parse(r.closedAt) > Date.parse(r.dueAt);
  t.reports = [n + 1, submitted + (r.status === 'submitted' ? 1 : 0), onTime + (r.onTime ? 1 : 0), withdrawn + (r.status === 'withdrawn' ? 1 : 0), withdrawnLate + (late ? 1 : 0), failed];
  return t;
}

export const emptyTally = (): RectificationTally => ({ signedOff: 0, withdrawn: 0, withdrawnLate: 0, onTime: 0, submittedOnTime: 0, perUnit: {}, perProblem: {} });

/**
 * Adds one ended item. An item withdrawn before its deadline was never due, so it counts towards neither on
 * time nor late; one withdrawn after it (a supervisor's decision) was due and is not on time.
 */
export function tallyItem(t: RectificationTally, r: ItemResult): RectificationTally {
  const signed = r.status === 'signedOff';
  const onTime = signed && r.onTime;
  // A result from before submittedOnTime: signed off on time means submitted on time too.
  const submitted = signed && (r.submittedOnTime ?? r.onTime);
  const [items, unitSigned, unitOnTime, unitSubmitted = 0] = t.perUnit[r.unitId] ?? [0, 0, 0, 0];
  t.perUnit[r.unitId] = [items + 1, unitSigned + (signed ? 1 : 0), unitOnTime + (onTime ? 1 : 0), unitSubmitted + (submitted ? 1 : 0)];
  if (t.perProblem) {
    const [pItems, pSigned, pOnTime, pSubmitted, pWithdrawnLate] = t.perProblem[r.problemNo] ?? [0, 0, 0, 0, 0];
    t.perProblem[r.problemNo] = [pItems + 1, pSigned + (signed ? 1 : 0), pOnTime + (onTime ? 1 : 0), pSubmitted + (submitted ? 1 : 0), pWithdrawnLate + (r.withdrawnLate ? 1 : 0)];
  }
  if (submitted) t.submittedOnTime = (t.submittedOnTime ?? 0) + 1;
  if (signed) t.signedOff += 1;
  else {
    t.withdrawn += 1;
    if (r.withdrawnLate) t.withdrawnLate = (t.withdrawnLate ?? 0) + 1;
  }
  if (onTime) t.onTime += 1;
  return t;
}

/** on time / due, rounded to 4 decimals; 1 when nothing was due. */
const onTimeRate = (onTime: number, due: number): number => (due === 0 ? 1 : Math.round((onTime / due) * 10_000) / 10_000);

/** The whole feedback's result once every item has ended: counts, on-time rate, per unit. */
export function summaryOf(
  feedbackId: string,
  t: RectificationTally,
  closedAt: string,
  failed = 0,
  /** 三张清单 per problem number, shown with the problem's counts. */
  lists: Readonly<Record<string, Pick<ProblemSummary, 'tasks' | 'responsibilities'>>> = {},
): RectificationSummary {
  return {
    feedbackId,
    items: t.signedOff + t.withdrawn + failed,
    signedOff: t.signedOff,
    withdrawn: t.withdrawn,
    withdrawnLate: t.withdrawnLate ?? 0,
    failed,
    onTime: t.onTime,
    submittedOnTime: t.submittedOnTime ?? 0,
    late: t.signedOff - t.onTime,
    // Over every item that was due: signed off, or withdrawn after its deadline.
    onTimeRate: onTimeRate(t.onTime, t.signedOff + (t.withdrawnLate ?? 0)),
    perUnit: Object.entries(t.perUnit)
      .map(([unitId, [items, signedOff, onTime, submittedOnTime = 0]]): UnitSummary => ({ unitId, items, signedOff, onTime, submittedOnTime }))
      .sort((a, b) => a.unitId.localeCompare(b.unitId)),
    ...(t.perProblem
      ? {
          perProblem: Object.entries(t.perProblem)
            .map(([problemNo, [items, signedOff, onTime, submittedOnTime, withdrawnLate]]): ProblemSummary => ({
              problemNo,
              items,
              signedOff,
              onTime,
              submittedOnTime,
              withdrawnLate,
              onTimeRate: onTimeRate(onTime, signedOff + withdrawnLate),
              ...lists[problemNo],
            }))
            // Problem numbers such as 1, 2, 10, 2.3 in reading order.
            .sort((a, b) => a.problemNo.localeCompare(b.problemNo, 'en', { numeric: true })),
        }
      : {}),
    ...(t.reports
      ? {
          reports: {
            units: t.reports[0],
            submitted: t.reports[1],
            onTime: t.reports[2],
            withdrawn: t.reports[3],
            failed: t.reports[5],
            onTimeRate: onTimeRate(t.reports[2], t.reports[1] + t.reports[4]),
          },
        }
      : {}),
    closedAt,
  };
}

/** The summary of a list of ended items. */
export function summarize(feedbackId: string, results: ItemResult[], closedAt: string, failed = 0): RectificationSummary {
  return summaryOf(feedbackId, results.reduce(tallyItem, emptyTally()), closedAt, failed);
}
