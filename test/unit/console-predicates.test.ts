/**
 * The console's eligibility table (web/src/predicates.ts) reads in Chinese: every branch of every qualification
 * predicate (domain/qualifications.ts), over every grade step, Party and non-Party posts, out-of-turn
 * promotions, age limits, bad dates, bars in force and relatives in the unit, is rendered with no English word
 * in its label, requirement, finding or record fields. A phrase of the domain the console does not know fails
 * here, rather than showing as '—' on the task page.
 */
import { GRADES } from '../../domain/grades';
import { evaluateQualifications, type CandidateFacts, type PostSpec, type QualificationResult } from '../../domain/qualifications';
import { hasEnglish } from '../../web/src/labels';
import { predicateActual, predicateFact, predicateLabel, predicateRequired, removalText, type PredicateResult } from '../../web/src/predicates';
import { ELIGIBLE_AS_OF, ELIGIBLE_CANDIDATE } from '../helpers/candidates';

const AS_OF = ELIGIBLE_AS_OF;
const base = ELIGIBLE_CANDIDATE;

/** The facts that reach each predicate's other branches. */
const FACTS: Partial<CandidateFacts>[] = [
  {},
  { partyJoinDate: null, education: 'college', grassrootsYears: 0.5 },
  { lastPromotionOutOfTurn: true, lastPromotionDate: null },
  { lastPromotionOutOfTurn: true, lastPromotionDate: '2025-12-01', gradeSince: '2025-12-01' },
  { gradeSince: '2026-03-01', lastPromotionDate: '2026-03-01' },
  { workStartDate: 'not-a-date', birthDate: 'x', grassrootsYears: Number.NaN },
  { gradeSince: '2027-01-01' },
  { birthDate: undefined },
  {
    barRecords: [
      { kind: 'partySanction', category: '警告', date: '2026-01-10', ref: '市纪发〔2026〕3号' },
      { kind: 'annualAssessment', category: '基本称职', date: '2025-12-31' },
      { kind: 'admonition', category: '诫勉', date: '2020-01-01' },
    ],
    relativesInUnit: [
      { personId: 'T009', relation: 'spouse', grade: 'division', unitId: 'jyj' },
      { personId: 'T010', relation: 'inLaw', grade: 'deputyDivision', unitId: 'jyj' },
    ],
  },
  // 任职回避 of a direct superior: relatives in the leadership of the post's parent unit (PostSpec.parentUnitId).
  {
    relativesInParentUnit: [
      { personId: 'T011', relation: 'directBlood', grade: 'bureau', unitId: 'city' },
      { personId: 'T012', relation: 'collateral', grade: 'section', unitId: 'city' },
    ],
  },
  // 任职回避 of a direct subordinate: relatives in the leadership of a unit the post's unit leads (PostSpec.childUnitIds),
  // with one in the unit's own leadership, so that the findings are listed together.
  {
    relativesInChildUnits: [
      { personId: 'T013', relation: 'spouse', grade: 'deputySection', unitId: 'jyj-rsk' },
      { personId: 'T014', relation: 'inLaw', grade: 'deputyDivision', unitId: 'jyj-jck' },
    ],
    relativesInUnit: [{ personId: 'T015', relation: 'collateral', grade: 'section', unitId: 'jyj' }],
  },
];
const POSTS: Partial<PostSpec>[] = [
  {},
  { isPartyPost: true, maxAge: 45 },
  { outOfTurn: { consentRef: '省委组织部〔2026〕12号' }, isPartyPost: true, minPartyYears: 3, maxAge: 60 },
  { parentUnitId: 'city' },
  { childUnitIds: ['jyj-rsk', 'jyj-jck'] },
  { parentUnitId: 'city', childUnitIds: ['jyj-rsk'] },
];

function results(): QualificationResult[] {
  const out: QualificationResult[] = [];
  for (const facts of FACTS)
    for (const current of GRADES)
      for (const target of GRADES)
        for (const extra of POSTS) {
          const post: PostSpec = { title: '局长', targetGrade: target, isPartyPost: false, ...extra };
          out.push(...evaluateQualifications({ ...base, ...facts, currentGrade: current }, post, AS_OF).results);
        }
  return out;
}

