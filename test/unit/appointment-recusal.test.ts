/**
 * 任职回避, the direction downwards (issue 11): a candidate does not take a post that would make them the direct
 * superior of a relative, a relative leading a unit the post's unit leads (its child in the unit tree) at a grade below
 * the post's. The same predicate (positionRecusal) as the relative in the unit's leadership and the relative as the
 * direct superior (test/unit/selection-issue11.test.ts).
 */
import { evaluateQualifications, ledByPost, leadsPost, type CandidateFacts, type PostSpec } from '../../domain/qualifications';
import { SENIOR_CANDIDATE } from '../helpers/candidates';

const facts = SENIOR_CANDIDATE;
// 市教育局局长 (正处), under 市 (city), leading 人事科 and 基础教育科.
const post: PostSpec = { title: '市教育局局长', targetGrade: 'division', isPartyPost: false, parentUnitId: 'city', childUnitIds: ['jyj-rsk', 'jyj-jck'] };
const recusal = (relativesInChildUnits: CandidateFacts['relativesInChildUnits'], p: PostSpec = post, more: Partial<CandidateFacts> = {}) =>
  evaluateQualifications({ ...facts, ...more, relativesInChildUnits }, p, '2026-05-01').results.find((r) => r.predicate === 'positionRecusal');

describe('任职回避: a relative the candidate would lead (直接下级)', () => {
  test('a relative holding a leading grade below the post’s in a unit the post’s unit leads fails the candidate, naming the relative and the unit', () => {
    const r = recusal([{ personId: 'C1', relation: 'spouse', grade: 'section', unitId: 'jyj-rsk' }]);
    expect(r).toMatchObject({
      passed: false,
      applicable: true,
      actual: "related to C1 (spouse) below division in the leadership of the unit jyj-rsk under the post's unit (direct subordinate, 直接下级)",
    });
    expect(r?.required).toMatch(/, nor below division in the leadership of a unit it leads \(direct subordinate\)$/);
    expect(r?.fact).toBe('relativesInUnit=none, relativesInParentUnit=none, relativesInChildUnits=C1 (spouse, section, jyj-rsk)');
    // Two relatives in two units: both named, each unit once.
    expect(recusal([{ personId: 'C1', relation: 'inLaw', grade: 'deputySection', unitId: 'jyj-rsk' }, { personId: 'C2', relation: 'collateral', grade: 'deputyDivision', unitId: 'jyj-jck' }])?.actual).toBe(
      "related to C1 (inLaw), C2 (collateral) below division in the leadership of the units jyj-rsk, jyj-jck under the post's unit (direct subordinate, 直接下级)",
    );
    // A grade the ladder does not know cannot be shown not to be led by the post.
    expect(recusal([{ personId: 'C1', relation: 'directBlood', grade: 'unknown', unitId: 'jyj-rsk' }])?.passed).toBe(false);
  });

  test('a relative there at or above the post’s grade is not led by it; a 科员 post leads nobody; a unit that leads none has no such relatives', () => {
    expect(recusal([{ personId: 'C1', relation: 'spouse', grade: 'division', unitId: 'jyj-rsk' }])?.passed).toBe(true);
    expect(recusal([{ personId: 'C1', relation: 'spouse', grade: 'deputyBureau', unitId: 'jyj-rsk' }])?.passed).toBe(true);
    expect(recusal([{ personId: 'C1', relation: 'spouse', grade: 'staff', unitId: 'jyj-rsk' }], { ...post, targetGrade: 'staff' })?.passed).toBe(true);
    expect(recusal([])).toMatchObject({ passed: true, actual: 'none', fact: 'relativesInUnit=none, relativesInParentUnit=none, relativesInChildUnits=none' });
    // No child units: the requirement and the facts are the upward ones only, as before this rule.
    for (const p of [{ ...post, childUnitIds: [] }, { ...post, childUnitIds: undefined }]) {
      const r = recusal([{ personId: 'C1', relation: 'spouse', grade: 'section', unitId: 'jyj-rsk' }], p);
      expect(r).toMatchObject({ passed: true, fact: 'relativesInUnit=none, relativesInParentUnit=none' });
      expect(r?.required).not.toContain('direct subordinate');
    }
  });

  test('one predicate for both directions and the unit’s own leadership: every finding is listed', () => {
    const r = recusal([{ personId: 'C1', relation: 'spouse', grade: 'section', unitId: 'jyj-rsk' }], post, {
      relativesInUnit: [{ personId: 'U1', relation: 'inLaw', grade: 'deputyDivision', unitId: 'jyj' }],
      relativesInParentUnit: [{ personId: 'P1', relation: 'directBlood', grade: 'deputyBureau', unitId: 'city' }],
    });
    expect(r?.passed).toBe(false);
    expect(r?.actual.split('; ')).toEqual([
      "related to U1 (inLaw) in the unit's leadership",
      'related to P1 (directBlood) above division in the leadership of the parent unit city (direct superior)',
      "related to C1 (spouse) below division in the leadership of the unit jyj-rsk under the post's unit (direct subordinate, 直接下级)",
    ]);
    expect(evaluateQualifications({ ...facts, relativesInChildUnits: [{ personId: 'C1', relation: 'spouse', grade: 'section', unitId: 'jyj-rsk' }] }, post, '2026-05-01').eligible).toBe(false);
  });

  test('ledByPost is leadsPost the other way round: the post a leading grade above the relative’s', () => {
    expect(ledByPost('section', 'division')).toBe(true);
    expect(ledByPost('deputyDivision', 'division')).toBe(true);
    expect(ledByPost('division', 'division')).toBe(false);
    expect(ledByPost('deputyBureau', 'division')).toBe(false);
    expect(ledByPost('staff', 'staff')).toBe(false);
    expect(ledByPost('unknown', 'section')).toBe(true);
    for (const [a, b] of [['section', 'division'], ['division', 'section'], ['division', 'division']] as const) expect(ledByPost(a, b)).toBe(leadsPost(b, a));
  });
});
