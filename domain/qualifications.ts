/**
 * Qualification predicates of cadre selection (任职资格, DOMAIN.md §1). A candidate is checked against the
 * frozen principles of a post (the rules, domain/qualification-rules.ts, with the post's overrides), and
 * every predicate reports what it required, what it found and which record field it used, so a failing
 * check shows exactly why.
 *
 * Pure and deterministic: no I/O, no clock (the evaluation date is an argument), no Node builtins. The
 * workflow imports it.
 *
 * Periods are counted on calendar dates (domain/periods.ts). Grassroots experience is a decimal number of
 * years in the master data, so it is compared in tenths of a year.
 */
import { addMonths, isValidDate } from './dates';
import {
  EDUCATION_INFO,
  GRADE_INFO,
  GRADE_LEVEL_NAMES,
  compareGrades,
  isGrade,
  type Education,
  type Grade,
  type GradeLevel,
  educationAtLeast,
  gradeSteps,
  isDeputyToPrincipal,
  isPrincipalToDeputyAbove,
  levelOf,
} from './grades';
import { fullMonthsBetween, hasServedYears, yearsToMonths } from './periods';
import { barsInForce, type BarRecord } from './promotion-bars';
import { DEFAULT_QUALIFICATION_RULES, resolveRules, type QualificationOverrides, type QualificationRules } from './qualification-rules';

/** The person's record, as far as the predicates need it. Dates are YYYY-MM-DD. */
export interface CandidateFacts {
  /** For a post's age limit (PostSpec.maxAge); a person without one fails a limit that applies. */
  birthDate?: string;
  workStartDate: string;
  /** Years at grassroots level, a decimal from the master data (2.5 = two and a half years). */
  grassrootsYears: number;
  currentGrade: Grade;
  /** Since when the person holds `currentGrade`. */
  gradeSince: string;
  education: Education;
  partyJoinDate: string | null;
  lastPromotionDate: string | null;
  lastPromotionOutOfTurn: boolean;
  /** Dated sanctions, 诫勉, 组织处理 and annual assessments on the person (影响期); absent: none recorded. */
  barRecords?: readonly BarRecord[];
  /** 任职回避: the person's relatives who hold a leading grade in the post's unit (master data); absent: none. */
  relativesInUnit?: readonly RelativeLeader[];
  /**
   * 任职回避, direct superior: the person's relatives who hold a leading grade in the unit that leads the post's unit
   * (its parent unit in the unit tree, PostSpec.parentUnitId); the predicate decides which of them rank above the
   * post. Absent: none.
   */
  relativesInParentUnit?: readonly RelativeLeader[];
  /**
   * 任职回避, direct subordinate: the person's relatives who hold a leading grade in a unit the post's unit leads (its
   * children in the unit tree, PostSpec.childUnitIds); the predicate decides which of them rank below the post.
   * Absent: none.
   */
  relativesInChildUnits?: readonly RelativeLeader[];
}

/** A relative of a candidate and the leading grade they hold in a unit (master data: person_relation, person). */
export interface RelativeLeader {
  personId: string;
  relation: string;
  grade: string;
  unitId: string;
}

export interface PostSpec {
  title: string;
  targetGrade: Grade;
  /** 党的领导职务: the Party-standing predicate applies. */
  isPartyPost: boolean;
  /** The post's own Party-standing minimum; wins over `rules.minPartyYears` and `overrides.minPartyYears`. */
  minPartyYears?: number;
  /**
   * 年龄: the post's upper age at the cut-off, in full years (周岁), set in the principles (e.g. 45 for 正处 in
   * some 换届: "45 周岁以下" = not yet 46). Absent: no limit. Source: common practice (the 工作方案 of a
   * selection or 换届 sets an age limit per post, counted to the eligibility cut-off).
   */
  maxAge?: number;
  /**
   * 破格提拔 (条例 art. 11): the promotion is out of turn, with the superior organisation department's prior consent
   * (事先报上级组织部门同意, its document reference). It waives only the tenure rules (任职年限: minYearsAsDeputy,
   * minYearsAsPrincipalBelow), and the predicate outOfTurnLimits applies.
   */
  outOfTurn?: { consentRef: string };
  /**
   * The unit that leads the post's unit: its parent in the unit tree (unit.parent_id). 任职回避 reads a relative
   * holding a leading grade above the post's there as the candidate's direct superior. Absent: a unit at the top.
   */
  parentUnitId?: string;
  /**
   * The units the post's unit leads: its children in the unit tree. 任职回避 reads a relative holding a leading grade
   * below the post's there as the candidate's direct subordinate. Absent or empty: a unit that leads none.
   */
  childUnitIds?: readonly string[];
  overrides?: QualificationOverrides;
}