/** The check of a person with no record in master data (procedures/cadre-selection/activities.ts). */
const NO_RECORD: PredicateResult = { predicate: 'personRecord', label: '干部档案 (personnel record)', passed: false, applicable: true, required: 'a record in master data', actual: 'none', fact: 'person=T404' };

describe('the eligibility table in Chinese (web/src/predicates.ts)', () => {
  const all = [...results(), NO_RECORD];

  test('no English word in any predicate’s label, requirement, finding or record fields', () => {
    const english = new Set<string>();
    for (const r of all) {
      for (const text of [predicateLabel(r), predicateRequired(r), predicateActual(r), predicateFact(r)]) if (hasEnglish(text)) english.add(`${r.predicate}: ${text}`);
    }
    expect([...english]).toEqual([]);
  });

  test('what a member reads: the rule, its numbers and dates, the record fields by name', () => {
    const [r] = evaluateQualifications(base, { title: '局长', targetGrade: 'division', isPartyPost: false }, AS_OF).results;
    expect(predicateLabel(r!)).toBe('工作年限 ≥ 5 年');
    expect(predicateRequired(r!)).toBe('≥ 5 年（自 2008-07-01 起，2013-07-01 届满）');
    expect(predicateActual(r!)).toBe('截至 2026-06-30：17 年 11 个月');
    expect(predicateFact(r!)).toBe('参加工作时间：2008-07-01');
    const bars = results().find((x) => x.predicate === 'promotionBars' && !x.passed)!;
    expect(predicateActual(bars)).toBe('党纪处分警告（2026-01-10），影响期至 2027-01-10；年度考核基本称职（2025-12-31），影响期至 2026-12-31');
    const recusal = results().find((x) => x.predicate === 'positionRecusal' && !x.passed)!;
    expect(predicateActual(recusal)).toBe('与该单位领导班子中的 T009（配偶）、T010（近姻亲）有亲属关系');
    const superior = evaluateQualifications(
      { ...base, relativesInParentUnit: [{ personId: 'T011', relation: 'directBlood', grade: 'bureau', unitId: 'city' }] },
      { title: '局长', targetGrade: 'division', isPartyPost: false, parentUnitId: 'city' },
      AS_OF,
    ).results.find((x) => x.predicate === 'positionRecusal')!;
    expect(superior.passed).toBe(false);
    expect(predicateActual(superior)).toMatch(/^与上级单位领导班子中职级高于正处的 T011（直系血亲）有亲属关系（直接上级）$/);
    expect(predicateRequired(superior)).toMatch(/上级单位领导班子中也没有职级高于正处的上述亲属（直接上级）$/);
    const subordinate = evaluateQualifications(
      { ...base, relativesInChildUnits: [{ personId: 'T013', relation: 'spouse', grade: 'section', unitId: 'jyj-rsk' }], relativesInUnit: [{ personId: 'T015', relation: 'inLaw', grade: 'section', unitId: 'jyj' }] },
      { title: '局长', targetGrade: 'division', isPartyPost: false, parentUnitId: 'city', childUnitIds: ['jyj-rsk'] },
      AS_OF,
    ).results.find((x) => x.predicate === 'positionRecusal')!;
    expect(subordinate.passed).toBe(false);
    expect(predicateActual(subordinate)).toBe('与该单位领导班子中的 T015（近姻亲）有亲属关系；与下级单位领导班子中职级低于正处的 T013（配偶）有亲属关系（直接下级）');
    expect(predicateRequired(subordinate)).toMatch(/上级单位领导班子中也没有职级高于正处的上述亲属（直接上级），下级单位领导班子中也没有职级低于正处的上述亲属（直接下级）$/);
    expect(predicateFact(subordinate)).toBe('本单位领导班子中的亲属：T015（近姻亲，正科）；上级单位领导班子中的亲属：无；下级单位领导班子中的亲属：T013（配偶，正科）');
  });
});

describe('why a candidate left the selection, in Chinese', () => {
  test('a negative 凡提四必 check with its note, and principles that no longer admit them', () => {
    expect(removalText('complaints: 反映问题经核实属实')).toBe('信访举报核查有问题：反映问题经核实属实');
    expect(removalText('personalMatters: ')).toBe('个人有关事项报告核查有问题');
    expect(removalText('not qualified under principles v2')).toBe('按第 2 版选任原则不再符合资格');
    expect(removalText('some other reason')).toBe('—');
  });
});
