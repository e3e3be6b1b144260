/**
 * Rules of 揭榜出征's eligibility (`redeployment`, DOMAIN.md §3): who may apply at all, and the check of a
 * cadre against a task's requirements in the selection's predicate style (each predicate with what it
 * required, what it found, and the fact it used), and the part of a check the list keeps. Pure: no I/O, no
 * clock (today is an argument); bundled into the workflow.
 */
import { addMonths } from '../../domain/dates';
import { GRADE_INFO, gradeRank } from '../../domain/grades';
import {
  ELIGIBILITY_PREDICATES,
  RedeploymentRefusal,
  type ChallengeTaskInput,
  type EligibilityCheck,
  type EligibilityPredicate,
  type EligibilityResult,
  type HealthRecord,
  type ListRules,
  type PersonFacts,
} from './messages';
import { problem, type RuleProblem } from './list-rules';

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

/**
 * A check as the list keeps it: the verdict and only the predicates that did not pass. 1,200 checks with
 * every predicate's fact were most of a 600-cadre list's state (and of every continue-as-new and query);
 * the whole check, every predicate with its fact, is recorded with its recordCheck action (action_log).
 */
export function keptCheck(c: EligibilityCheck): EligibilityCheck {
  return { ...c, results: c.results.filter((r) => r.applicable && !r.passed) };
}