/** Stable ids of the predicates, in the order they are reported. */
export const QUALIFICATION_PREDICATES = [
  'minWorkYears',
  'minGrassrootsYears',
  'minYearsAsDeputy',
  'minYearsAsPrincipalBelow',
  'minEducation',
  'minPartyYears',
  'outOfTurnInterval',
  'maxGradeSteps',
  'maxAge',
  'promotionBars',
  'outOfTurnLimits',
  'positionRecusal',
] as const;
export type QualificationPredicate = (typeof QUALIFICATION_PREDICATES)[number];

export interface QualificationResult {
  predicate: QualificationPredicate;
  /** Chinese and English, with the rule's numbers: '工作年限 ≥ 5 年 (years of work)'. */
  label: string;
  /** true for a predicate that does not apply to this post or candidate. */
  passed: boolean;
  applicable: boolean;
  required: string;
  actual: string;
  /** The record field(s) the predicate used (or that made it not applicable): 'workStartDate=2015-07-01'. */
  fact: string;
  /** The date the predicate was evaluated as of (the eligibility cut-off). */
  asOf?: string;
}

export interface QualificationEvaluation {
  /** Every predicate passed. */
  eligible: boolean;
  /** The date the predicates were evaluated as of. */
  asOf: string;
  /** Every predicate, applicable or not, in the order of QUALIFICATION_PREDICATES. */
  results: QualificationResult[];
}

// --- how a result reads ----------------------------------------------------------------------------

function formatYears(years: number): string {
  return `${years} 年`;
}

function formatMonths(months: number): string {
  const y = Math.trunc(months / 12);
  const m = months % 12;
  return `${y} 年 ${m} 个月 (${y}y ${m}m)`;
}

function gradeName(g: Grade): string {
  return `${GRADE_INFO[g].name} (${g})`;
}

function educationName(e: Education): string {
  return `${EDUCATION_INFO[e].name} (${e})`;
}

// --- evaluation ------------------------------------------------------------------------------------

interface Context {
  facts: CandidateFacts;
  post: PostSpec;
  asOf: string;
  rules: QualificationRules;
  /** Rungs the move climbs; ≤ 0 for a lateral move or a move down, which is no promotion. */
  steps: number;
  level: GradeLevel;
}

function notApplicable(predicate: QualificationPredicate, label: string, why: string, fact: string): QualificationResult {
  return { predicate, label, passed: true, applicable: false, required: `不适用 (n/a: ${why})`, actual: '—', fact };
}

/** A "served at least N years since a date" predicate. */
function periodResult(
  predicate: QualificationPredicate,
  label: string,
  since: string,
  asOf: string,
  years: number,
  fact: string,
): QualificationResult {
  const required = `≥ ${formatYears(years)} (from ${since}, reached on ${isValidDate(since) ? addMonths(since, yearsToMonths(years)) : '?'})`;
  if (!isValidDate(since)) {
    return { predicate, label, passed: false, applicable: true, required, actual: `invalid date ${JSON.stringify(since)}`, fact };
  }
  const served = fullMonthsBetween(since, asOf);
  const actual = served < 0 ? `starts after ${asOf}` : `${formatMonths(served)} as of ${asOf}`;
  return { predicate, label, passed: hasServedYears(since, asOf, years), applicable: true, required, actual, fact };
}

function minWorkYears(c: Context): QualificationResult {
  const years = c.rules.minWorkYears;
  const label = `工作年限 ≥ ${years} 年 (years of work)`;
  const fact = `workStartDate=${c.facts.workStartDate}`;
  if (!c.rules.experienceLevels.includes(c.level)) {
    return notApplicable('minWorkYears', label, `post level ${GRADE_LEVEL_NAMES[c.level]}`, `${fact}, targetGrade=${c.post.targetGrade}`);
  }
  return periodResult('minWorkYears', label, c.facts.workStartDate, c.asOf, years, fact);
}

