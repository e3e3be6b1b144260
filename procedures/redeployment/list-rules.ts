/**
 * Rules of 揭榜出征's challenge list (`redeployment`, DOMAIN.md §3): the list's defaults, the shape of a
 * refusal every rule family returns (RuleProblem), and the list and its tasks as drafted and changed. Pure:
 * no I/O, no clock; bundled into the workflow, and the API's checks call the same functions.
 */
import { isValidDate } from '../../domain/dates';
import { gradeRank } from '../../domain/grades';
import {
  RedeploymentRefusal,
  type ChallengeTask,
  type ChallengeTaskInput,
  type ListRules,
} from './messages';

export const DEFAULT_LIST_RULES: ListRules = {
  maxApplications: 2,
  // 退出领导岗位 cadres are mostly in their fifties; a task may set a lower limit of its own.
  maxAge: 60,
  healthValidMonths: 12,
  reportEveryMonths: 1,
  reportWorkingDays: 5,
};

/**
 * When the list continues as new unless its rules say otherwise: under the 4,096 events a run should keep
 * to, with room for the Updates still being handled while it drains and for the meeting's vote.
 */
export const DEFAULT_LIST_HISTORY_EVENTS = 3500;

export interface RuleProblem {
  code: string;
  message: string;
  details: Record<string, unknown> & { field: string };
}
export const problem = (code: string, field: string, message: string, extra: Record<string, unknown> = {}): RuleProblem => ({ code, message: `${field}: ${message}`, details: { field, ...extra } });


// --- the list --------------------------------------------------------------------------------------

const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

/** Why one task is not acceptable, naming the field under `at` (e.g. `tasks[2]`), or null. */
export function taskProblem(t: ChallengeTaskInput, at: string): RuleProblem | null {
  const bad = (field: string, message: string): RuleProblem => problem(RedeploymentRefusal.invalidTask, `${at}.${field}`, message);
  if (!TASK_ID.test(t.taskId)) return bad('taskId', 'must be 1–32 letters, digits, "_", "." or "-"');
  if (!t.title.trim()) return bad('title', 'must not be blank');
  if (!t.description.trim()) return bad('description', 'must not be blank');
  if (!t.hostUnitId.trim()) return bad('hostUnitId', 'must name the host unit');
  if (!isValidDate(t.term.start)) return bad('term.start', 'must be a YYYY-MM-DD date');
  if (!isValidDate(t.term.end)) return bad('term.end', 'must be a YYYY-MM-DD date');
  if (t.term.end <= t.term.start) return bad('term.end', 'the term must end after it starts');
  if (!Number.isInteger(t.people) || t.people < 1 || t.people > 100) return bad('people', 'must be a whole number from 1 to 100');
  const r = t.requirements;
  if (r.grades?.min && r.grades.max && gradeRank(r.grades.min) > gradeRank(r.grades.max)) return bad('requirements.grades', 'min must not be above max');
  if (r.maxAge !== undefined && (!Number.isInteger(r.maxAge) || r.maxAge < 18 || r.maxAge > 80)) return bad('requirements.maxAge', 'must be a whole number of years from 18 to 80');
  if (r.fields?.some((f) => !f.trim())) return bad('requirements.fields', 'a field must not be blank');
  return null;
}

/** Why a list of tasks is not acceptable: empty, a task id twice, or a task's own problem. */
export function listProblem(tasks: readonly ChallengeTaskInput[], at = 'tasks'): RuleProblem | null {
  if (tasks.length === 0) return problem(RedeploymentRefusal.invalidTask, at, 'a list needs at least one task');
  const seen = new Set<string>();
  for (const [i, t] of tasks.entries()) {
    const p = taskProblem(t, `${at}[${i}]`);
    if (p) return p;
    if (seen.has(t.taskId)) return problem(RedeploymentRefusal.invalidTask, `${at}[${i}].taskId`, 'appears twice in the list');
    seen.add(t.taskId);
  }
  return null;
}

/** A task with a change applied. */
export function changedTask(t: ChallengeTask, changes: Partial<Omit<ChallengeTaskInput, 'taskId'>>): ChallengeTask {
  return { ...t, ...changes, taskId: t.taskId, term: changes.term ?? t.term, requirements: changes.requirements ?? t.requirements };
}
