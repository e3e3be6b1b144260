/**
 * Rules of the political-quality examination (政治素质考察, DOMAIN.md §2), each as one pure function: the
 * API's start plan and the workflow's Update validators call the same ones, and the unit tests call them
 * directly. Numbers and sets are data with defaults (DEFAULT_EXAMINATION_RULES); an examination carries
 * its own copy in its input.
 */
import { addMonths } from '../../domain/dates';
import { gradeRank, type Grade } from '../../domain/grades';
import type { EscalationRungRule } from '../kernel/deadline';
import type { ChildOutcome } from '../kernel/messages';
import {
  ExaminationRefusal,
  EVIDENCE_STRANDS,
  INTERVIEWEE_KINDS,
  POLITICAL_DIMENSIONS,
  type Analysis,
  type BatchTally,
  type BatchSubject,
  type BatchSummary,
  type BatchUnitSummary,
  type EvidenceStrand,
  type ExaminationResult,
  type ExaminationPlan,
  type ExaminationRules,
  type Finding,
  type FindingInput,
  type Interviewee,
  type IntervieweeKind,
  type PoliticalDimension,
  type StrandData,
  type StrandView,
  type UseOfResult,
} from './messages';

export const DEFAULT_EXAMINATION_RULES: ExaminationRules = {
  // DOMAIN.md: like a selection's inspection group, at least 2 people.
  minGroup: 2,
  minPerIntervieweeKind: 1,
  minRespondents: 20,
  grades: ['好', '较好', '一般', '较差'],
  justifyBelow: '较好',
  promotionGrades: ['好'],
  coachingGrades: ['一般'],
  reminderWorkingDays: 2,
};

/**
 * The overdue ladder (挂账督办) of a strand or of the acknowledgement: 督办通知 at once, 预警 3 working days
 * later with a final date 10 working days after the deadline, 问责 once that has passed too.
 */
export const EXAMINATION_ESCALATION_LADDER: readonly EscalationRungRule[] = [
  { rung: 'supervisionNotice', workingDaysAfterDue: 0 },
  { rung: 'warning', workingDaysAfterDue: 3, finalDateWorkingDaysAfterDue: 10 },
  { rung: 'accountability', workingDaysAfterDue: 0, atFinalDate: true },
];

export interface RuleProblem {
  code: string;
  message: string;
  details: { field: string } & Record<string, unknown>;
}
const problem = (code: string, field: string, message: string, extra: Record<string, unknown> = {}): RuleProblem => ({ code, message: `${field}: ${message}`, details: { field, ...extra } });

/** A configured rule set that cannot work: the threshold or the promotion/coaching grades outside the grade set. */
export function rulesProblem(rules: ExaminationRules): RuleProblem | null {
  if (rules.grades.length < 2 || new Set(rules.grades).size !== rules.grades.length) return problem(ExaminationRefusal.invalidPlan, 'grades', 'needs at least two distinct grades, best first');
  if (!rules.grades.includes(rules.justifyBelow)) return problem(ExaminationRefusal.invalidPlan, 'justifyBelow', 'must be one of the grades');
  for (const [field, list] of [['promotionGrades', rules.promotionGrades], ['coachingGrades', rules.coachingGrades]] as const) {
    if (list.some((g) => !rules.grades.includes(g))) return problem(ExaminationRefusal.invalidPlan, field, 'must name grades of the set');
  }
  if (rules.minRespondents < 1) return problem(ExaminationRefusal.invalidPlan, 'minRespondents', 'must be at least 1');
  return null;
}