function minGrassrootsYears(c: Context): QualificationResult {
  const years = c.rules.minGrassrootsYears;
  const label = `基层工作经历 ≥ ${years} 年 (years at grassroots level)`;
  const value = c.facts.grassrootsYears;
  const fact = `grassrootsYears=${value}`;
  if (!c.rules.experienceLevels.includes(c.level)) {
    return notApplicable('minGrassrootsYears', label, `post level ${GRADE_LEVEL_NAMES[c.level]}`, `${fact}, targetGrade=${c.post.targetGrade}`);
  }
  const required = `≥ ${formatYears(years)}`;
  if (!Number.isFinite(value) || value < 0) {
    return { predicate: 'minGrassrootsYears', label, passed: false, applicable: true, required, actual: `invalid value ${value}`, fact };
  }
  // Tenths of a year, so 1.9999999 from a spreadsheet is 2.0 and no float is compared.
  const tenths = Math.round(value * 10);
  return {
    predicate: 'minGrassrootsYears',
    label,
    passed: tenths >= Math.round(years * 10),
    applicable: true,
    required,
    actual: `${(tenths / 10).toFixed(1)} 年`,
    fact,
  };
}

function minYearsAsDeputy(c: Context): QualificationResult {
  const years = c.rules.minYearsAsDeputy;
  const label = `任副职 ≥ ${years} 年 (years as deputy, deputy → principal)`;
  const { currentGrade, gradeSince } = c.facts;
  const fact = `currentGrade=${currentGrade}, gradeSince=${gradeSince}, targetGrade=${c.post.targetGrade}`;
  if (!isDeputyToPrincipal(currentGrade, c.post.targetGrade)) {
    return notApplicable('minYearsAsDeputy', label, `${gradeName(currentGrade)} → ${gradeName(c.post.targetGrade)} is not deputy → principal`, fact);
  }
  if (!c.rules.tenureLevels.includes(c.level)) {
    return notApplicable('minYearsAsDeputy', label, `post level ${GRADE_LEVEL_NAMES[c.level]}`, fact);
  }
  return waivedOutOfTurn(c, periodResult('minYearsAsDeputy', label, gradeSince, c.asOf, years, fact));
}

/** A tenure rule a 破格 promotion waives: it passes, saying so and citing the consent. */
function waivedOutOfTurn(c: Context, r: QualificationResult): QualificationResult {
  if (r.passed || !c.post.outOfTurn) return r;
  return { ...r, passed: true, actual: `${r.actual}; 破格: waived with the prior consent ${c.post.outOfTurn.consentRef}` };
}

function minYearsAsPrincipalBelow(c: Context): QualificationResult {
  const years = c.rules.minYearsAsPrincipalBelow;
  const label = `任下级正职 ≥ ${years} 年 (years as principal at the level below)`;
  const { currentGrade, gradeSince } = c.facts;
  const fact = `currentGrade=${currentGrade}, gradeSince=${gradeSince}, targetGrade=${c.post.targetGrade}`;
  if (!isPrincipalToDeputyAbove(currentGrade, c.post.targetGrade)) {
    return notApplicable(
      'minYearsAsPrincipalBelow',
      label,
      `${gradeName(currentGrade)} → ${gradeName(c.post.targetGrade)} is not principal below → deputy above`,
      fact,
    );
  }
  if (!c.rules.tenureLevels.includes(c.level)) {
    return notApplicable('minYearsAsPrincipalBelow', label, `post level ${GRADE_LEVEL_NAMES[c.level]}`, fact);
  }
  return waivedOutOfTurn(c, periodResult('minYearsAsPrincipalBelow', label, gradeSince, c.asOf, years, fact));
}

function minEducation(c: Context): QualificationResult {
  const min = c.rules.minEducationByLevel[c.level] ?? c.rules.minEducation;
  const label = `学历 ≥ ${EDUCATION_INFO[min].name} (education ≥ ${min})`;
  return {
    predicate: 'minEducation',
    label,
    passed: educationAtLeast(c.facts.education, min),
    applicable: true,
    required: `≥ ${educationName(min)} for a ${GRADE_LEVEL_NAMES[c.level]} post`,
    actual: educationName(c.facts.education),
    fact: `education=${c.facts.education}`,
  };
}

