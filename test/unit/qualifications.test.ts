import type { Grade } from '../../domain/grades';
import { fullMonthsBetween, hasServedYears } from '../../domain/periods';
import { DEFAULT_QUALIFICATION_RULES, resolveRules } from '../../domain/qualification-rules';
import {
  QUALIFICATION_PREDICATES,
  evaluateQualifications,
  type CandidateFacts,
  type PostSpec,
  type QualificationPredicate,
  type QualificationResult,
} from '../../domain/qualifications';
import { ELIGIBLE_AS_OF, ELIGIBLE_CANDIDATE } from '../helpers/candidates';

const base = ELIGIBLE_CANDIDATE;
const AS_OF = ELIGIBLE_AS_OF;

function post(targetGrade: Grade, extra: Partial<PostSpec> = {}): PostSpec {
  return { title: `post ${targetGrade}`, targetGrade, isPartyPost: false, ...extra };
}

function check(
  predicate: QualificationPredicate,
  facts: Partial<CandidateFacts>,
  spec: PostSpec,
  asOf = AS_OF,
): QualificationResult & { eligible: boolean } {
  const evaluation = evaluateQualifications({ ...base, ...facts }, spec, asOf);
  const r = evaluation.results.find((x) => x.predicate === predicate);
  if (!r) throw new Error(`no result for ${predicate}`);
  return { ...r, eligible: evaluation.eligible };
}

describe('periods on calendar dates', () => {
  test('a full year is reached on the anniversary, not the day before', () => {
    expect(fullMonthsBetween('2021-07-01', '2026-07-01')).toBe(60);
    expect(fullMonthsBetween('2021-07-01', '2026-06-30')).toBe(59);
    expect(hasServedYears('2021-07-01', '2026-07-01', 5)).toBe(true);
    expect(hasServedYears('2021-07-01', '2026-06-30', 5)).toBe(false);
  });

  test('a period from 29 February completes its year on 28 February of a common year', () => {
    expect(hasServedYears('2020-02-29', '2021-02-28', 1)).toBe(true);
    expect(hasServedYears('2020-02-29', '2021-02-27', 1)).toBe(false);
    expect(fullMonthsBetween('2020-02-29', '2021-02-28')).toBe(12);
    // In a leap year the anniversary is 29 February itself.
    expect(hasServedYears('2020-02-29', '2024-02-28', 4)).toBe(false);
    expect(hasServedYears('2020-02-29', '2024-02-29', 4)).toBe(true);
  });

  test('month ends clamp: 31 January plus one month is the end of February', () => {
    expect(fullMonthsBetween('2023-01-31', '2023-02-28')).toBe(1);
    expect(fullMonthsBetween('2023-01-31', '2023-02-27')).toBe(0);
    expect(fullMonthsBetween('2023-01-31', '2023-03-30')).toBe(1);
    expect(fullMonthsBetween('2023-01-31', '2023-03-31')).toBe(2);
  });

  test('fractional requirements count to the month', () => {
    expect(hasServedYears('2025-01-15', '2026-07-15', 1.5)).toBe(true);
    expect(hasServedYears('2025-01-15', '2026-07-14', 1.5)).toBe(false);
  });
});

