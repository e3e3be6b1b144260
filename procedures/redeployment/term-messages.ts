/**
 * Messages and payloads of one dispatched cadre's term (任期) in 揭榜出征: the child procedure the
 * list (`redeployment`) starts per dispatched cadre through the kernel fan-out. The list imports this
 * module for the input, result and workflow id, so its shape is the agreed contract. Deterministic:
 * bundled into the workflow sandbox, so it imports types only.
 */
import type { ResolvedAssignees } from '../kernel/messages';

export const REDEPLOYMENT_TERM = 'redeploymentTerm' as const;

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
