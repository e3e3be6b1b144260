/**
 * The overdue ladder (挂账督办): what happens to an item still open after its due date. Data with
 * defaults per procedure type, so local practice can change it in one place.
 */
export const ESCALATION_RUNGS = ['supervisionNotice', 'warning', 'accountability'] as const;
export type EscalationRungName = (typeof ESCALATION_RUNGS)[number];

export interface EscalationRungRule {
  rung: EscalationRungName;
  /** Working days after the (effective) due date when the rung fires, at 09:00 China time; 0 = when it falls overdue. */
  workingDaysAfterDue: number;
  /** A warning sets a new final date this many working days after the due date. */
  finalDateWorkingDaysAfterDue?: number;
  /** Accountability fires when the final date set by the warning has passed. */
  atFinalDate?: boolean;
}

export const DEFAULT_ESCALATION_LADDERS: Record<string, EscalationRungRule[]> = {
  rectificationItem: [
    // 督办通知 at once, 预警 a week later with a new final date, 问责 once that date has passed too.
    { rung: 'supervisionNotice', workingDaysAfterDue: 0 },
    { rung: 'warning', workingDaysAfterDue: 5, finalDateWorkingDaysAfterDue: 15 },
    { rung: 'accountability', workingDaysAfterDue: 0, atFinalDate: true },
  ],
};

/** One rung as an absolute instant, computed by an activity and recorded in history. */
export interface EscalationStep {
  rung: EscalationRungName;
  at: string;
  /** The new final date a warning sets (YYYY-MM-DD). */
  finalDate?: string;
}