function minPartyYears(c: Context): QualificationResult {
  const years = c.post.minPartyYears ?? c.rules.minPartyYears;
  const label = `党龄 ≥ ${years} 年 (years of Party standing)`;
  const join = c.facts.partyJoinDate;
  const fact = `partyJoinDate=${join ?? 'null'}`;
  if (!c.post.isPartyPost) return notApplicable('minPartyYears', label, 'not a Party post', `${fact}, isPartyPost=false`);
  if (join === null) {
    return { predicate: 'minPartyYears', label, passed: false, applicable: true, required: `≥ ${formatYears(years)}`, actual: '非党员 (not a Party member)', fact };
  }
  return periodResult('minPartyYears', label, join, c.asOf, years, fact);
}

function outOfTurnInterval(c: Context): QualificationResult {
  const years = c.rules.minYearsAfterOutOfTurn;
  const label = `破格提拔后满 ${years} 年 (years since an out-of-turn promotion)`;
  const { lastPromotionDate, lastPromotionOutOfTurn } = c.facts;
  const fact = `lastPromotionDate=${lastPromotionDate ?? 'null'}, lastPromotionOutOfTurn=${lastPromotionOutOfTurn}`;
  if (!lastPromotionOutOfTurn) return notApplicable('outOfTurnInterval', label, 'last promotion was not out of turn', fact);
  if (c.steps <= 0) {
    return notApplicable('outOfTurnInterval', label, 'not a promotion', `${fact}, currentGrade=${c.facts.currentGrade}, targetGrade=${c.post.targetGrade}`);
  }
  if (lastPromotionDate === null) {
    // Out of turn but undated: the interval cannot be shown to have passed.
    return { predicate: 'outOfTurnInterval', label, passed: false, applicable: true, required: `≥ ${formatYears(years)}`, actual: 'no lastPromotionDate recorded', fact };
  }
  return periodResult('outOfTurnInterval', label, lastPromotionDate, c.asOf, years, fact);
}

function maxGradeSteps(c: Context): QualificationResult {
  const max = c.rules.maxGradeSteps;
  const label = `不得越级提拔, 一次至多 ${max} 级 (at most ${max} grade step per promotion)`;
  const { currentGrade } = c.facts;
  const target = c.post.targetGrade;
  const oneStep = c.rules.principalToDeputyAboveIsOneStep && isPrincipalToDeputyAbove(currentGrade, target);
  const steps = oneStep ? 1 : c.steps;
  return {
    predicate: 'maxGradeSteps',
    label,
    passed: steps <= max,
    applicable: true,
    required: `≤ ${max} step(s)`,
    actual: `${gradeName(currentGrade)} → ${gradeName(target)}: ${steps} step(s)`,
    fact: `currentGrade=${currentGrade}, targetGrade=${target}`,
  };
}

function maxAge(c: Context): QualificationResult {
  const max = c.post.maxAge;
  const birth = c.facts.birthDate;
  const fact = `birthDate=${birth ?? 'null'}`;
  const label = `年龄 ≤ ${max ?? '—'} 周岁 (age limit of the post)`;
  if (max === undefined) return notApplicable('maxAge', label, 'the post sets no age limit', fact);
  const required = `≤ ${max} 周岁 as of ${c.asOf} (born after ${isValidDate(c.asOf) ? addMonths(c.asOf, -12 * (max + 1)) : '?'})`;
  if (!birth || !isValidDate(birth)) return { predicate: 'maxAge', label, passed: false, applicable: true, required, actual: `no valid birthDate ${JSON.stringify(birth ?? null)}`, fact };
  const age = Math.trunc(fullMonthsBetween(birth, c.asOf) / 12);
  return { predicate: 'maxAge', label, passed: age <= max, applicable: true, required, actual: `${age} 周岁 as of ${c.asOf}`, fact };
}

function promotionBars(c: Context): QualificationResult {
  const records = c.facts.barRecords ?? [];
  const label = '影响期内不得提拔 (no promotion inside a sanction’s or assessment’s bar)';
  const fact = `barRecords=${records.length ? records.map((r) => `${r.kind}:${r.category}@${r.date}${r.ref ? ` (${r.ref})` : ''}`).join('; ') : 'none'}`;
  // Inside a bar: on or after its date, before its end.
  const inside = barsInForce(records, c.asOf).map(({ record: r, until }) => `${r.category} (${r.kind}) of ${r.date}, bar until ${until}`);
  return {
    predicate: 'promotionBars',
    label,
    passed: inside.length === 0,
    applicable: true,
    required: `no bar in force on ${c.asOf}`,
    actual: inside.length ? inside.join('; ') : 'none in force',
    fact,
  };
}