describe('qualification predicates', () => {
  test('the default candidate is eligible, and every predicate is reported once, in order', () => {
    const e = evaluateQualifications(base, post('division'), AS_OF);
    expect(e.eligible).toBe(true);
    expect(e.results.map((r) => r.predicate)).toEqual([...QUALIFICATION_PREDICATES]);
    expect(e.results.every((r) => r.passed)).toBe(true);
  });

  describe('minWorkYears (县处级: 5 years of work)', () => {
    test('exactly 5 years on the anniversary passes; the day before fails', () => {
      const pass = check('minWorkYears', { workStartDate: '2021-06-30' }, post('division'));
      expect(pass).toMatchObject({ applicable: true, passed: true, fact: 'workStartDate=2021-06-30' });
      expect(pass.label).toBe('工作年限 ≥ 5 年 (years of work)');

      const fail = check('minWorkYears', { workStartDate: '2021-07-01' }, post('division'));
      expect(fail).toMatchObject({ applicable: true, passed: false, eligible: false, fact: 'workStartDate=2021-07-01' });
      expect(fail.actual).toMatch(/^4 年 11 个月/);
      expect(fail.required).toMatch(/reached on 2026-07-01/);
    });

    test('a start on 29 February completes 5 years on 28 February', () => {
      const f = { workStartDate: '2016-02-29', gradeSince: '2016-02-29' } as const;
      expect(check('minWorkYears', f, post('division'), '2021-02-28').passed).toBe(true);
      expect(check('minWorkYears', f, post('division'), '2021-02-27').passed).toBe(false);
    });

    test('does not apply to a 科级 post', () => {
      const r = check('minWorkYears', { currentGrade: 'deputySection', workStartDate: '2025-07-01' }, post('section'));
      expect(r).toMatchObject({ applicable: false, passed: true, eligible: true });
      expect(r.fact).toContain('workStartDate=2025-07-01');
    });

    test('a per-post override of 3 years changes the outcome', () => {
      const facts = { workStartDate: '2023-06-30' };
      expect(check('minWorkYears', facts, post('division')).passed).toBe(false);
      const overridden = check('minWorkYears', facts, post('division', { overrides: { minWorkYears: 3 } }));
      expect(overridden).toMatchObject({ passed: true, eligible: true, label: '工作年限 ≥ 3 年 (years of work)' });
      expect(check('minWorkYears', { workStartDate: '2023-07-01' }, post('division', { overrides: { minWorkYears: 3 } })).passed).toBe(
        false,
      );
    });

    test('an invalid or future start date fails instead of throwing', () => {
      expect(check('minWorkYears', { workStartDate: '2021-02-30' }, post('division'))).toMatchObject({
        passed: false,
        actual: 'invalid date "2021-02-30"',
      });
      expect(check('minWorkYears', { workStartDate: '2027-01-01' }, post('division'))).toMatchObject({
        passed: false,
        actual: 'starts after 2026-06-30',
      });
    });
  });

  describe('minGrassrootsYears (县处级: 2 years at grassroots level)', () => {
    test('2.0 passes, 1.9 fails, compared in tenths', () => {
      expect(check('minGrassrootsYears', { grassrootsYears: 2 }, post('division'))).toMatchObject({
        applicable: true,
        passed: true,
        actual: '2.0 年',
        fact: 'grassrootsYears=2',
      });
      expect(check('minGrassrootsYears', { grassrootsYears: 1.9 }, post('division'))).toMatchObject({
        applicable: true,
        passed: false,
        eligible: false,
        fact: 'grassrootsYears=1.9',
      });
      // A float that is 2 in tenths passes; 1.94 rounds to 1.9 and fails.
      expect(check('minGrassrootsYears', { grassrootsYears: 1.9999999 }, post('division')).passed).toBe(true);
      expect(check('minGrassrootsYears', { grassrootsYears: 1.94 }, post('division')).passed).toBe(false);
    });

    test('does not apply to a 科级 post', () => {
      expect(check('minGrassrootsYears', { currentGrade: 'deputySection', grassrootsYears: 0 }, post('section'))).toMatchObject({
        applicable: false,
        passed: true,
      });
    });
  });

  describe('minYearsAsDeputy (副职 → 正职: 2 years as deputy)', () => {
    test('副处 → 正处 needs 2 years as 副处, reached on the anniversary', () => {
      const pass = check('minYearsAsDeputy', { gradeSince: '2024-06-30' }, post('division'));
      expect(pass).toMatchObject({
        applicable: true,
        passed: true,
        fact: 'currentGrade=deputyDivision, gradeSince=2024-06-30, targetGrade=division',
      });
      const fail = check('minYearsAsDeputy', { gradeSince: '2024-07-01' }, post('division'));
      expect(fail).toMatchObject({ applicable: true, passed: false, eligible: false });
      expect(fail.fact).toContain('gradeSince=2024-07-01');
    });

    test('applies to 副科 → 正科 as well', () => {
      const f = { currentGrade: 'deputySection', gradeSince: '2024-07-01' } as const;
      expect(check('minYearsAsDeputy', f, post('section'))).toMatchObject({ applicable: true, passed: false });
      expect(check('minYearsAsDeputy', f, post('section', { overrides: { tenureLevels: ['division', 'bureau'] } }))).toMatchObject({
        applicable: false,
        passed: true,
      });
    });

    test('does not apply to a move that is not deputy → principal', () => {
      const r = check('minYearsAsDeputy', { currentGrade: 'section', gradeSince: '2026-01-01' }, post('deputyDivision'));
      expect(r).toMatchObject({ applicable: false, passed: true });
      expect(r.fact).toContain('currentGrade=section');
    });
  });

  describe('minYearsAsPrincipalBelow (下级正职 → 上级副职: 3 years)', () => {
    test('正科 → 副处 needs 3 years as 正科, reached on the anniversary', () => {
      const pass = check('minYearsAsPrincipalBelow', { currentGrade: 'section', gradeSince: '2023-06-30' }, post('deputyDivision'));
      expect(pass).toMatchObject({
        applicable: true,
        passed: true,
        eligible: true,
        fact: 'currentGrade=section, gradeSince=2023-06-30, targetGrade=deputyDivision',
      });
      const fail = check('minYearsAsPrincipalBelow', { currentGrade: 'section', gradeSince: '2023-07-01' }, post('deputyDivision'));
      expect(fail).toMatchObject({ applicable: true, passed: false, eligible: false });
    });

    test('正处 → 副厅 is the same rule one level up', () => {
      const f = { currentGrade: 'division', gradeSince: '2023-07-01', education: 'master' } as const;
      expect(check('minYearsAsPrincipalBelow', f, post('deputyBureau'))).toMatchObject({ applicable: true, passed: false });
      expect(check('minYearsAsPrincipalBelow', f, post('deputyBureau'), '2026-07-01')).toMatchObject({ applicable: true, passed: true });
    });

    test('does not apply to deputy → principal', () => {
      expect(check('minYearsAsPrincipalBelow', { gradeSince: '2026-06-01' }, post('division'))).toMatchObject({
        applicable: false,
        passed: true,
      });
    });
  });

  describe('minEducation (大专; 厅局级 本科)', () => {
    test('college passes for a 县处级 post; high school fails', () => {
      const pass = check('minEducation', { education: 'college' }, post('division'));
      expect(pass).toMatchObject({ applicable: true, passed: true, fact: 'education=college' });
      expect(pass.label).toBe('学历 ≥ 大专 (education ≥ college)');
      expect(check('minEducation', { education: 'highSchool' }, post('division'))).toMatchObject({
        passed: false,
        eligible: false,
        fact: 'education=highSchool',
      });
    });

    test('a 厅局级 post needs a bachelor: college fails, bachelor passes', () => {
      const f = { currentGrade: 'division', gradeSince: '2020-01-01' } as const;
      const fail = check('minEducation', { ...f, education: 'college' }, post('deputyBureau'));
      expect(fail).toMatchObject({ passed: false, eligible: false, label: '学历 ≥ 本科 (education ≥ bachelor)' });
      expect(check('minEducation', { ...f, education: 'bachelor' }, post('deputyBureau'))).toMatchObject({ passed: true, eligible: true });
    });

    test('a per-post override can relax the 厅局级 bachelor requirement (一般)', () => {
      const r = check(
        'minEducation',
        { currentGrade: 'division', gradeSince: '2020-01-01', education: 'college' },
        post('deputyBureau', { overrides: { minEducationByLevel: { bureau: 'college' } } }),
      );
      expect(r.passed).toBe(true);
    });
  });

  describe('minPartyYears (Party posts only)', () => {
    test('a Party post needs 5 years of Party standing by default, reached on the anniversary', () => {
      const pass = check('minPartyYears', { partyJoinDate: '2021-06-30' }, post('division', { isPartyPost: true }));
      expect(pass).toMatchObject({ applicable: true, passed: true, fact: 'partyJoinDate=2021-06-30' });
      expect(pass.label).toBe('党龄 ≥ 5 年 (years of Party standing)');
      expect(check('minPartyYears', { partyJoinDate: '2021-07-01' }, post('division', { isPartyPost: true }))).toMatchObject({
        applicable: true,
        passed: false,
        eligible: false,
      });
    });

    test('the post can set its own minimum', () => {
      const spec = post('division', { isPartyPost: true, minPartyYears: 3 });
      expect(check('minPartyYears', { partyJoinDate: '2023-06-30' }, spec)).toMatchObject({ passed: true, label: '党龄 ≥ 3 年 (years of Party standing)' });
      expect(check('minPartyYears', { partyJoinDate: '2023-07-01' }, spec).passed).toBe(false);
    });

    test('a non-member fails a Party post', () => {
      expect(check('minPartyYears', { partyJoinDate: null }, post('division', { isPartyPost: true }))).toMatchObject({
        applicable: true,
        passed: false,
        fact: 'partyJoinDate=null',
      });
    });

    test('does not apply to a post that is not a Party post', () => {
      const r = check('minPartyYears', { partyJoinDate: null }, post('division', { isPartyPost: false }));
      expect(r).toMatchObject({ applicable: false, passed: true, eligible: true });
      expect(r.fact).toContain('isPartyPost=false');
    });
  });

  describe('outOfTurnInterval (破格: not within a year)', () => {
    const spec = post('division');
    test('within a year of an out-of-turn promotion fails; on the anniversary passes', () => {
      const f = { currentGrade: 'deputyDivision', gradeSince: '2020-01-01', lastPromotionOutOfTurn: true } as const;
      const fail = check('outOfTurnInterval', { ...f, lastPromotionDate: '2025-07-01' }, spec);
      expect(fail).toMatchObject({
        applicable: true,
        passed: false,
        eligible: false,
        fact: 'lastPromotionDate=2025-07-01, lastPromotionOutOfTurn=true',
      });
      expect(check('outOfTurnInterval', { ...f, lastPromotionDate: '2025-06-30' }, spec)).toMatchObject({
        applicable: true,
        passed: true,
        eligible: true,
      });
    });

    test('does not apply when the last promotion was in turn', () => {
      expect(check('outOfTurnInterval', { lastPromotionDate: '2026-06-01', lastPromotionOutOfTurn: false }, spec)).toMatchObject({
        applicable: false,
        passed: true,
      });
    });

    test('an out-of-turn promotion without a date fails', () => {
      expect(check('outOfTurnInterval', { lastPromotionDate: null, lastPromotionOutOfTurn: true }, spec)).toMatchObject({
        applicable: true,
        passed: false,
        fact: 'lastPromotionDate=null, lastPromotionOutOfTurn=true',
      });
    });
  });

  describe('maxGradeSteps (never two levels at once)', () => {
    test('正科 → 正处 (two rungs) fails; 正科 → 副处 passes', () => {
      const f = { currentGrade: 'section', gradeSince: '2020-01-01' } as const;
      const fail = check('maxGradeSteps', f, post('division'));
      expect(fail).toMatchObject({ applicable: true, passed: false, eligible: false, fact: 'currentGrade=section, targetGrade=division' });
      expect(fail.actual).toContain('2 step(s)');
      expect(check('maxGradeSteps', f, post('deputyDivision'))).toMatchObject({ passed: true, eligible: true });
    });

    test('副科 → 副处 skips 正科 and fails', () => {
      expect(check('maxGradeSteps', { currentGrade: 'deputySection', gradeSince: '2020-01-01' }, post('deputyDivision')).passed).toBe(false);
    });

    test('a lateral move passes', () => {
      expect(check('maxGradeSteps', {}, post('deputyDivision')).passed).toBe(true);
    });
  });

  test('every result names the record field(s) it used, applicable or not', () => {
    const specs = [post('division'), post('deputyDivision', { isPartyPost: true }), post('section'), post('deputyBureau')];
    const fieldsByPredicate: Record<QualificationPredicate, string[]> = {
      minWorkYears: ['workStartDate='],
      minGrassrootsYears: ['grassrootsYears='],
      minYearsAsDeputy: ['currentGrade=', 'gradeSince='],
      minYearsAsPrincipalBelow: ['currentGrade=', 'gradeSince='],
      minEducation: ['education='],
      minPartyYears: ['partyJoinDate='],
      outOfTurnInterval: ['lastPromotionDate=', 'lastPromotionOutOfTurn='],
      maxGradeSteps: ['currentGrade=', 'targetGrade='],
      maxAge: ['birthDate='],
      promotionBars: ['barRecords='],
      outOfTurnLimits: ['lastPromotionDate='],
      positionRecusal: ['relativesInUnit='],
    };
    for (const spec of specs) {
      for (const facts of [base, { ...base, currentGrade: 'section' as const, lastPromotionOutOfTurn: true }]) {
        for (const r of evaluateQualifications(facts, spec, AS_OF).results) {
          for (const field of fieldsByPredicate[r.predicate]) expect(r.fact).toContain(field);
          expect(r.label).toMatch(/[\u4e00-\u9fff].*\(.*[a-z].*\)/);
          expect(r.required).not.toBe('');
          expect(r.actual).not.toBe('');
          if (!r.applicable) expect(r.passed).toBe(true);
        }
      }
    }
  });

  test('a malformed evaluation date is refused', () => {
    expect(() => evaluateQualifications(base, post('division'), '2026-6-30')).toThrow(RangeError);
  });
});

describe('resolveRules', () => {
  test('without overrides, the defaults (a copy)', () => {
    const r = resolveRules();
    expect(r).toEqual(DEFAULT_QUALIFICATION_RULES);
    r.minEducationByLevel = {};
    expect(DEFAULT_QUALIFICATION_RULES.minEducationByLevel).toEqual({ bureau: 'bachelor' });
  });

  test('overrides replace fields, merge minEducationByLevel key by key, and ignore undefined', () => {
    const r = resolveRules({ minWorkYears: 3, minGrassrootsYears: undefined, minEducationByLevel: { division: 'bachelor' } });
    expect(r.minWorkYears).toBe(3);
    expect(r.minGrassrootsYears).toBe(2);
    expect(r.minEducationByLevel).toEqual({ division: 'bachelor', bureau: 'bachelor' });
  });

  test('the rules argument is the base the post overrides sit on', () => {
    const local = resolveRules({ minWorkYears: 8 });
    const facts = { ...base, workStartDate: '2020-06-30' };
    expect(evaluateQualifications(facts, post('division'), AS_OF, local).eligible).toBe(false);
    expect(evaluateQualifications(facts, post('division', { overrides: { minWorkYears: 6 } }), AS_OF, local).eligible).toBe(true);
  });
});
