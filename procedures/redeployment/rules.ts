/**
 * Rules of 揭榜出征 (`redeployment`, DOMAIN.md §3) as pure functions: the list and its tasks, who may
 * apply and for how many tasks, the eligibility check against a task's requirements (the selection's
 * predicate style: each predicate with what it required, what it found, and the fact it used), the
 * two-way matching (双向选择) as a stable matching, adjustments, every command's refusal, and the
 * figures. The API's checks and the workflow's Update validator call the same functions. Pure: no I/O,
 * no clock (today is an argument); bundled into the workflow.
 */
import { addMonths, isValidDate } from '../../domain/dates';
import { GRADE_INFO, gradeRank } from '../../domain/grades';
import { KernelRefusal } from '../kernel/messages';
import {
  ELIGIBILITY_PREDICATES,
  RedeploymentRefusal,
  TERM_GRADES,
  type Adjustment,
  type Application,
  type ChallengeTask,
  type ChallengeTaskInput,
  type Dispatch,
  type EligibilityCheck,
  type EligibilityPredicate,
  type EligibilityResult,
  type FigureCounts,
  type HealthRecord,
  type ListFigures,
  type ListRules,
  type ListSnapshot,
  type Pair,
  type PersonFacts,
  type Proposal,
  type RedeploymentCommandInput,
  type RedeploymentStage,
  type TermOutcome,
  type TermTally,
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
const problem = (code: string, field: string, message: string, extra: Record<string, unknown> = {}): RuleProblem => ({ code, message: `${field}: ${message}`, details: { field, ...extra } });

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

// --- eligibility -----------------------------------------------------------------------------------

/** Age in whole years on `asOf` (the birthday counts). */
export function ageOn(birthDate: string, asOf: string): number {
  let years = Number(asOf.slice(0, 4)) - Number(birthDate.slice(0, 4));
  if (addMonths(birthDate, years * 12) > asOf) years -= 1;
  return years;
}

const HEALTH_ORDER: Record<HealthRecord['result'], number> = { fit: 2, fitWithLimits: 1, unfit: 0 };
const HEALTH_NAMES: Record<HealthRecord['result'], string> = { fit: '合格 (fit)', fitWithLimits: '基本合格 (fitWithLimits)', unfit: '不合格 (unfit)' };

/** The newest health record within the validity window, or null. */
export function latestHealth(records: readonly HealthRecord[], asOf: string, validMonths: number): HealthRecord | null {
  const from = addMonths(asOf, -validMonths);
  let best: HealthRecord | null = null;
  for (const r of records) if (r.date <= asOf && r.date >= from && (!best || r.date >= best.date)) best = r;
  return best;
}

const LABELS: Record<EligibilityPredicate, string> = {
  leftLeadershipPost: '已退出领导岗位 (left a leadership post)',
  maxAge: '年龄限制 (age limit)',
  gradeRange: '职级范围 (grade range)',
  fields: '专业领域 (skills or fields)',
  health: '身体状况 (health)',
};

const gradeName = (g: keyof typeof GRADE_INFO): string => `${GRADE_INFO[g].name} (${g})`;
const norm = (s: string): string => s.trim().toLowerCase();

/**
 * Checks a cadre against a task's requirements on `asOf`. Every predicate is reported, applicable or not,
 * in the order of ELIGIBILITY_PREDICATES; a predicate the task does not ask for passes as not applicable.
 */
export function checkEligibility(facts: PersonFacts, task: Pick<ChallengeTaskInput, 'taskId' | 'requirements'>, rules: ListRules, asOf: string): EligibilityCheck {
  const r = task.requirements;
  const results: Record<EligibilityPredicate, EligibilityResult> = {
    leftLeadershipPost: (() => {
      const on = facts.leftLeadershipPostOn;
      return {
        predicate: 'leftLeadershipPost',
        label: LABELS.leftLeadershipPost,
        applicable: true,
        passed: on !== null && on <= asOf,
        required: `退出领导岗位 on or before ${asOf}`,
        actual: on ?? 'not recorded',
        fact: `leftLeadershipPostOn=${on ?? 'null'}`,
      };
    })(),
    maxAge: (() => {
      const limit = r.maxAge ?? rules.maxAge;
      const age = ageOn(facts.birthDate, asOf);
      return { predicate: 'maxAge', label: LABELS.maxAge, applicable: true, passed: age <= limit, required: `≤ ${limit} 岁`, actual: `${age} 岁`, fact: `birthDate=${facts.birthDate}` };
    })(),
    gradeRange: (() => {
      const g = r.grades;
      if (!g?.min && !g?.max) return { predicate: 'gradeRange', label: LABELS.gradeRange, applicable: false, passed: true, required: 'any', actual: gradeName(facts.currentGrade), fact: `currentGrade=${facts.currentGrade}` };
      const rank = gradeRank(facts.currentGrade);
      const passed = (!g.min || rank >= gradeRank(g.min)) && (!g.max || rank <= gradeRank(g.max));
      return {
        predicate: 'gradeRange',
        label: LABELS.gradeRange,
        applicable: true,
        passed,
        required: `${g.min ? gradeName(g.min) : '…'} – ${g.max ? gradeName(g.max) : '…'}`,
        actual: gradeName(facts.currentGrade),
        fact: `currentGrade=${facts.currentGrade}`,
      };
    })(),
    fields: (() => {
      const wanted = (r.fields ?? []).map(norm);
      const has = new Set(facts.fields.map(norm));
      if (wanted.length === 0) return { predicate: 'fields', label: LABELS.fields, applicable: false, passed: true, required: 'any', actual: facts.fields.join('、') || 'none', fact: `fields=${facts.fields.join('|')}` };
      const all = r.fieldsMatch === 'all';
      const passed = all ? wanted.every((f) => has.has(f)) : wanted.some((f) => has.has(f));
      return {
        predicate: 'fields',
        label: LABELS.fields,
        applicable: true,
        passed,
        required: `${all ? 'all of' : 'one of'} ${(r.fields ?? []).join('、')}`,
        actual: facts.fields.join('、') || 'none',
        fact: `fields=${facts.fields.join('|')}`,
      };
    })(),
    health: (() => {
      const latest = latestHealth(facts.health, asOf, rules.healthValidMonths);
      const min = r.health ?? 'fitWithLimits';
      const passed = latest !== null && HEALTH_ORDER[latest.result] >= HEALTH_ORDER[min];
      return {
        predicate: 'health',
        label: LABELS.health,
        applicable: true,
        passed,
        required: `${HEALTH_NAMES[min]} or better, checked within ${rules.healthValidMonths} months`,
        actual: latest ? `${HEALTH_NAMES[latest.result]} on ${latest.date}` : `no record within ${rules.healthValidMonths} months`,
        fact: latest ? `health[${latest.date}]=${latest.result}` : `health=${facts.health.length} record(s)`,
      };
    })(),
  };
  const list = ELIGIBILITY_PREDICATES.map((p) => results[p]);
  return { personId: facts.personId, taskId: task.taskId, eligible: list.every((x) => x.passed), results: list, checkedOn: asOf };
}

/**
 * Who may apply at all (揭榜): recorded in master data as having left a leadership post, and within the
 * age limit of every task named. The rule is named in the refusal.
 */
export function applicantProblem(facts: PersonFacts, tasks: readonly Pick<ChallengeTaskInput, 'taskId' | 'requirements'>[], rules: ListRules, today: string): RuleProblem | null {
  if (facts.leftLeadershipPostOn === null || facts.leftLeadershipPostOn > today) {
    return problem(RedeploymentRefusal.notEligible, 'personId', 'rule leftLeadershipPost: the person is not recorded in master data as having left a leadership post (退出领导岗位)', { rule: 'leftLeadershipPost' });
  }
  const age = ageOn(facts.birthDate, today);
  for (const [i, t] of tasks.entries()) {
    const limit = t.requirements.maxAge ?? rules.maxAge;
    if (age > limit) return problem(RedeploymentRefusal.notEligible, `taskIds[${i}]`, `rule maxAge: the task's age limit is ${limit}; the person is ${age}`, { rule: 'maxAge', taskId: t.taskId });
  }
  return null;
}

// --- the two-way matching (双向选择) ---------------------------------------------------------------

export interface MatchingInput {
  /** Capacity = the task's number of people; ranking = the host unit's order, best first (unranked = not acceptable). */
  tasks: { taskId: string; capacity: number; ranking: readonly string[] }[];
  /** Preferences in order, best first. */
  cadres: { personId: string; preferences: readonly string[] }[];
}

export interface MatchingOutput {
  /** In task order, each task's cadres in the host unit's order. */
  pairs: Pair[];
  unmatchedTasks: { taskId: string; open: number }[];
  unmatchedCadres: string[];
}

/**
 * Deferred acceptance (Gale–Shapley), cadre-proposing, with capacities: each free cadre proposes to
 * their next preferred task; a task holds the best applicants up to its capacity by the host unit's
 * ranking and lets the worst go. The result is stable (no cadre and task who both prefer each other to
 * what they got) and the best stable result for every cadre; it does not depend on the order cadres are
 * processed in, so it is deterministic. O(total preferences × capacity).
 */
export function stableMatch(input: MatchingInput): MatchingOutput {
  const rank = new Map<string, Map<string, number>>();
  const cap = new Map<string, number>();
  const held = new Map<string, string[]>();
  for (const t of input.tasks) {
    rank.set(t.taskId, new Map(t.ranking.map((p, i) => [p, i] as const)));
    cap.set(t.taskId, t.capacity);
    held.set(t.taskId, []);
  }
  const prefs = new Map(input.cadres.map((c) => [c.personId, c.preferences] as const));
  const next = new Map<string, number>();
  const queue = input.cadres.map((c) => c.personId);
  for (let q = 0; q < queue.length; q++) {
    const p = queue[q] as string;
    const list = prefs.get(p) ?? [];
    let i = next.get(p) ?? 0;
    while (i < list.length) {
      const t = list[i++] as string;
      const r = rank.get(t)?.get(p);
      const c = cap.get(t) ?? 0;
      if (r === undefined || c < 1) continue;
      const h = held.get(t) as string[];
      if (h.length < c) {
        h.push(p);
        break;
      }
      let worst = 0;
      for (let k = 1; k < h.length; k++) if ((rank.get(t)?.get(h[k] as string) ?? 0) > (rank.get(t)?.get(h[worst] as string) ?? 0)) worst = k;
      const w = h[worst] as string;
      if (r < (rank.get(t)?.get(w) ?? Infinity)) {
        h[worst] = p;
        queue.push(w);
        break;
      }
    }
    next.set(p, i);
  }
  const pairs: Pair[] = [];
  const matched = new Set<string>();
  for (const t of input.tasks) {
    const r = rank.get(t.taskId) as Map<string, number>;
    for (const p of [...(held.get(t.taskId) ?? [])].sort((a, b) => (r.get(a) ?? 0) - (r.get(b) ?? 0))) {
      pairs.push({ taskId: t.taskId, personId: p });
      matched.add(p);
    }
  }
  return { pairs, ...unmatchedOf(input, pairs) };
}

/** Tasks with places left and cadres without a task, given pairs. */
export function unmatchedOf(input: MatchingInput, pairs: readonly Pair[]): Pick<MatchingOutput, 'unmatchedTasks' | 'unmatchedCadres'> {
  const taken = new Map<string, number>();
  for (const p of pairs) taken.set(p.taskId, (taken.get(p.taskId) ?? 0) + 1);
  const matched = new Set(pairs.map((p) => p.personId));
  return {
    unmatchedTasks: input.tasks.filter((t) => (taken.get(t.taskId) ?? 0) < t.capacity).map((t) => ({ taskId: t.taskId, open: t.capacity - (taken.get(t.taskId) ?? 0) })),
    unmatchedCadres: input.cadres.filter((c) => !matched.has(c.personId)).map((c) => c.personId),
  };
}

/** The pairs (cadre, task) that block a matching: both acceptable, each prefers the other to what it has. */
export function blockingPairs(input: MatchingInput, pairs: readonly Pair[]): Pair[] {
  const taskOf = new Map(pairs.map((p) => [p.personId, p.taskId] as const));
  const out: Pair[] = [];
  for (const c of input.cadres) {
    const mine = taskOf.get(c.personId);
    const limit = mine === undefined ? c.preferences.length : c.preferences.indexOf(mine);
    for (const t of c.preferences.slice(0, limit)) {
      const task = input.tasks.find((x) => x.taskId === t);
      if (!task) continue;
      const r = task.ranking.indexOf(c.personId);
      if (r < 0) continue;
      const holders = pairs.filter((p) => p.taskId === t).map((p) => task.ranking.indexOf(p.personId));
      if (holders.length < task.capacity || holders.some((h) => h > r)) out.push({ taskId: t, personId: c.personId });
    }
  }
  return out;
}

/** What the department's matching runs on: open tasks with their rankings, and eligible applicants' preferences. */
export function matchingInputOf(s: { tasks: readonly ChallengeTask[]; applications: readonly Application[]; checks: readonly EligibilityCheck[]; rankings: Record<string, { personIds: string[] }> }): MatchingInput {
  const ok = new Set(s.checks.filter((c) => c.eligible).map((c) => `${c.taskId}/${c.personId}`));
  const open = s.tasks.filter((t) => t.status === 'open');
  const openIds = new Set(open.map((t) => t.taskId));
  const prefs = new Map<string, string[]>();
  // The cadre's own applications first, in their order; nominations after, in the order made.
  for (const a of [...s.applications.filter((x) => x.source === 'application'), ...s.applications.filter((x) => x.source === 'nomination')]) {
    const list = prefs.get(a.personId) ?? [];
    for (const t of a.taskIds) if (openIds.has(t) && ok.has(`${t}/${a.personId}`) && !list.includes(t)) list.push(t);
    prefs.set(a.personId, list);
  }
  return {
    tasks: open.map((t) => ({ taskId: t.taskId, capacity: t.people, ranking: (s.rankings[t.taskId]?.personIds ?? []).filter((p) => ok.has(`${t.taskId}/${p}`)) })),
    cadres: [...prefs].filter(([, l]) => l.length > 0).map(([personId, preferences]) => ({ personId, preferences })),
  };
}

/** Why an adjustment of the proposal is refused, or null. */
export function adjustmentProblem(proposal: Proposal, input: MatchingInput, eligible: (taskId: string, personId: string) => boolean, a: Pick<Adjustment, 'action' | 'taskId' | 'personId' | 'reason'>): RuleProblem | null {
  const bad = (field: string, message: string): RuleProblem => problem(RedeploymentRefusal.invalidAdjustment, field, message);
  if (!a.reason.trim()) return bad('reason', 'every change to the proposal needs its reason');
  const task = input.tasks.find((t) => t.taskId === a.taskId);
  if (!task) return bad('taskId', 'is not an open task of the list');
  if (a.action === 'unassign') return proposal.pairs.some((p) => p.taskId === a.taskId && p.personId === a.personId) ? null : bad('personId', 'is not matched to this task');
  if (proposal.pairs.some((p) => p.personId === a.personId)) return bad('personId', 'is already matched; unassign them first');
  if (!eligible(a.taskId, a.personId)) return bad('personId', 'is not an eligible applicant or nominee of this task');
  if (proposal.pairs.filter((p) => p.taskId === a.taskId).length >= task.capacity) return bad('taskId', `the task takes ${task.capacity} ${task.capacity === 1 ? 'person' : 'people'} and is full`);
  return null;
}

/** The proposal after an adjustment, with the unmatched lists recomputed and the change recorded with its reason. */
export function adjusted(proposal: Proposal, input: MatchingInput, a: Adjustment): Proposal {
  const pairs = a.action === 'assign' ? [...proposal.pairs, { taskId: a.taskId, personId: a.personId }] : proposal.pairs.filter((p) => !(p.taskId === a.taskId && p.personId === a.personId));
  // An assigned cadre who never applied in the matching input is still listed as a cadre of the list.
  const cadres = input.cadres.some((c) => c.personId === a.personId) ? input.cadres : [...input.cadres, { personId: a.personId, preferences: [a.taskId] }];
  return { ...proposal, pairs, ...unmatchedOf({ tasks: input.tasks, cadres }, pairs), adjustments: [...proposal.adjustments, a] };
}

// --- commands --------------------------------------------------------------------------------------

export interface CommandContext {
  stage: RedeploymentStage;
  status: 'open' | 'closed';
  departmentUnitId: string;
  rules: ListRules;
  today: string;
  tasks: readonly ChallengeTask[];
  closeDate: string | null;
  closedEarly: boolean;
  applications: readonly Application[];
  checks: readonly EligibilityCheck[];
  rankings: Record<string, { personIds: string[] }>;
  proposal: Proposal | null;
  letters: readonly { letterId: string; cadreUserId: string; hostUnitId: string; acknowledgedByCadre: unknown; acknowledgedByHost: unknown }[];
}

/** The stages in which each command is taken (the first rule commandProblem applies); the state lists those of its stage. */
export const COMMAND_STAGES: Record<RedeploymentCommandInput['action'], readonly RedeploymentStage[]> = {
  addTask: ['draft', 'approved', 'published'],
  changeTask: ['draft', 'approved', 'published'],
  withdrawTask: ['draft', 'approved', 'published'],
  publish: ['approved'],
  closeApplications: ['published'],
  apply: ['published'],
  nominate: ['published'],
  recordCheck: ['published', 'checks'],
  rank: ['ranking'],
  runMatching: ['ranking', 'proposal'],
  adjust: ['proposal'],
  submitProposal: ['proposal'],
  acknowledge: ['dispatch'],
  vote: ['meeting'],
  openMeeting: ['meeting'],
  attachMinutes: ['meeting'],
};

/** The commands a list at `stage` takes (its state query lists them, for a client to offer). */
export function commandsAt(stage: RedeploymentStage): RedeploymentCommandInput['action'][] {
  return (Object.keys(COMMAND_STAGES) as RedeploymentCommandInput['action'][]).filter((a) => COMMAND_STAGES[a].includes(stage));
}

/** Whether applications are still open: the list is published, not closed early, and today is not past the close date. */
export function applicationsOpen(c: Pick<CommandContext, 'stage' | 'closeDate' | 'closedEarly' | 'today'>): boolean {
  return c.stage === 'published' && !c.closedEarly && c.closeDate !== null && c.today <= c.closeDate;
}

/** Applicants of a task: applied for it, or nominated for it. */
export function applicantsOf(applications: readonly Application[], taskId: string): string[] {
  return [...new Set(applications.filter((a) => a.taskIds.includes(taskId)).map((a) => a.personId))];
}

/** Open tasks with an eligible applicant and no ranking yet. */
export function unrankedTasks(c: Pick<CommandContext, 'tasks' | 'checks' | 'rankings'>): string[] {
  return c.tasks.filter((t) => t.status === 'open' && !c.rankings[t.taskId] && c.checks.some((k) => k.taskId === t.taskId && k.eligible)).map((t) => t.taskId);
}

/** Applicants without a recorded check. */
export function uncheckedApplicants(c: Pick<CommandContext, 'applications' | 'checks'>): string[] {
  const checked = new Set(c.checks.map((k) => k.personId));
  return [...new Set(c.applications.map((a) => a.personId))].filter((p) => !checked.has(p));
}

/**
 * Every refusal of a command on the list, checked synchronously by the Update validator (a refused
 * command leaves nothing) and by the API before it sends it. Returns the first problem, or null.
 */
export function commandProblem(c: CommandContext, cmd: RedeploymentCommandInput): RuleProblem | null {
  if (c.status !== 'open' || !COMMAND_STAGES[cmd.action].includes(c.stage)) {
    // An application after the close is the rule users meet most: named as such, not as a stage.
    if ((cmd.action === 'apply' || cmd.action === 'nominate') && c.status === 'open' && ['checks', 'ranking', 'proposal', 'meeting', 'dispatch', 'terms'].includes(c.stage)) {
      return problem(RedeploymentRefusal.applicationsClosed, 'closeDate', `rule applicationClose: applications closed${c.closeDate ? ` on ${c.closeDate}` : ''}`, { rule: 'applicationClose' });
    }
    return problem(RedeploymentRefusal.wrongStage, 'action', `${cmd.action} is taken at ${COMMAND_STAGES[cmd.action].join(' or ')}; the list is at ${c.stage}`, { stage: c.stage });
  }
  const department = cmd.actorUnitId === c.departmentUnitId && cmd.actorRoles.includes('staff');
  const notAllowed = (who: string): RuleProblem => problem(KernelRefusal.notAllowed, 'actorId', `only ${who} may ${cmd.action}`);
  const task = (id: string): ChallengeTask | undefined => c.tasks.find((t) => t.taskId === id);
  const openTask = (id: string, field: string): RuleProblem | null => (task(id)?.status === 'open' ? null : problem(RedeploymentRefusal.unknownTask, field, 'is not an open task of the list'));

  switch (cmd.action) {
    case 'addTask':
      if (!department) return notAllowed('the department’s staff');
      if (task(cmd.task.taskId)) return problem(RedeploymentRefusal.invalidTask, 'task.taskId', 'the list already has a task with this id');
      return reasonProblem(cmd.reason) ?? taskProblem(cmd.task, 'task');
    case 'changeTask': {
      if (!department) return notAllowed('the department’s staff');
      const t = task(cmd.taskId);
      if (t?.status !== 'open') return openTask(cmd.taskId, 'taskId');
      if (Object.keys(cmd.changes).length === 0) return problem(KernelRefusal.invalidInput, 'changes', 'names no field to change');
      return reasonProblem(cmd.reason) ?? taskProblem(changedTask(t, cmd.changes), 'changes');
    }
    case 'withdrawTask':
      if (!department) return notAllowed('the department’s staff');
      return openTask(cmd.taskId, 'taskId') ?? reasonProblem(cmd.reason);
    case 'publish':
      if (!department) return notAllowed('the department’s staff');
      if (!isValidDate(cmd.closeDate)) return problem(KernelRefusal.invalidInput, 'closeDate', 'must be a YYYY-MM-DD date');
      if (cmd.closeDate < c.today) return problem(KernelRefusal.invalidInput, 'closeDate', `must not be before today (${c.today})`);
      return null;
    case 'closeApplications':
      if (!department) return notAllowed('the department’s staff');
      return reasonProblem(cmd.reason);
    case 'apply':
    case 'nominate': {
      if (cmd.action === 'nominate' && !department) return notAllowed('the department’s staff');
      if (!applicationsOpen(c)) return problem(RedeploymentRefusal.applicationsClosed, 'closeDate', `rule applicationClose: applications closed${c.closeDate ? ` on ${c.closeDate}` : ''}`, { rule: 'applicationClose' });
      if (cmd.facts.personId !== cmd.personId) return problem(KernelRefusal.invalidInput, 'personId', 'the facts read are not this person’s');
      const ids = cmd.action === 'apply' ? cmd.taskIds : [cmd.taskId];
      const field = cmd.action === 'apply' ? 'taskIds' : 'taskId';
      if (ids.length === 0) return problem(KernelRefusal.invalidInput, field, 'names no task');
      if (new Set(ids).size !== ids.length) return problem(KernelRefusal.invalidInput, field, 'names a task twice');
      for (const [i, id] of ids.entries()) {
        const p = openTask(id, cmd.action === 'apply' ? `taskIds[${i}]` : 'taskId');
        if (p) return p;
      }
      const elig = applicantProblem(cmd.facts, ids.map((id) => task(id) as ChallengeTask), c.rules, c.today);
      if (elig) return cmd.action === 'nominate' && elig.details.field.startsWith('taskIds') ? { ...elig, message: elig.message.replace(/^taskIds\[0\]/, 'taskId'), details: { ...elig.details, field: 'taskId' } } : elig;
      const already = c.applications.filter((a) => a.personId === cmd.personId);
      if (cmd.action === 'apply') {
        const own = already.filter((a) => a.source === 'application').flatMap((a) => a.taskIds);
        if (ids.some((id) => own.includes(id))) return problem(KernelRefusal.invalidInput, 'taskIds', 'the person has already applied for this task');
        if (own.length + ids.length > c.rules.maxApplications) {
          return problem(RedeploymentRefusal.tooManyApplications, 'taskIds', `rule maxApplications: a cadre applies for at most ${c.rules.maxApplications} tasks; ${own.length} already applied for`, {
            rule: 'maxApplications',
            max: c.rules.maxApplications,
          });
        }
      } else if (already.some((a) => a.taskIds.includes(cmd.taskId))) {
        return problem(KernelRefusal.invalidInput, 'taskId', 'the person has already applied or been nominated for this task');
      }
      return null;
    }
    case 'recordCheck':
      if (!department) return notAllowed('the department’s staff');
      if (!c.applications.some((a) => a.personId === cmd.personId)) return problem(KernelRefusal.invalidInput, 'personId', 'has not applied and was not nominated');
      if (cmd.facts.personId !== cmd.personId) return problem(KernelRefusal.invalidInput, 'personId', 'the facts read are not this person’s');
      if (!isValidDate(cmd.health.date) || cmd.health.date > c.today) return problem(KernelRefusal.invalidInput, 'health.date', 'must be a date not after today');
      return null;
    case 'rank': {
      const t = task(cmd.taskId);
      if (t?.status !== 'open') return openTask(cmd.taskId, 'taskId');
      if (cmd.actorUnitId !== t.hostUnitId) return notAllowed('the host unit');
      if (new Set(cmd.personIds).size !== cmd.personIds.length) return problem(RedeploymentRefusal.invalidRanking, 'personIds', 'names a person twice');
      const ok = new Set(c.checks.filter((k) => k.taskId === cmd.taskId && k.eligible).map((k) => k.personId));
      const i = cmd.personIds.findIndex((p) => !ok.has(p));
      if (i >= 0) return problem(RedeploymentRefusal.invalidRanking, `personIds[${i}]`, 'is not an eligible applicant of this task');
      return null;
    }
    case 'runMatching': {
      if (!department) return notAllowed('the department’s staff');
      const missing = unrankedTasks(c);
      if (missing.length > 0) return problem(RedeploymentRefusal.rankingsIncomplete, 'rankings', `the host units have not ranked the applicants of ${missing.join(', ')}`, { tasks: missing });
      return null;
    }
    case 'adjust': {
      if (!department) return notAllowed('the department’s staff');
      const input = matchingInputOf(c);
      const ok = new Set(c.checks.filter((k) => k.eligible).map((k) => `${k.taskId}/${k.personId}`));
      const applied = (t: string, p: string): boolean => ok.has(`${t}/${p}`) && applicantsOf(c.applications, t).includes(p);
      return adjustmentProblem(c.proposal as Proposal, input, applied, { action: cmd.change, taskId: cmd.taskId, personId: cmd.personId, reason: cmd.reason });
    }
    case 'submitProposal':
      if (!department) return notAllowed('the department’s staff');
      if ((c.proposal?.pairs.length ?? 0) === 0) return problem(KernelRefusal.invalidInput, 'proposal', 'has no matched pair to put to the meeting');
      return null;
    case 'acknowledge': {
      const l = c.letters.find((x) => x.letterId === cmd.letterId);
      if (!l) return problem(RedeploymentRefusal.invalidAcknowledgement, 'letterId', 'is not a task letter of this list');
      if (cmd.as === 'cadre' ? cmd.actorId !== l.cadreUserId : cmd.actorUnitId !== l.hostUnitId) {
        return problem(RedeploymentRefusal.invalidAcknowledgement, 'as', cmd.as === 'cadre' ? 'only the cadre acknowledges as the cadre' : 'only the host unit acknowledges as the host unit');
      }
      if (cmd.as === 'cadre' ? l.acknowledgedByCadre : l.acknowledgedByHost) return problem(RedeploymentRefusal.invalidAcknowledgement, 'as', 'has already acknowledged this letter');
      return null;
    }
    case 'openMeeting':
    case 'attachMinutes':
      // 《条例》 art. 28 (the meeting decides with 2/3 present; common practice: minutes kept): organised by the department's
      // staff; the attendance, quorum and minutes rules are the kernel vote step's (kernel/vote.ts).
      return department ? null : notAllowed('the department’s staff');
    case 'vote':
      // The meeting's rules (member, one ballot per candidate, the principal last) are the kernel vote
      // step's, applied by the workflow's validator to the ballots the slate stands for.
      return null;
  }
}

/**
 * A check as the list keeps it: the verdict and only the predicates that did not pass. 1,200 checks with
 * every predicate's fact were most of a 600-cadre list's state (and of every continue-as-new and query);
 * the whole check, every predicate with its fact, is recorded with its recordCheck action (action_log).
 */
export function keptCheck(c: EligibilityCheck): EligibilityCheck {
  return { ...c, results: c.results.filter((r) => r.applicable && !r.passed) };
}

function reasonProblem(reason: string): RuleProblem | null {
  return reason.trim() ? null : problem(KernelRefusal.reasonRequired, 'reason', 'must say why');
}

// --- figures ---------------------------------------------------------------------------------------

export function emptyCounts(): FigureCounts {
  return { dispatched: 0, ended: 0, failed: 0, endedEarly: 0, onTimeWithReports: 0, grades: Object.fromEntries(TERM_GRADES.map((g) => [g, 0])), recognised: 0 };
}

export function emptyTermTally(): TermTally {
  return { all: emptyCounts(), byHostUnit: {}, byFormerUnit: {} };
}

function addOutcome(c: FigureCounts, o: TermOutcome | null): void {
  if (!o) {
    c.failed += 1;
    return;
  }
  c.ended += 1;
  if (o.endedEarly) c.endedEarly += 1;
  if (o.reportsDue > 0 && o.reportsOnTime >= o.reportsDue) c.onTimeWithReports += 1;
  if (o.grade) c.grades[o.grade] = (c.grades[o.grade] ?? 0) + 1;
  if (o.recognised) c.recognised += 1;
}

/** Folds one term's end into the tally (null: the term failed). */
export function foldTerm(t: TermTally, d: Dispatch, o: TermOutcome | null): TermTally {
  addOutcome(t.all, o);
  addOutcome((t.byHostUnit[d.hostUnitId] ??= emptyCounts()), o);
  addOutcome((t.byFormerUnit[d.formerUnitId ?? '-'] ??= emptyCounts()), o);
  return t;
}

/** What the terms stage carries: the dispatches and the counts before the terms. */
export function snapshotOf(s: { tasks: readonly ChallengeTask[]; applications: readonly Application[]; checks: readonly EligibilityCheck[]; proposal: Proposal | null }, dispatches: Dispatch[]): ListSnapshot {
  const host: Record<string, [number, number]> = {};
  const former: Record<string, [number, number]> = {};
  const hostOf = new Map(s.tasks.map((t) => [t.taskId, t.hostUnitId] as const));
  const formerOf = new Map(s.applications.map((a) => [a.personId, a.formerUnitId ?? '-'] as const));
  for (const a of s.applications) {
    for (const t of a.taskIds) (host[hostOf.get(t) ?? '-'] ??= [0, 0])[0] += 1;
    (former[a.formerUnitId ?? '-'] ??= [0, 0])[0] += a.taskIds.length;
  }
  for (const p of s.proposal?.pairs ?? []) {
    (host[hostOf.get(p.taskId) ?? '-'] ??= [0, 0])[1] += 1;
    (former[formerOf.get(p.personId) ?? '-'] ??= [0, 0])[1] += 1;
  }
  return {
    dispatches,
    counts: {
      applications: s.applications.filter((a) => a.source === 'application').reduce((n, a) => n + a.taskIds.length, 0),
      nominations: s.applications.filter((a) => a.source === 'nomination').length,
      applicants: new Set(s.applications.map((a) => a.personId)).size,
      eligible: new Set(s.checks.filter((k) => k.eligible).map((k) => k.personId)).size,
      matched: s.proposal?.pairs.length ?? 0,
    },
    perUnit: { host, former },
    term: Object.fromEntries(s.tasks.map((t) => [t.taskId, t.term])),
    titles: Object.fromEntries(s.tasks.map((t) => [t.taskId, t.title])),
  };
}

/** The list's figures: applications, matched, dispatched, and the terms' outcomes, in total and per unit. */
export function figuresOf(listId: string, snap: ListSnapshot, tally: TermTally, closedAt: string | null): ListFigures {
  const per = (counts: Record<string, [number, number]>, terms: Record<string, FigureCounts>) =>
    [...new Set([...Object.keys(counts), ...Object.keys(terms)])].sort().map((unitId) => ({ unitId, applications: counts[unitId]?.[0] ?? 0, matched: counts[unitId]?.[1] ?? 0, ...(terms[unitId] ?? emptyCounts()) }));
  const dispatchedBy = (key: (d: Dispatch) => string): Record<string, FigureCounts> => {
    const out: Record<string, FigureCounts> = {};
    for (const [k, v] of Object.entries(key === hostKey ? tally.byHostUnit : tally.byFormerUnit)) out[k] = { ...v, grades: { ...v.grades } };
    for (const d of snap.dispatches) (out[key(d)] ??= emptyCounts()).dispatched += 1;
    return out;
  };
  return {
    listId,
    ...snap.counts,
    dispatched: snap.dispatches.length,
    terms: { ...tally.all, grades: { ...tally.all.grades }, dispatched: snap.dispatches.length },
    byHostUnit: per(snap.perUnit.host, dispatchedBy(hostKey)),
    byFormerUnit: per(snap.perUnit.former, dispatchedBy(formerKey)),
    closedAt,
  };
}
const hostKey = (d: Dispatch): string => d.hostUnitId;
const formerKey = (d: Dispatch): string => d.formerUnitId ?? '-';