/**
 * The limits of a 破格 promotion (条例 art. 11): not while on probation or less than one year after the last
 * promotion (试用期未满或者提拔任职不满一年的, 不得破格提拔; the probation is a year, so the year covers it), and not
 * out of turn twice in a row (不得在任职年限上连续破格).
 */
function outOfTurnLimits(c: Context): QualificationResult {
  const label = '破格提拔的限制 (limits of an out-of-turn promotion)';
  const { lastPromotionDate, lastPromotionOutOfTurn, gradeSince } = c.facts;
  const fact = `lastPromotionDate=${lastPromotionDate ?? 'null'}, lastPromotionOutOfTurn=${lastPromotionOutOfTurn}, gradeSince=${gradeSince}`;
  if (!c.post.outOfTurn) return notApplicable('outOfTurnLimits', label, 'not an out-of-turn promotion', fact);
  const required = `consent ${c.post.outOfTurn.consentRef}; ≥ 1 年 since the last promotion; the last promotion not out of turn`;
  if (lastPromotionOutOfTurn) return { predicate: 'outOfTurnLimits', label, passed: false, applicable: true, required, actual: '连续破格: the last promotion was out of turn too', fact };
  const since = lastPromotionDate ?? gradeSince;
  if (!isValidDate(since) || !hasServedYears(since, c.asOf, 1)) {
    return { predicate: 'outOfTurnLimits', label, passed: false, applicable: true, required, actual: `提拔任职不满一年: promoted on ${since}, a year reached on ${isValidDate(since) ? addMonths(since, 12) : '?'}`, fact };
  }
  return { predicate: 'outOfTurnLimits', label, passed: true, applicable: true, required, actual: `${formatMonths(fullMonthsBetween(since, c.asOf))} since ${since}`, fact };
}

/**
 * Whether a leader of grade `upper` one level up leads one of grade `lower` one level down (直接上下级领导关系):
 * `upper` is a leading grade (正职 or 副职) ranking above `lower`. 《公务员回避规定（试行）》 art. 5 reads 直接上下级领导关系
 * as the leadership between the 正副职 of one level and the 正副职 of the level below; the unit tree is the data we
 * have for the levels, so a leader there at or below the other's grade does not lead them. A grade the ladder does
 * not know counts (it cannot be shown not to be in that relation).
 */
function leadsGrade(upper: string, lower: string): boolean {
  if (!isGrade(upper) || !isGrade(lower)) return true;
  return GRADE_INFO[upper].position !== null && compareGrades(upper, lower) > 0;
}

/**
 * Whether a relative holding `grade` in the unit that leads the post's unit would be the candidate's direct superior
 * (直接上级领导): a leading grade ranking above the post's (leadsGrade).
 */
export function leadsPost(grade: string, postGrade: Grade): boolean {
  return leadsGrade(grade, postGrade);
}

/**
 * Whether a relative holding `grade` in a unit the post's unit leads would be the candidate's direct subordinate
 * (直接下级): the post is a leading grade ranking above theirs (leadsGrade the other way round). A 科员 post leads nobody.
 */
export function ledByPost(grade: string, postGrade: Grade): boolean {
  return leadsGrade(postGrade, grade);
}

/**
 * 任职回避 (《党政领导干部任职回避暂行规定》 art. 3; 《条例》, chapter 回避): a candidate related as spouse, direct
 * blood relative, collateral relative within three generations or close in-law to a leader
 *  - does not take a post in a unit whose leadership holds that relative (they would serve in the same unit's
 *    leadership, 同一机关…直接隶属于同一领导人员的职务), and
 *  - does not take a post in a direct superior–subordinate relation with the relative (有直接上下级领导关系的职务),
 *    either way round. Modelled from the unit tree, where a unit's parent unit leads it: a relative holding a leading
 *    grade above the post's in the post's unit's parent unit (PostSpec.parentUnitId) would be the candidate's direct
 *    superior (leadsPost); a relative holding a leading grade below the post's in a unit the post's unit leads
 *    (PostSpec.childUnitIds) would be the candidate's direct subordinate (ledByPost).
 */