/** The plan's rules: a group of at least `minGroup` distinct people, dimensions from the five, each with indicators, both lists. */
export function planProblem(plan: ExaminationPlan, rules: ExaminationRules): RuleProblem | null {
  const code = ExaminationRefusal.invalidPlan;
  if (new Set(plan.group).size < rules.minGroup) return problem(code, 'plan.group', `an examination group needs at least ${rules.minGroup} different people`);
  if (plan.dimensions.length === 0) return problem(code, 'plan.dimensions', `needs at least one of the dimensions ${POLITICAL_DIMENSIONS.join(', ')}`);
  const seen = new Set<string>();
  for (const [i, d] of plan.dimensions.entries()) {
    if (!(POLITICAL_DIMENSIONS as readonly string[]).includes(d.dimension)) {
      return problem(code, `plan.dimensions[${i}].dimension`, `must be one of ${POLITICAL_DIMENSIONS.join(', ')}`);
    }
    if (seen.has(d.dimension)) return problem(code, `plan.dimensions[${i}].dimension`, `${d.dimension} appears twice`);
    seen.add(d.dimension);
    if (!d.indicators.some((x) => x.trim())) return problem(code, `plan.dimensions[${i}].indicators`, 'needs at least one indicator');
  }
  if (!plan.positiveList.some((x) => x.trim())) return problem(code, 'plan.positiveList', 'needs at least one entry');
  if (!plan.negativeList.some((x) => x.trim())) return problem(code, 'plan.negativeList', 'needs at least one entry (反向: what would count against)');
  const t = plan.timetable;
  if ([t.evidenceWorkingDays, t.acknowledgeWorkingDays, ...Object.values(t.strandWorkingDays ?? {})].some((n) => n < 1)) return problem(code, 'plan.timetable', 'deadlines are at least 1 working day');
  return null;
}

/** How many interviewees of each kind the talk list has. */
export function talkCounts(interviewees: readonly Interviewee[]): Record<IntervieweeKind, number> {
  const counts = { informed: 0, key: 0, dissenting: 0 };
  for (const i of interviewees) counts[i.kind] += 1;
  return counts;
}

/** The talk list reaches informed people, key people and people known to disagree, at least `minPerIntervieweeKind` of each. */
export function talkListProblem(interviewees: readonly Interviewee[], rules: ExaminationRules): RuleProblem | null {
  const counts = talkCounts(interviewees);
  const missing = INTERVIEWEE_KINDS.filter((k) => counts[k] < rules.minPerIntervieweeKind);
  if (missing.length === 0) return null;
  return problem(
    ExaminationRefusal.talkListIncomplete,
    'data.interviewees',
    `the talk list needs at least ${rules.minPerIntervieweeKind} of each kind (informed, key, dissenting); too few: ${missing.join(', ')}`,
    { missing, counts },
  );
}

/** Respondents at least the minimum; positive and reverse items; no item tallied over the respondents. */
export function questionnaireProblem(d: { respondents: number; items: readonly { direction: string; tally: { agree: number; neutral: number; disagree: number } }[] }, rules: ExaminationRules): RuleProblem | null {
  if (d.respondents < rules.minRespondents) {
    return problem(ExaminationRefusal.tooFewRespondents, 'data.respondents', `a questionnaire needs at least ${rules.minRespondents} respondents`, { minimum: rules.minRespondents });
  }
  for (const direction of ['positive', 'reverse']) {
    if (!d.items.some((i) => i.direction === direction)) return problem(ExaminationRefusal.invalidEvidence, 'data.items', `needs at least one ${direction} item`);
  }
  for (const [i, item] of d.items.entries()) {
    const n = item.tally.agree + item.tally.neutral + item.tally.disagree;
    if (n > d.respondents) return problem(ExaminationRefusal.invalidEvidence, `data.items[${i}].tally`, `counts ${n} answers from ${d.respondents} respondents`);
  }
  return null;
}

function findingsListProblem(findings: readonly FindingInput[] | undefined, needRefs: boolean): RuleProblem | null {
  for (const [i, f] of (findings ?? []).entries()) {
    if (needRefs && !f.evidenceRefs?.some((r) => r.trim())) return problem(ExaminationRefusal.invalidEvidence, `data.findings[${i}].evidenceRefs`, 'a reverse-inspection finding needs its evidence references');
  }
  return null;
}

/** Each strand's own rules; the talk list and the questionnaire have theirs above. */
export function strandProblem(d: StrandData, rules: ExaminationRules): RuleProblem | null {
  switch (d.strand) {
    case 'talks':
      return talkListProblem(d.interviewees, rules);
    case 'questionnaire':
      return questionnaireProblem(d, rules);
    case 'disciplineOpinion':
    case 'fileReview':
      if (d.result === 'withFindings' && !d.findings?.length) return problem(ExaminationRefusal.invalidEvidence, 'data.findings', 'a result with findings lists them');
      if (d.result === 'clear' && d.findings?.length) return problem(ExaminationRefusal.invalidEvidence, 'data.findings', 'a clear result has no findings');
      return findingsListProblem(d.findings, false);
    case 'reverseInspection':
      return findingsListProblem(d.findings, true);
  }
}

