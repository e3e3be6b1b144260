/**
 * Rules of the approval kernel that the API and the workflows both apply: written once, here, and
 * called from the workflow's Update validator; the API's schemas refer to the same functions.
 */

/** 退回 needs a reason. Returns the problem, or null. */
export function returnProblem(comment: string | undefined): string | null {
  return comment?.trim() ? null : 'a return (退回) needs a reason in comment';
}

/** Why a supervisor's reassignment (转办 of someone else's stuck task) cannot go ahead, or null. */
export function reassignProblem(comment: string | undefined): string | null {
  return comment?.trim() ? null : 'a supervisor reassigning a task needs the reason in comment';
}

/** The unit ids an assignee rule list names, sorted and distinct, for the procedure's unit list. */
export function unitsOf(rules: readonly ({ unitId: string } | { userId: string })[]): string[] {
  return [...new Set(rules.flatMap((r) => ('unitId' in r ? [r.unitId] : [])))].sort();
}
