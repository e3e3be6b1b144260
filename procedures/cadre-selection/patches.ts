/**
 * The patches of the cadre selection workflow: each names a change to the commands a running selection
 * issues, so a selection started before it replays as it ran (a selection lives for about a year). The
 * recorded histories that prove it are listed in index.ts.
 */

/** Patch: at most the post's positions proceed from the committee's vote (withinPositions). */
export const SELECTION_WITHIN_POSITIONS = 'selection-within-positions';
/** Patch: candidates are checked as of the eligibility cut-off (eligibilityCutoff), not the day the check runs. */
export const SELECTION_ELIGIBILITY_CUTOFF = 'selection-eligibility-cutoff';
/** Patch: a revision that changes the post after the nomination voids the recommendation and goes back to nomination. */
export const SELECTION_POST_CHANGE_RENOMINATES = 'selection-post-change-renominates';
/** Patch: a postponement waits until its date, reminds the staff, then takes the final decision. */
export const SELECTION_POSTPONEMENT_WAITS = 'selection-postponement-waits';
/** Patch: 暂缓表决 before the vote closes the open ballots and opens the vote again without the deferred. */
export const SELECTION_DEFER_VOTE = 'selection-defer-vote';
/** Patch: after the notice the appointment (date, 任职通知, 任职谈话) is recorded; the probation runs from it, where it applies. */
export const SELECTION_APPOINTMENT_RECORDED = 'selection-appointment-recorded';
/** Patch: 回避 — the committee members related to a candidate are read when the vote opens, and their ballots refused. */
export const SELECTION_RECUSAL = 'selection-recusal';
/** Patch: 复议 agreed during the public notice reopens the vote on the candidate once the notice has ended. */
export const SELECTION_RECONSIDERATION = 'selection-reconsideration';
/**
 * Patch: the committee's vote belongs to a recorded meeting (《条例》 art. 28): its ballot tasks open when the meeting is
 * opened with its date and attendance, for the members present, and the vote ends once the minutes are attached.
 */
export const SELECTION_MEETING = 'selection-meeting';