/** The findings a strand's record adds, numbered `<strand>-<n>`. */
export function findingsOf(d: StrandData): Finding[] {
  const list = 'findings' in d ? (d.findings ?? []) : [];
  return list.map((f, i) => ({ ...f, id: `${d.strand}-${i + 1}`, strand: d.strand }));
}

/** Where a strand stands, as the completeness rule reads it. */
export interface StrandStatus {
  strand: EvidenceStrand;
  status: StrandView['status'];
  waiver: { reason: string } | null;
}

/** The strands still open: the analysis waits for every strand to be done or waived with a reason. */
export function openStrands(strands: readonly StrandStatus[]): EvidenceStrand[] {
  return EVIDENCE_STRANDS.filter((s) => {
    const v = strands.find((x) => x.strand === s);
    return !v || !(v.status === 'done' || (v.status === 'waived' && !!v.waiver?.reason.trim()));
  });
}

export function evidenceIncompleteProblem(strands: readonly StrandStatus[]): RuleProblem | null {
  const open = openStrands(strands);
  return open.length ? problem(ExaminationRefusal.evidenceIncomplete, 'strands', `the analysis waits until every strand is done or waived with a reason; open: ${open.join(', ')}`, { open }) : null;
}

/** Waiving needs an open strand and a reason. */
export function waiverProblem(strand: Pick<StrandView, 'status'> | undefined, reason: string): RuleProblem | null {
  if (!strand || strand.status !== 'open') return problem(ExaminationRefusal.wrongStage, 'strand', 'only an open strand can be waived');
  if (!reason.trim()) return problem(ExaminationRefusal.invalidPlan, 'reason', 'waiving a strand needs a reason');
  return null;
}

/** The grade is one of the configured set. */
export function gradeProblem(grade: string, rules: ExaminationRules): RuleProblem | null {
  return rules.grades.includes(grade) ? null : problem(ExaminationRefusal.gradeNotInSet, 'data.grade', `must be one of ${rules.grades.join(', ')}`, { grades: rules.grades });
}

/** Whether a grade is worse than the threshold (below 较好 by default). */
export function gradeBelowThreshold(grade: string, rules: ExaminationRules): boolean {
  return rules.grades.indexOf(grade) > rules.grades.indexOf(rules.justifyBelow);
}

/**
 * The analysis: an evaluation for each dimension of the plan and none other, a grade of the set, and
 * for a grade below the threshold the negative findings it rests on (ids of recorded findings).
 */
export function analysisProblem(a: Analysis, plan: Pick<ExaminationPlan, 'dimensions'>, findings: readonly Pick<Finding, 'id'>[], rules: ExaminationRules): RuleProblem | null {
  const grade = gradeProblem(a.grade, rules);
  if (grade) return grade;
  const planned = plan.dimensions.map((d) => d.dimension);
  for (const [i, e] of a.evaluations.entries()) {
    if (!planned.includes(e.dimension)) return problem(ExaminationRefusal.invalidEvidence, `data.evaluations[${i}].dimension`, `is not a dimension of the plan (${planned.join(', ')})`);
    if (a.evaluations.findIndex((x) => x.dimension === e.dimension) !== i) return problem(ExaminationRefusal.invalidEvidence, `data.evaluations[${i}].dimension`, `${e.dimension} is evaluated twice`);
  }
  const missing = planned.filter((d) => !a.evaluations.some((e) => e.dimension === d));
  if (missing.length) return problem(ExaminationRefusal.invalidEvidence, 'data.evaluations', `needs an evaluation of every dimension of the plan; missing: ${missing.join(', ')}`);
  const ids = new Set(findings.map((f) => f.id));
  const unknown = (a.basis ?? []).findIndex((b) => !ids.has(b));
  if (unknown >= 0) return problem(ExaminationRefusal.gradeUnjustified, `data.basis[${unknown}]`, 'is not a recorded finding');
  if (gradeBelowThreshold(a.grade, rules) && !a.basis?.length) {
    return problem(ExaminationRefusal.gradeUnjustified, 'data.basis', `a grade below ${rules.justifyBelow} needs the negative findings it rests on`, { findings: [...ids] });
  }
  return null;
}

/**
 * Only the subject (the cadre, or the group's Party secretary) acknowledges the feedback, in person: the
 * task can be neither handed on (转办) nor shared (加签).
 */