function positionRecusal(c: Context): QualificationResult {
  const relatives = c.facts.relativesInUnit ?? [];
  const parent = c.post.parentUnitId;
  const leadsUnits = (c.post.childUnitIds?.length ?? 0) > 0;
  const grade = c.post.targetGrade;
  const superiors = parent === undefined ? [] : (c.facts.relativesInParentUnit ?? []).filter((r) => leadsPost(r.grade, grade));
  const subordinates = leadsUnits ? (c.facts.relativesInChildUnits ?? []).filter((r) => ledByPost(r.grade, grade)) : [];
  const list = (rs: readonly RelativeLeader[] | undefined) => (rs?.length ? rs.map((r) => `${r.personId} (${r.relation}, ${r.grade}, ${r.unitId})`).join('; ') : 'none');
  const fact =
    `relativesInUnit=${list(relatives)}` +
    (parent === undefined ? '' : `, relativesInParentUnit=${list(c.facts.relativesInParentUnit)}`) +
    (leadsUnits ? `, relativesInChildUnits=${list(c.facts.relativesInChildUnits)}` : '');
  const named = (rs: readonly RelativeLeader[]) => rs.map((r) => `${r.personId} (${r.relation})`).join(', ');
  const units = (rs: readonly RelativeLeader[]) => {
    const ids = [...new Set(rs.map((r) => r.unitId))];
    return `${ids.length === 1 ? 'the unit' : 'the units'} ${ids.join(', ')}`;
  };
  const found = [
    ...(relatives.length ? [`related to ${named(relatives)} in the unit's leadership`] : []),
    ...(superiors.length ? [`related to ${named(superiors)} above ${grade} in the leadership of the parent unit ${parent} (direct superior)`] : []),
    ...(subordinates.length ? [`related to ${named(subordinates)} below ${grade} in the leadership of ${units(subordinates)} under the post's unit (direct subordinate, 直接下级)`] : []),
  ];
  return {
    predicate: 'positionRecusal',
    label: '任职回避 (no relative in the unit’s leadership, as direct superior or as direct subordinate)',
    passed: found.length === 0,
    applicable: true,
    required:
      'no spouse, direct blood, collateral (3 generations) or close in-law relative in the leadership of the post’s unit' +
      (parent === undefined ? '' : `, nor above ${grade} in the leadership of its parent unit ${parent} (direct superior)`) +
      (leadsUnits ? `, nor below ${grade} in the leadership of a unit it leads (direct subordinate)` : ''),
    actual: found.length ? found.join('; ') : 'none',
    fact,
  };
}

const PREDICATES: Record<QualificationPredicate, (c: Context) => QualificationResult> = {
  minWorkYears,
  minGrassrootsYears,
  minYearsAsDeputy,
  minYearsAsPrincipalBelow,
  minEducation,
  minPartyYears,
  outOfTurnInterval,
  maxGradeSteps,
  maxAge,
  promotionBars,
  outOfTurnLimits,
  positionRecusal,
};

/**
 * Checks a candidate against a post's principles as of a date (YYYY-MM-DD). The rules are `rules`
 * (the defaults unless given) with the post's `overrides` over them, and the post's `minPartyYears`
 * over that. Throws a RangeError only for a malformed `asOf`; a malformed date in the facts fails the
 * predicate that uses it.
 */
export function evaluateQualifications(
  facts: CandidateFacts,
  post: PostSpec,
  asOf: string,
  rules: QualificationRules = DEFAULT_QUALIFICATION_RULES,
): QualificationEvaluation {
  if (!isValidDate(asOf)) throw new RangeError(`asOf is not a YYYY-MM-DD date: ${asOf}`);
  const context: Context = {
    facts,
    post,
    asOf,
    rules: resolveRules(post.overrides, rules),
    steps: gradeSteps(facts.currentGrade, post.targetGrade),
    level: levelOf(post.targetGrade),
  };
  // Each row carries the date it was counted to, so a check read later shows the cut-off it used.
  const results = QUALIFICATION_PREDICATES.map((p) => ({ ...PREDICATES[p](context), asOf }));
  return { eligible: results.every((r) => r.passed), asOf, results };
}
