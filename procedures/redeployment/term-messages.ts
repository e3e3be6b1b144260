/**
 * Messages and payloads of one dispatched cadre's term (任期) in 揭榜出征: the child procedure the
 * list (`redeployment`) starts per dispatched cadre through the kernel fan-out. The list imports this
 * module for the input, result and workflow id, so its shape is the agreed contract. Deterministic:
 * bundled into the workflow sandbox, so it imports only @temporalio/workflow and types.
 */
import { defineUpdate } from '@temporalio/workflow';
import type { ActResult, ResolvedAssignees } from '../kernel/messages';

export const REDEPLOYMENT_TERM = 'redeploymentTerm' as const;

/**
 * The term's task verbs (POST /tasks/:taskId/actions). Named for the term, since every module's verbs
 * share one discriminated union in the API and the list has reports and assessments of its own.
 */
export const TermAction = { report: 'submitReport', confirm: 'confirmReport', assess: 'assessTerm' } as const;

/** Assessment grades of the term-end assessment (任期考核). */
export const TERM_GRADES = ['优秀', '合格', '基本合格', '不合格'] as const;
export type TermGrade = (typeof TERM_GRADES)[number];

/** Why the department ends a term early (提前终止). */
export const TERMINATION_REASONS = ['health', 'misconduct', 'taskEnded'] as const;
export type TerminationReason = (typeof TERMINATION_REASONS)[number];

export interface RedeploymentTermInput {
  /** The list procedure that started this term (its parent). */
  listWorkflowId: string;
  listId: string;
  taskId: string;
  taskTitle: string;
  hostUnitId: string;
  personId: string;
  /** The cadre's user id: the only one who may file a report. */
  cadreUserId: string;
  /** The organisation department that assesses and may end the term early. */
  departmentUnitId: string;
  /** Calendar dates YYYY-MM-DD (China time), end inclusive. */
  term: { start: string; end: string };
  /** Report period length in months (1 = monthly, the default), set per list. */
  reportEveryMonths: number;
  /** Working days after each period's end by which its report is due. */
  reportWorkingDays: number;
  /**
   * Resolved by the API when the list started, keyed by the kernel's ruleKey: the host unit's head
   * (`head@<hostUnitId>`) and staff (`role:staff@<hostUnitId>`), the department's staff and approver
   * (`role:staff@<departmentUnitId>`, `role:approver@<departmentUnitId>`).
   */
  assignees: ResolvedAssignees;
  initiatorId: string;
}

export interface RedeploymentTermResult {
  workflowId: string;
  personId: string;
  taskId: string;
  hostUnitId: string;
  /** The department's final grade; null when the term was closed without assessment. */
  grade: TermGrade | null;
  endedEarly: boolean;
  /** The early-termination reason (health, misconduct, taskEnded). */
  reason?: string;
  /** Reports filed by their due instant, and reports whose period had ended by the term's close. */
  reportsOnTime: number;
  reportsDue: number;
  /** 优秀: a 送奖到岗 recognition row was written. */
  recognised: boolean;
  /** 不合格: an accountability follow-up row was written. */
  accountability: boolean;
  closedAt: string;
}

export const redeploymentTermWorkflowId = (listId: string, taskId: string, personId: string): string =>
  `redeployment-${listId}-t${taskId}-${personId}`;

/** Why the term refuses an action or a command: the ApplicationFailure type and the API's error code. */
export const TermRefusal = {
  /** A report filed (or handed on) by anyone but the cadre. */
  notCadre: 'not_cadre',
  invalidReport: 'invalid_report',
  /** An assessment before the term has ended, and it did not end early. */
  termNotEnded: 'term_not_ended',
  gradeNotInSet: 'grade_not_in_set',
  /** 优秀 needs its achievements listed; 不合格 its follow-up. */
  assessmentIncomplete: 'assessment_incomplete',
  /** Early termination by anyone but the department. */
  notDepartment: 'not_department',
  invalidReason: 'invalid_termination_reason',
  /** Early termination of a term already ended or being assessed. */
  termClosed: 'term_closed',
} as const;

/** One report period (报告期), from the term's start date: dates inclusive, YYYY-MM-DD. */
export interface ReportPeriod {
  no: number;
  start: string;
  end: string;
}

/** The term's timetable as instants, computed by an activity and recorded in history. */
export interface TermSchedule {
  /** Each period with the instant it ends (the start of the next China day), when its report task opens. */
  periods: (ReportPeriod & { endsAt: string })[];
  /** The end of the term's last day in China time: the assessment opens then. */
  termEndsAt: string;
}

export interface ReportData {
  /** What was done in the period. */
  summary: string;
  achievements?: string[];
  problems?: string;
}

export interface AssessmentData {
  grade: TermGrade;
  achievements: string[];
  comment?: string;
  /** 不合格: the accountability follow-up (问责跟进) the department records. */
  followUp?: string;
}

export const TERM_STATUSES = ['open', 'assessed'] as const;
export type TermStatus = (typeof TERM_STATUSES)[number];
/** reports: the term runs with its monthly reports; assessment: host unit then department. */
export type TermStage = 'reports' | 'hostAssessment' | 'departmentAssessment' | TermStatus;

export type ReportStatus = 'waiting' | 'open' | 'reported' | 'confirmed' | 'cancelled';

export interface ReportView {
  no: number;
  start: string;
  end: string;
  status: ReportStatus;
  deadlines: { dueAt: string; remindAt: string; effectiveDueDate: string } | null;
  reportedAt: string | null;
  onTime: boolean | null;
  confirmedAt: string | null;
  overdue: boolean;
  escalations: { rung: string; at: string; finalDate?: string }[];
  report: ReportData | null;
}

export interface TermCommand {
  action: 'terminate';
  reason: TerminationReason;
  note?: string;
}
export type TermCommandInput = TermCommand & { actorId: string; actorRoles: string[]; actorUnitId: string };

export type TermAck = ActResult & { seq: number };
/** The department's commands on a term (early termination, with a reason). */
export const termUpdate = defineUpdate<TermAck, [TermCommandInput]>('term');