export function acknowledgementProblem(subjectUserId: string, actorId: string, action: string): RuleProblem | null {
  if (action === 'transfer' || action === 'addSigner') return problem(ExaminationRefusal.notSubject, 'action', 'the subject acknowledges the feedback in person; it cannot be handed on');
  if (actorId !== subjectUserId) return problem(ExaminationRefusal.notSubject, 'taskId', 'only the subject of the examination acknowledges its feedback');
  return null;
}

/**
 * What the result calls for, recorded and acted on: a promotion note for a promotion grade, a coaching
 * plan for a coaching grade, a reminder talk or 诫勉 for warning signs, a linked rectification (with a due
 * date the rectification's own rule accepts) for problems found.
 */
export function useOfResultProblem(use: UseOfResult, grade: string, findings: readonly Pick<Finding, 'severity'>[], rules: ExaminationRules, dueDateProblem: (dueDate: string) => string | null): RuleProblem | null {
  const code = ExaminationRefusal.useOfResultIncomplete;
  if (rules.promotionGrades.includes(grade) && !use.promotionNote?.trim()) return problem(code, 'data.promotionNote', `a ${grade} result is noted for promotion`);
  if (rules.coachingGrades.includes(grade) && !use.coachingPlan?.trim()) return problem(code, 'data.coachingPlan', `a ${grade} result needs a coaching plan`);
  if (findings.some((f) => f.severity === 'warning') && !use.admonition) return problem(code, 'data.admonition', 'warning signs call for a reminder talk (提醒谈话) or a 诫勉');
  const problems = findings.some((f) => f.severity === 'problem');
  if (problems && !use.rectification) return problem(code, 'data.rectification', 'problems found call for a linked rectification');
  if (!problems && use.rectification) return problem(code, 'data.rectification', 'no problem was found to rectify');
  if (use.rectification) {
    const bad = dueDateProblem(use.rectification.dueDate);
    if (bad) return problem(code, 'data.rectification.dueDate', bad);
  }
  return null;
}

/** An entry of a political-quality file (政治素质档案), as the gate reads it. */
export interface FileEntryLike {
  /** The China date the examination closed. */
  examinedOn: string;
  grade: string;
}

export interface Freshness {
  fresh: boolean;
  /** Why not: no examination, the newest is older than `months`, or its grade fails. */
  reason: 'missing' | 'expired' | 'failing' | null;
  latest: FileEntryLike | null;
}

/**
 * The 任前政治体检 gate: the newest examination in the file is at most `months` old on `now` (a China
 * date) and not of a failing grade (较差 by default).
 */
export function politicalExamFresh(file: readonly FileEntryLike[], months = 12, now: string, failing: readonly string[] = ['较差']): Freshness {
  const latest = [...file].sort((a, b) => (a.examinedOn < b.examinedOn ? 1 : a.examinedOn > b.examinedOn ? -1 : 0))[0] ?? null;
  if (!latest) return { fresh: false, reason: 'missing', latest: null };
  if (addMonths(latest.examinedOn, months) < now) return { fresh: false, reason: 'expired', latest };
  if (failing.includes(latest.grade)) return { fresh: false, reason: 'failing', latest };
  return { fresh: true, reason: null, latest };
}

// --- The full-coverage batch (全覆盖).

/** Reverse-inspection (反向考察) findings counted per dimension; dimensions without one are left out. */
export function reverseFindingsByDimension(findings: readonly Pick<Finding, 'strand' | 'dimension'>[]): Partial<Record<PoliticalDimension, number>> {
  const out: Partial<Record<PoliticalDimension, number>> = {};
  for (const f of findings) if (f.strand === 'reverseInspection') out[f.dimension] = (out[f.dimension] ?? 0) + 1;
  return out;
}

/** On time: no evidence strand and not the acknowledgement ever went past its deadline (a waived strand counts as it stood). */
export function examinationOnTime(strands: readonly Pick<StrandView, 'overdue'>[], feedback: { overdue: boolean }): boolean {
  return !feedback.overdue && strands.every((s) => !s.overdue);
}

/**
 * A batch's scope given as a list: at least one unit, each once, each in master data. The unit ids are
 * not echoed: the field names the position.
 */
export function batchScopeProblem(unitIds: readonly string[], known: ReadonlySet<string>): RuleProblem | null {
  if (unitIds.length === 0) return problem(ExaminationRefusal.emptyScope, 'scope.unitIds', 'a batch needs at least one unit');
  const seen = new Set<string>();
  for (const [i, id] of unitIds.entries()) {
    if (seen.has(id)) return problem(ExaminationRefusal.invalidScope, `scope.unitIds[${i}]`, 'the unit is listed twice');
    seen.add(id);
    if (!known.has(id)) return problem('unknown_unit', `scope.unitIds[${i}]`, 'the unit does not exist');
  }
  return null;
}

/** A leading member (班子成员) of a unit: a cadre of its staff at `minGrade` or above. */
export function isLeadingMember(grade: Grade, minGrade: Grade): boolean {
  return gradeRank(grade) >= gradeRank(minGrade);
}

/** An empty tally: nothing reported yet. */
export function emptyBatchTally(): BatchTally {
  return { grades: {}, reverse: {}, rectifications: [], onTime: 0, perUnit: {}, failures: [] };
}

/**
 * Folds one child's outcome into the batch's tally (in place: the tally is the batch's own state, and
 * copying thousands of units per report would be quadratic). A result that does not say whether it was
 * on time (recorded before batches) is not counted late.
 */
export function foldBatchOutcome(t: BatchTally, index: number, unitId: string, o: ChildOutcome): BatchTally {
  const u = (t.perUnit[unitId] ??= [0, 0, 0]);
  if (!o.ok) {
    u[2] += 1;
    t.failures.push({ index, failure: o.failure ?? 'failed' });
    return t;
  }
  const r = o.result as ExaminationResult;
  u[0] += 1;
  t.grades[r.grade] = (t.grades[r.grade] ?? 0) + 1;
  for (const [d, n] of Object.entries(r.reverseFindings ?? {}) as [PoliticalDimension, number][]) t.reverse[d] = (t.reverse[d] ?? 0) + n;
  if (r.rectification?.workflowId) t.rectifications.push(r.rectification.workflowId);
  if (r.onTime !== false) {
    t.onTime += 1;
    u[1] += 1;
  }
  return t;
}

/** What the batch carries of its subjects when it continues as new: a started child needs only its id parts. */
export function carriedSubjects(subjects: readonly BatchSubject[], started: number): BatchSubject[] {
  return subjects.map((s, i) => (i < started ? { unitId: s.unitId, ...(s.personId ? { personId: s.personId } : {}) } : s));
}

const rate = (n: number, of: number): number | null => (of === 0 ? null : Math.round((n / of) * 10_000) / 10_000);

/**
 * The batch's summary once every child has reported: counts per grade (every grade of the set listed),
 * reverse findings per dimension, the rectifications started, and the on-time rate per unit. The rate is
 * over the examinations that closed: a failed child is listed under failures, not counted late (its
 * failure is the system's, not the unit's).
 */
export function batchSummaryOf(o: {
  batchId: string;
  subjects: readonly Pick<BatchSubject, 'unitId'>[];
  tally: BatchTally;
  grades: readonly string[];
  childId: (index: number) => string;
  closedAt: string;
}): BatchSummary {
  const t = o.tally;
  const subjectsPerUnit = new Map<string, number>();
  for (const s of o.subjects) subjectsPerUnit.set(s.unitId, (subjectsPerUnit.get(s.unitId) ?? 0) + 1);
  const perUnit: BatchUnitSummary[] = [...subjectsPerUnit.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([unitId, subjects]) => {
      const [examined, onTime, failed] = t.perUnit[unitId] ?? [0, 0, 0];
      return { unitId, subjects, examined, failed, onTime, onTimeRate: rate(onTime, examined) };
    });
  const examined = perUnit.reduce((n, u) => n + u.examined, 0);
  return {
    batchId: o.batchId,
    subjects: o.subjects.length,
    examined,
    failed: t.failures.length,
    grades: { ...Object.fromEntries(o.grades.map((g) => [g, 0])), ...t.grades },
    reverseFindings: Object.fromEntries(POLITICAL_DIMENSIONS.map((d) => [d, t.reverse[d] ?? 0])) as Record<PoliticalDimension, number>,
    rectifications: { count: t.rectifications.length, workflowIds: [...t.rectifications].sort() },
    onTime: t.onTime,
    onTimeRate: rate(t.onTime, examined),
    perUnit,
    failures: [...t.failures].sort((a, b) => a.index - b.index).map((f) => ({ workflowId: o.childId(f.index), unitId: o.subjects[f.index]?.unitId ?? '', failure: f.failure })),
    closedAt: o.closedAt,
  };
}
