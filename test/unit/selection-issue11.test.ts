/**
 * Issue 11, the cadre selection's defects 2, 3, 5, 6 and 9 and the age limit, as the pure rules the workflow's
 * Update validator and the qualification check apply: each with a case it lets through and a case it refuses.
 */
import { evaluateQualifications, leadsPost, type CandidateFacts, type PostSpec } from '../../domain/qualifications';
import { SENIOR_CANDIDATE } from '../helpers/candidates';
import type { CandidateView, FrozenPrinciples, IntegritySignerFacts, Principles, SelectionActInput, SelectionCommand, SelectionStage } from '../../procedures/cadre-selection/messages';
import { commandProblem, type CommandContext } from '../../procedures/cadre-selection/commands';
import {
  DEFAULT_SELECTION_RULES,
  eligibilityCutoff,
  establishmentProblem,
  integritySignerProblem,
  nominee,
  postChanged,
  probationApplies,
  promotionBarProblem,
  reconsiderationProblem,
  recusalProblem,
} from '../../procedures/cadre-selection/rules';

const TODAY = '2026-05-20';
const NOW = Date.parse('2026-05-20T12:00:00+08:00');
const STAFF = 'zzb-staff';

function principles(patch: Partial<Principles> = {}, post: Partial<Principles['post']> = {}): Principles {
  return {
    post: { title: '市教育局局长', unitId: 'jyj', positions: 1, targetGrade: 'division', isPartyPost: false, ...post },
    candidateScope: '全市县处级副职干部',
    method: 'meeting',
    timetable: '2026年6月底前完成',
    ...patch,
  };
}
const frozen = (p: Principles = principles()): FrozenPrinciples => ({ version: 1, hash: 'a'.repeat(64), frozenAt: '2026-04-20T02:00:00.000Z', principles: p });

const candidate = (personId: string, patch: Partial<CandidateView> = {}): CandidateView => ({
  ...nominee(personId, '2026-05-01', 10, 0),
  check: { personId, principlesVersion: 1, eligible: true, results: [] },
  shortlisted: true,
  ...patch,
});

function ctx(stage: SelectionStage, candidates: CandidateView[], extra: Partial<CommandContext> & { nomination?: CommandContext['state']['nomination']; notice?: CommandContext['state']['notice'] } = {}): CommandContext {
  const { nomination, notice, ...rest } = extra;
  return {
    state: { status: 'open', stage, candidates, nomination: nomination ?? null, inspection: null, probationEndsAt: null, ...(notice ? { notice } : {}) },
    frozen: frozen(),
    initiatorId: 'zzb-initiator',
    today: TODAY,
    now: NOW,
    rules: DEFAULT_SELECTION_RULES,
    ...rest,
  };
}
const by = (c: SelectionCommand, actorId = STAFF): SelectionActInput => ({ ...c, actorId, actorRoles: ['staff'] });
const codeOf = (c: CommandContext, a: SelectionActInput): string | undefined => commandProblem(c, a)?.code;

// ---------------------------------------------------------------------------------------------
// Defect 3: the eligibility cut-off
// ---------------------------------------------------------------------------------------------

describe('defect 3: qualifications are counted to the cut-off, not to the day the check runs', () => {
  // The input: 副处 since 2024-05-15, a 正处 post, the recommendation of 2026-05-01 recorded on 2026-05-20.
  const facts: CandidateFacts = {
    birthDate: '1985-03-01',
    workStartDate: '2008-07-01',
    grassrootsYears: 3,
    currentGrade: 'deputyDivision',
    gradeSince: '2024-05-15',
    education: 'bachelor',
    partyJoinDate: '2006-06-01',
    lastPromotionDate: '2024-05-15',
    lastPromotionOutOfTurn: false,
  };
  const post: PostSpec = { title: '市教育局局长', targetGrade: 'division', isPartyPost: false };

  test('the cut-off is the recommendation’s date by default: 1 year 11 months of the 2 a deputy needs, so the candidate fails', () => {
    const asOf = eligibilityCutoff(principles(), '2026-05-01');
    expect(asOf).toBe('2026-05-01');
    const e = evaluateQualifications(facts, post, asOf);
    const r = e.results.find((x) => x.predicate === 'minYearsAsDeputy');
    expect(e.eligible).toBe(false);
    expect(r?.passed).toBe(false);
    expect(r?.actual).toContain('1 年 11 个月');
    // Every rule shows the date it was counted to.
    expect(e.asOf).toBe('2026-05-01');
    for (const x of e.results) expect(x.asOf).toBe('2026-05-01');
    // On the day it was recorded (what the check used before), the same candidate passed.
    expect(evaluateQualifications(facts, post, TODAY).eligible).toBe(true);
  });

  test('a cut-off fixed in the principles wins over the recommendation’s date', () => {
    expect(eligibilityCutoff(principles({ eligibilityDate: '2026-06-30' }), '2026-05-01')).toBe('2026-06-30');
    expect(evaluateQualifications(facts, post, eligibilityCutoff(principles({ eligibilityDate: '2026-06-30' }), '2026-05-01')).eligible).toBe(true);
  });

  test('a revision cannot move the cut-off once the recommendation is recorded: eligibility_date_fixed; before it, it can', () => {
    const nomination = { date: '2026-05-01', meeting: null, talks: 3, eligibilityAsOf: '2026-05-01' };
    const move = by({ action: 'revisePrinciples', principles: principles({ eligibilityDate: '2026-05-20' }), reason: '调整截止日期' });
    const c = ctx('shortlist', [candidate('P1')], { nomination });
    expect(codeOf(c, move)).toBe('eligibility_date_fixed');
    expect(commandProblem(c, move)?.details?.field).toBe('principles.eligibilityDate');
    // Another change, the cut-off left as it was, passes.
    expect(codeOf(c, by({ action: 'revisePrinciples', principles: principles({ timetable: '7月底前' }), reason: '推迟' }))).toBeUndefined();
    expect(codeOf(ctx('nomination', []), move)).toBeUndefined();
  });

  test('a cut-off in the future is refused at the nomination, naming the field', () => {
    const c = { ...ctx('nomination', []), frozen: frozen(principles({ eligibilityDate: '2026-06-30' })) };
    const nominate = by({ action: 'recordNomination', date: '2026-05-01', meeting: { determined: 30, present: 25, votes: [{ personId: 'P1', votes: 20 }] } });
    expect(commandProblem(c, nominate)?.details?.field).toBe('principles.eligibilityDate');
    expect(codeOf({ ...c, frozen: frozen(principles({ eligibilityDate: '2026-05-01' })) }, nominate)).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Defect 2: a change of post voids the recommendation
// ---------------------------------------------------------------------------------------------

describe('defect 2: a recommendation is valid for its post only', () => {
  const post = principles().post;
  test('a new unit or a new grade is a change of post; a new title or number of positions is not', () => {
    expect(postChanged(post, { ...post, unitId: 'wsj' })).toBe(true);
    expect(postChanged(post, { ...post, targetGrade: 'deputyBureau' })).toBe(true);
    expect(postChanged(post, { ...post, title: '市教育局党组书记、局长' })).toBe(false);
    expect(postChanged(post, { ...post, positions: 2 })).toBe(false);
  });

  test('a change of post may move the cut-off, since it voids the recommendation and the names are sought again', () => {
    const nomination = { date: '2026-05-01', meeting: null, talks: 3, eligibilityAsOf: '2026-05-01' };
    const c = ctx('inspection', [candidate('P1')], { nomination });
    expect(codeOf(c, by({ action: 'revisePrinciples', principles: principles({ eligibilityDate: '2026-05-20' }, { unitId: 'wsj' }), reason: '岗位调整' }))).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Defect 5: the 廉洁自律 signatures
// ---------------------------------------------------------------------------------------------

describe('defect 5: two different office holders sign the 廉洁自律 conclusion, neither the candidate', () => {
  const signer = (personId: string | null, offices: IntegritySignerFacts['offices'], candidateUnitId: string | null = 'jyj'): IntegritySignerFacts => ({ personId, candidateUnitId, offices });
  const sec = signer('S1', [{ unitId: 'jyj', office: 'partySecretary', since: '2024-01-01' }]);
  const dis = signer('S2', [{ unitId: 'jyj', office: 'disciplineSecretary', since: '2024-01-01' }]);
  const both = signer('S3', [
    { unitId: 'jyj', office: 'partySecretary', since: '2024-01-01' },
    { unitId: 'jyj', office: 'disciplineSecretary', since: '2024-01-01' },
  ]);
  // Staff record who signed; the API adds what master data says of them (signer).
  const sign = (as: 'partySecretary' | 'disciplineSecretary', facts: IntegritySignerFacts | undefined) =>
    by({ action: 'signIntegrity', personId: 'P1', as, ...(facts?.personId ? { signedBy: facts.personId } : {}), ...(facts ? { signer: facts } : {}) });

  test('the Party secretary and the discipline secretary of the candidate’s unit each sign', () => {
    expect(codeOf(ctx('inspection', [candidate('P1')]), sign('partySecretary', sec))).toBeUndefined();
    const afterFirst = ctx('inspection', [candidate('P1', { integrity: { partySecretary: STAFF }, integritySigners: { partySecretary: 'S1' } })]);
    expect(codeOf(afterFirst, sign('disciplineSecretary', dis))).toBeUndefined();
  });

  test('one person holding both posts cannot give both signatures', () => {
    const afterFirst = ctx('inspection', [candidate('P1', { integrity: { partySecretary: STAFF }, integritySigners: { partySecretary: 'S3' } })]);
    expect(commandProblem(afterFirst, sign('disciplineSecretary', both))).toMatchObject({ code: 'integrity_same_signer', details: { field: 'signedBy' } });
  });

  test('a signer who does not hold the post, holds it in another unit, or is not named is refused', () => {
    const c = ctx('inspection', [candidate('P1')]);
    expect(codeOf(c, sign('disciplineSecretary', sec))).toBe('integrity_signer_not_office_holder');
    expect(codeOf(c, sign('partySecretary', signer('S1', [{ unitId: 'wsj', office: 'partySecretary', since: '2024-01-01' }])))).toBe('integrity_signer_not_office_holder');
    expect(codeOf(c, sign('partySecretary', signer(null, [])))).toBe('integrity_signer_not_office_holder');
    expect(codeOf(c, sign('partySecretary', undefined))).toBe('integrity_signer_not_office_holder');
  });

  test('the candidate cannot sign their own conclusion, even holding the post', () => {
    const self = signer('P1', [{ unitId: 'jyj', office: 'partySecretary', since: '2024-01-01' }]);
    expect(integritySignerProblem(candidate('P1'), 'partySecretary', self)?.code).toBe('integrity_signer_is_candidate');
  });
});

// ---------------------------------------------------------------------------------------------
// Defect 6: the final decision after a postponement
// ---------------------------------------------------------------------------------------------

describe('defect 6: a postponed candidate gets a final decision once the postponement has run out', () => {
  const decide = by({ action: 'decidePostponed', personId: 'P1', outcome: 'appoint', note: '问题已查清，不影响任用' });
  const postponed = (until: string, remindedAt: string | null) => candidate('P1', { decision: 'passed', outcome: 'postponed', postponement: { until, remindedAt, decision: null } });

  test('after the date, once the staff were reminded, appoint or do not appoint is taken', () => {
    expect(codeOf(ctx('publicNotice', [postponed('2026-05-20', '2026-05-19T16:00:00.000Z')]), decide)).toBeUndefined();
    expect(codeOf(ctx('publicNotice', [postponed('2026-05-20', '2026-05-19T16:00:00.000Z')]), by({ action: 'decidePostponed', personId: 'P1', outcome: 'doNotAppoint', note: '查实' }))).toBeUndefined();
  });

  test('before the date it is refused as postponement_not_due, naming the date', () => {
    const p = commandProblem(ctx('publicNotice', [postponed('2026-06-01', null)]), decide);
    expect(p?.code).toBe('postponement_not_due');
    expect(p?.details?.until).toBe('2026-06-01');
  });

  test('a candidate without a postponement, or already decided, is refused', () => {
    expect(commandProblem(ctx('publicNotice', [candidate('P1', { decision: 'passed' })]), decide)?.details?.field).toBe('personId');
    const decided = candidate('P1', { postponement: { until: '2026-05-01', remindedAt: '2026-04-30T16:00:00.000Z', decision: { outcome: 'appoint', note: 'x', by: STAFF, at: 'x' } } });
    expect(codeOf(ctx('publicNotice', [decided]), decide)).toBe('invalid_input');
  });
});

// ---------------------------------------------------------------------------------------------
// Defect 9: 暂缓表决 before the vote, and 复议
// ---------------------------------------------------------------------------------------------

describe('defect 9: 暂缓表决 is decided before the vote', () => {
  const members = ['m1', 'm2', 'm3', 'm4', 'm5'];
  const defer = by({ action: 'deferVote', personId: 'P1', reason: '反映的问题尚需核实，意见分歧较大' });
  test('before any member votes, a candidate of the open vote is deferred with a reason', () => {
    expect(codeOf(ctx('decision', [candidate('P1'), candidate('P2')], { vote: { candidates: ['P1', 'P2'], members, voted: [] } }), defer)).toBeUndefined();
  });
  test('once a member has voted it is refused as vote_already_started', () => {
    expect(codeOf(ctx('decision', [candidate('P1'), candidate('P2')], { vote: { candidates: ['P1', 'P2'], members, voted: ['m1'] } }), defer)).toBe('vote_already_started');
  });
  test('outside the decision stage, or for someone not on the ballot, it is refused', () => {
    expect(codeOf(ctx('inspection', [candidate('P1')]), defer)).toBe('wrong_stage');
    expect(codeOf(ctx('decision', [candidate('P1'), candidate('P2')], { vote: { candidates: ['P2'], members, voted: [] } }), defer)).toBe('invalid_input');
    expect(codeOf(ctx('decision', [candidate('P1')], { vote: { candidates: ['P1'], members, voted: [] } }), by({ action: 'deferVote', personId: 'P1', reason: '  ' }))).toBe('invalid_input');
  });
});

describe('defect 9: 复议 needs more than half of the members to agree to reopen', () => {
  const members = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'];
  const notice = { startDate: '2026-05-21', endDate: '2026-05-27', endsAt: '2026-05-27T16:00:00.000Z', workingDays: 5 };
  const reconsider = (agreeing: string[]) => by({ action: 'reconsider', personId: 'P2', reason: '新情况', agreeing });
  const c = ctx('publicNotice', [candidate('P1', { decision: 'passed' }), candidate('P2', { decision: 'notPassed' })], { committee: members, notice });

  test('4 of 6 members agree: the vote on a candidate not passed is reopened', () => {
    expect(codeOf(c, reconsider(['m1', 'm2', 'm3', 'm4']))).toBeUndefined();
    expect(reconsiderationProblem(members, ['m1', 'm2', 'm3', 'm4'])).toBeNull();
  });
  test('3 of 6 (half, not more) is refused as reconsideration_not_agreed; a name counted twice counts once', () => {
    expect(codeOf(c, reconsider(['m1', 'm2', 'm3']))).toBe('reconsideration_not_agreed');
    expect(codeOf(c, reconsider(['m1', 'm2', 'm3', 'm3']))).toBe('reconsideration_not_agreed');
  });
  test('a non-member among those agreeing, a passed candidate, or the notice over is refused', () => {
    expect(commandProblem(c, reconsider(['m1', 'm2', 'm3', 'x9']))?.details?.field).toBe('agreeing');
    expect(codeOf(c, by({ action: 'reconsider', personId: 'P1', reason: 'x', agreeing: members }))).toBe('invalid_input');
    expect(codeOf({ ...c, now: Date.parse('2026-05-28T00:00:00Z') }, reconsider(members))).toBe('wrong_stage');
  });
});

// ---------------------------------------------------------------------------------------------
// Age limit at the cut-off
// ---------------------------------------------------------------------------------------------

describe('age limit of the post (年龄, common practice: set per post in the 工作方案)', () => {
  const facts = SENIOR_CANDIDATE;
  const post = (maxAge?: number): PostSpec => ({ title: '正处', targetGrade: 'division', isPartyPost: false, ...(maxAge !== undefined ? { maxAge } : {}) });
  const age = (asOf: string, maxAge?: number) => evaluateQualifications(facts, post(maxAge), asOf).results.find((r) => r.predicate === 'maxAge');

  test('45 周岁以下: 45 years and 11 months passes, 46 fails, each with the birth date and the date', () => {
    expect(age('2026-05-01', 45)?.passed).toBe(true);
    const r = age('2026-05-02', 45);
    expect(r?.passed).toBe(false);
    expect(r?.actual).toBe('46 周岁 as of 2026-05-02');
    expect(r?.fact).toBe('birthDate=1980-05-02');
  });
  test('without a limit it does not apply; without a birth date a limit fails', () => {
    expect(age('2026-05-02')?.applicable).toBe(false);
    const { birthDate: _omit, ...noBirth } = facts;
    expect(evaluateQualifications(noBirth, post(45), '2026-05-02').results.find((r) => r.predicate === 'maxAge')?.passed).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// 影响期: sanctions, 诫勉, 组织处理 and assessments bar a promotion for a while
// ---------------------------------------------------------------------------------------------

describe('影响期 (promotionBars)', () => {
  const facts = SENIOR_CANDIDATE;
  const post: PostSpec = { title: '正处', targetGrade: 'division', isPartyPost: false };
  const bars = (asOf: string, barRecords: CandidateFacts['barRecords']) => evaluateQualifications({ ...facts, barRecords }, post, asOf).results.find((r) => r.predicate === 'promotionBars');

  test('诫勉 bars for 6 months: inside it the candidate fails, naming the record and the date the bar ends', () => {
    const r = bars('2026-05-01', [{ kind: 'admonition', category: '诫勉', date: '2026-01-10', ref: '纪诫〔2026〕3号' }]);
    expect(r?.passed).toBe(false);
    expect(r?.actual).toBe('诫勉 (admonition) of 2026-01-10, bar until 2026-07-10');
    expect(r?.fact).toContain('纪诫〔2026〕3号');
    // On the day the bar ends it no longer applies.
    expect(bars('2026-07-10', [{ kind: 'admonition', category: '诫勉', date: '2026-01-10' }])?.passed).toBe(true);
  });

  test('党纪 警告 bars 12 months, 政务 警告 6: the same category by kind', () => {
    expect(bars('2026-09-01', [{ kind: 'partySanction', category: '警告', date: '2026-01-10' }])?.passed).toBe(false);
    expect(bars('2026-09-01', [{ kind: 'governmentSanction', category: '警告', date: '2026-01-10' }])?.passed).toBe(true);
  });

  test('组织处理 as recorded: a stated end wins; 基本称职 bars the year that follows', () => {
    expect(bars('2026-09-01', [{ kind: 'organizationalHandling', category: '调离', date: '2026-01-10', endsOn: '2026-10-01' }])?.passed).toBe(false);
    expect(bars('2026-10-01', [{ kind: 'organizationalHandling', category: '调离', date: '2026-01-10', endsOn: '2026-10-01' }])?.passed).toBe(true);
    expect(bars('2026-06-01', [{ kind: 'annualAssessment', category: '基本称职', date: '2025-12-31' }])?.actual).toBe('基本称职 (annualAssessment) of 2025-12-31, bar until 2026-12-31');
    expect(bars('2026-12-31', [{ kind: 'annualAssessment', category: '基本称职', date: '2025-12-31' }])?.passed).toBe(true);
  });

  test('no records, or a category without a bar and without a stated end, passes', () => {
    expect(bars('2026-05-01', undefined)?.passed).toBe(true);
    expect(bars('2026-05-01', [{ kind: 'annualAssessment', category: '优秀', date: '2025-12-31' }])?.passed).toBe(true);
  });
});

describe('影响期 at the promotion: re-checked on the dates of the decision and the appointment (promotionBarProblem)', () => {
  const recommendedOn = '2026-03-01';
  // A 诫勉 dated after the recommendation (the cut-off): it bars until 2026-10-15.
  const admonition = { kind: 'admonition' as const, category: '诫勉', date: '2026-04-15', ref: '纪诫〔2026〕7号' };
  // The rule tests' candidate without a birth date: no age is known, so only the bars decide.
  const facts = (): CandidateFacts => {
    const { birthDate: _unknown, ...known } = SENIOR_CANDIDATE;
    return known;
  };

  test('a bar that arises after the recommendation passes the cut-off check but stops the candidate at the decision, naming the rule, the record and its end', () => {
    const atCutoff = evaluateQualifications({ ...facts(), barRecords: [admonition] }, { title: '正处', targetGrade: 'division', isPartyPost: false }, recommendedOn);
    expect(atCutoff.results.find((r) => r.predicate === 'promotionBars')?.passed).toBe(true);
    const problem = promotionBarProblem([{ personId: 'R001', records: [] }, { personId: 'R002', records: [admonition] }], '2026-05-20', 'decision');
    expect(problem).toEqual({
      code: 'candidate_not_eligible',
      message: expect.stringMatching(/^影响期内不得提拔: R002 is inside a bar on 2026-05-20, the date of the decision: 诫勉 \(admonition\) of 2026-04-15, bar until 2026-10-15/),
      details: {
        field: 'date',
        personId: 'R002',
        rule: 'promotionBars',
        failed: ['promotionBars'],
        asOf: '2026-05-20',
        bars: [{ kind: 'admonition', category: '诫勉', date: '2026-04-15', until: '2026-10-15', ref: '纪诫〔2026〕7号' }],
      },
    });
  });

  test('at the appointment the appointment date counts: inside the bar it is refused on appointedOn, on the day it ends it passes', () => {
    expect(promotionBarProblem([{ personId: 'R002', records: [admonition] }], '2026-10-14', 'appointment')?.details).toMatchObject({ field: 'appointedOn', rule: 'promotionBars' });
    expect(promotionBarProblem([{ personId: 'R002', records: [admonition] }], '2026-10-15', 'appointment')).toBeNull();
    // A 组织处理 recorded with its own end: ended before the appointment, it does not stop it.
    expect(promotionBarProblem([{ personId: 'R002', records: [{ kind: 'organizationalHandling', category: '调离', date: '2026-01-10', endsOn: '2026-05-01' }] }], '2026-05-20', 'appointment')).toBeNull();
  });

  test('a record dated after the date judged does not bar it; no records pass', () => {
    expect(promotionBarProblem([{ personId: 'R002', records: [admonition] }], '2026-04-14', 'decision')).toBeNull();
    expect(promotionBarProblem([], '2026-05-20', 'decision')).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// 回避: a committee member related to a candidate does not vote
// ---------------------------------------------------------------------------------------------

describe('回避 (recusalProblem)', () => {
  const recusals = [{ memberId: 'cw-3', candidateId: 'P2', relation: 'spouse' }];
  test('a member related to a candidate on the ballot is refused as recused_member, naming the rule, the candidate and the relation', () => {
    expect(recusalProblem(recusals, 'cw-3', ['P1', 'P2'])).toMatchObject({ code: 'recused_member', details: { rule: 'recusal.committee', candidateId: 'P2', relation: 'spouse' } });
  });
  test('an unrelated member, or a ballot without the relative on it, passes', () => {
    expect(recusalProblem(recusals, 'cw-4', ['P1', 'P2'])).toBeNull();
    expect(recusalProblem(recusals, 'cw-3', ['P1'])).toBeNull();
    expect(recusalProblem(undefined, 'cw-3', ['P2'])).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// 个人有关事项报告 check outcomes, and complaints not yet concluded
// ---------------------------------------------------------------------------------------------

describe('个人有关事项报告 outcomes (recordCheck finding) and 待核实', () => {
  const check = (patch: { check?: 'personalMatters' | 'complaints' | 'personnelFile'; result: 'clear' | 'negative' | 'pending'; finding?: 'consistent' | 'minorOmission' | 'concealment' | 'pending'; note?: string }) =>
    by({ action: 'recordCheck', personId: 'P1', check: patch.check ?? 'personalMatters', result: patch.result, ...(patch.finding ? { finding: patch.finding } : {}), ...(patch.note ? { note: patch.note } : {}) });
  const c = ctx('inspection', [candidate('P1')]);

  test('一致 is clear; 瞒报 recorded negative (which removes the candidate) passes, recorded clear is personal_matters_concealed', () => {
    expect(codeOf(c, check({ result: 'clear', finding: 'consistent' }))).toBeUndefined();
    expect(codeOf(c, check({ result: 'negative', finding: 'concealment', note: '瞒报房产 2 套' }))).toBeUndefined();
    expect(commandProblem(c, check({ result: 'clear', finding: 'concealment' }))).toMatchObject({ code: 'personal_matters_concealed', details: { rule: 'personalMatters.concealment' } });
  });

  test('漏报 needs the explanation with the decision', () => {
    expect(codeOf(c, check({ result: 'clear', finding: 'minorOmission', note: '漏报一处车位，已说明，属非主观故意' }))).toBeUndefined();
    expect(commandProblem(c, check({ result: 'clear', finding: 'minorOmission' }))).toMatchObject({ code: 'invalid_input', details: { field: 'note', rule: 'personalMatters.omission' } });
  });

  test('待核实 and a complaint not concluded (未查结) are pending; other checks cannot be', () => {
    expect(codeOf(c, check({ result: 'pending', finding: 'pending' }))).toBeUndefined();
    expect(codeOf(c, check({ check: 'complaints', result: 'pending' }))).toBeUndefined();
    expect(commandProblem(c, check({ check: 'personnelFile', result: 'pending' }))?.details?.field).toBe('result');
    expect(commandProblem(c, check({ result: 'clear', finding: 'pending' }))?.details?.field).toBe('result');
    expect(commandProblem(c, check({ check: 'complaints', result: 'clear', finding: 'consistent' }))?.details?.field).toBe('finding');
  });

  test('a pending check holds the candidate: completeInspection is refused as check_pending, naming the candidate and the items', () => {
    const clear = { result: 'clear' as const, by: STAFF, at: '2026-05-19T00:00:00.000Z' };
    const held = candidate('P1', {
      fourMusts: { personnelFile: clear, personalMatters: clear, disciplineOpinion: clear, complaints: { ...clear, result: 'pending' } },
      integrity: { partySecretary: STAFF, disciplineSecretary: STAFF },
    });
    const inspection = { group: ['a', 'b'], noticeDate: '2026-05-10', startDate: '2026-05-12', talks: 20, fieldVisit: true, completedAt: null };
    const at = { ...ctx('inspection', [held]), state: { ...ctx('inspection', [held]).state, inspection } };
    expect(commandProblem(at, by({ action: 'completeInspection' }))).toMatchObject({ code: 'check_pending', details: { personId: 'P1', pending: ['complaints'] } });
    const cleared = candidate('P1', { fourMusts: { ...held.fourMusts, complaints: clear }, integrity: held.integrity });
    expect(commandProblem({ ...at, state: { ...at.state, candidates: [cleared] } }, by({ action: 'completeInspection' }))).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// 破格提拔: prior consent, only the tenure rules waived, its limits
// ---------------------------------------------------------------------------------------------

describe('破格提拔 (post.outOfTurn)', () => {
  // 副处 since 2025-08-01: 9 months on 2026-05-01, short of the 2 years a deputy needs.
  const facts: CandidateFacts = {
    birthDate: '1985-05-02',
    workStartDate: '2007-07-01',
    grassrootsYears: 3,
    currentGrade: 'deputyDivision',
    gradeSince: '2024-08-01',
    education: 'bachelor',
    partyJoinDate: '2006-06-01',
    lastPromotionDate: '2024-08-01',
    lastPromotionOutOfTurn: false,
  };
  const post = (outOfTurn: boolean): PostSpec => ({ title: '正处', targetGrade: 'division', isPartyPost: false, ...(outOfTurn ? { outOfTurn: { consentRef: '市组干函〔2026〕5号' } } : {}) });
  const result = (e: ReturnType<typeof evaluateQualifications>, p: string) => e.results.find((r) => r.predicate === p);

  test('with the prior consent the tenure rule is waived, citing it, and the candidate passes', () => {
    expect(evaluateQualifications(facts, post(false), '2026-05-01').eligible).toBe(false);
    const e = evaluateQualifications(facts, post(true), '2026-05-01');
    expect(e.eligible).toBe(true);
    expect(result(e, 'minYearsAsDeputy')?.actual).toContain('市组干函〔2026〕5号');
    expect(result(e, 'outOfTurnLimits')).toMatchObject({ applicable: true, passed: true });
  });

  test('only the tenure rules: education is not waived', () => {
    expect(result(evaluateQualifications({ ...facts, education: 'highSchool' }, post(true), '2026-05-01'), 'minEducation')?.passed).toBe(false);
  });

  test('refused less than a year after the last promotion (probation), and twice in a row', () => {
    const recent = evaluateQualifications({ ...facts, gradeSince: '2025-08-01', lastPromotionDate: '2025-08-01' }, post(true), '2026-05-01');
    expect(result(recent, 'outOfTurnLimits')).toMatchObject({ passed: false, actual: expect.stringContaining('提拔任职不满一年') });
    const twice = evaluateQualifications({ ...facts, lastPromotionOutOfTurn: true }, post(true), '2026-05-01');
    expect(result(twice, 'outOfTurnLimits')).toMatchObject({ passed: false, actual: expect.stringContaining('连续破格') });
  });

  test('without 破格 the limits do not apply', () => {
    expect(result(evaluateQualifications(facts, post(false), '2026-05-01'), 'outOfTurnLimits')?.applicable).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// 职数: no more posts than approved, unless a recorded approval allows it
// ---------------------------------------------------------------------------------------------

describe('职数 (establishmentProblem)', () => {
  test('within the approved number passes; one over is over_establishment, naming the numbers', () => {
    expect(establishmentProblem({ approved: 3, filled: 2 }, 1, undefined)).toBeNull();
    expect(establishmentProblem({ approved: 3, filled: 2 }, 2, undefined)).toMatchObject({ code: 'over_establishment', details: { field: 'principles.post.positions', approved: 3, filled: 2, positions: 2 } });
  });
  test('a recorded approval allows it; a blank one does not; a unit without an approved number is not checked', () => {
    expect(establishmentProblem({ approved: 1, filled: 1 }, 1, '市委编委〔2026〕12号')).toBeNull();
    expect(establishmentProblem({ approved: 1, filled: 1 }, 1, '  ')?.code).toBe('over_establishment');
    expect(establishmentProblem(null, 5, undefined)).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// 回避 of the inspection group, and 任职回避
// ---------------------------------------------------------------------------------------------

describe('回避 of the inspection group (recordInspection)', () => {
  const inspection = (groupRecusals: { memberId: string; candidateId: string; relation: string }[]) =>
    by({
      action: 'recordInspection',
      group: ['zzb-staff', 'zzb-head'],
      noticeDate: '2026-05-10',
      startDate: '2026-05-12',
      talks: 20,
      evaluations: [{ personId: 'P1', excellent: 10, competent: 5, basicallyCompetent: 0, incompetent: 0 }],
      fieldVisit: true,
      groupRecusals,
    });
  const c = ctx('inspection', [candidate('P1')]);
  test('a group member related to a candidate is refused as recused_member, naming the rule and the field', () => {
    expect(commandProblem(c, inspection([{ memberId: 'zzb-head', candidateId: 'P1', relation: 'inLaw' }]))).toMatchObject({
      code: 'recused_member',
      details: { field: 'group', rule: 'recusal.inspectionGroup', candidateId: 'P1' },
    });
  });
  test('no relation, or one to a candidate no longer in the inspection, passes', () => {
    expect(commandProblem(c, inspection([]))).toBeNull();
    expect(commandProblem(c, inspection([{ memberId: 'zzb-head', candidateId: 'P9', relation: 'spouse' }]))).toBeNull();
  });
});

describe('回避 of recommenders (recordNomination)', () => {
  // Method both: a meeting recommendation and talks; the meeting's participants and the talks' recommenders named.
  const c = { ...ctx('nomination', []), frozen: frozen(principles({ method: 'both' })) };
  const nominate = (recommenderRecusals: { memberId: string; candidateId: string; relation: string }[]) =>
    by({
      action: 'recordNomination',
      date: '2026-05-01',
      meeting: { determined: 30, present: 25, votes: [{ personId: 'P1', votes: 20 }], participants: ['Q1', 'Q2'] },
      talks: [
        { personId: 'P1', mentions: 3, recommenders: ['Q3'] },
        { personId: 'P2', mentions: 2, recommenders: ['Q3', 'Q4'] },
      ],
      recommenderRecusals,
    });
  test('a talk recommender who named their own relative is refused as recused_member, naming the rule and the field', () => {
    expect(commandProblem(c, nominate([{ memberId: 'Q4', candidateId: 'P2', relation: 'collateral' }]))).toMatchObject({
      code: 'recused_member',
      details: { field: 'talks[1].recommenders[1]', rule: 'recusal.recommender', candidateId: 'P2', relation: 'collateral' },
    });
  });
  test('a participant of the meeting recommendation related to a candidate recommended there is refused', () => {
    expect(commandProblem(c, nominate([{ memberId: 'Q2', candidateId: 'P1', relation: 'spouse' }]))).toMatchObject({
      code: 'recused_member',
      details: { field: 'meeting.participants[1]', rule: 'recusal.recommender', candidateId: 'P1' },
    });
  });
  test('no relation, or a recommender related to a candidate they did not recommend, passes', () => {
    expect(commandProblem(c, nominate([]))).toBeNull();
    // Q4 named P2 only in the talks and did not take part in the meeting that recommended P1.
    expect(commandProblem(c, nominate([{ memberId: 'Q4', candidateId: 'P1', relation: 'spouse' }]))).toBeNull();
  });
});

describe('任职回避 (positionRecusal)', () => {
  const facts = SENIOR_CANDIDATE;
  const post: PostSpec = { title: '正处', targetGrade: 'division', isPartyPost: false };
  const result = (relativesInUnit: CandidateFacts['relativesInUnit']) => evaluateQualifications({ ...facts, relativesInUnit }, post, '2026-05-01').results.find((r) => r.predicate === 'positionRecusal');
  test('a spouse in the leadership of the post’s unit fails it, naming the relative', () => {
    expect(result([{ personId: 'L1', relation: 'spouse', grade: 'deputyDivision', unitId: 'jyj' }])).toMatchObject({ passed: false, actual: expect.stringContaining('L1 (spouse)') });
  });
  test('no relative there passes', () => {
    expect(result(undefined)?.passed).toBe(true);
    expect(result([])?.passed).toBe(true);
  });

  // Direct superior (直接上级领导): the post's unit (jyj) is led by its parent unit (city).
  const underCity: PostSpec = { ...post, parentUnitId: 'city' };
  const superior = (relativesInParentUnit: CandidateFacts['relativesInParentUnit'], p: PostSpec = underCity) =>
    evaluateQualifications({ ...facts, relativesInParentUnit }, p, '2026-05-01').results.find((r) => r.predicate === 'positionRecusal');
  test('a relative holding a leading grade above the post’s in the parent unit fails it as the direct superior, naming the relative and the unit', () => {
    const r = superior([{ personId: 'S1', relation: 'directBlood', grade: 'deputyBureau', unitId: 'city' }]);
    expect(r).toMatchObject({ passed: false, applicable: true, actual: expect.stringContaining('S1 (directBlood) above division in the leadership of the parent unit city (direct superior)') });
    expect(r?.required).toContain('parent unit city');
    expect(r?.fact).toContain('relativesInParentUnit=S1 (directBlood, deputyBureau, city)');
    // A grade the ladder does not know cannot be shown not to lead the post.
    expect(superior([{ personId: 'S1', relation: 'inLaw', grade: 'unknown', unitId: 'city' }])?.passed).toBe(false);
  });
  test('a relative in the parent unit at or below the post’s grade, or not in a leading grade, passes; so does a post whose unit has no parent', () => {
    expect(superior([{ personId: 'S1', relation: 'spouse', grade: 'division', unitId: 'city' }])?.passed).toBe(true);
    expect(superior([{ personId: 'S1', relation: 'spouse', grade: 'deputyDivision', unitId: 'city' }])?.passed).toBe(true);
    expect(superior([])).toMatchObject({ passed: true, actual: 'none', fact: 'relativesInUnit=none, relativesInParentUnit=none' });
    // A unit at the top of the tree has no unit leading it: the facts name none and the requirement is the unit's own.
    const top = superior([{ personId: 'S1', relation: 'spouse', grade: 'bureau', unitId: 'city' }], post);
    expect(top).toMatchObject({ passed: true, fact: 'relativesInUnit=none' });
    expect(top?.required).not.toContain('parent unit');
  });
  test('leadsPost: a leading grade above the post’s, never 科员 or a grade at or below it', () => {
    expect(leadsPost('deputyBureau', 'division')).toBe(true);
    expect(leadsPost('division', 'section')).toBe(true);
    expect(leadsPost('division', 'division')).toBe(false);
    expect(leadsPost('section', 'division')).toBe(false);
    expect(leadsPost('staff', 'staff')).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// The appointment, and where the probation applies
// ---------------------------------------------------------------------------------------------

describe('试用期 applies to promotions into non-elected posts; the appointment is recorded', () => {
  test('a promotion into a non-elected post has a probation; a lateral move or an elected post has none; an older check counts as a promotion', () => {
    expect(probationApplies({}, { promotion: true })).toBe(true);
    expect(probationApplies({}, { promotion: false })).toBe(false);
    expect(probationApplies({ elected: true }, { promotion: true })).toBe(false);
    expect(probationApplies({}, {})).toBe(true);
  });

  const notice = { startDate: '2026-05-11', endDate: '2026-05-15', endsAt: '2026-05-15T16:00:00.000Z', workingDays: 5 };
  const record = (patch: Partial<{ appointedOn: string; talkOn: string; personId: string }> = {}) =>
    by({ action: 'recordAppointment', personId: 'P1', appointedOn: '2026-05-18', noticeRef: '市委任〔2026〕8号', talkOn: '2026-05-19', ...patch });
  const c = ctx('appointment', [candidate('P1', { decision: 'passed', outcome: 'appointed' })], { notice });

  test('an appointed candidate’s appointment, dated after the notice and not in the future, is recorded', () => {
    expect(commandProblem(c, record())).toBeNull();
  });
  test('refused: dated before the notice or in the future, a candidate not appointed, a second record, the wrong stage', () => {
    expect(commandProblem(c, record({ appointedOn: '2026-05-10' }))?.details?.field).toBe('appointedOn');
    expect(commandProblem(c, record({ appointedOn: '2026-05-21' }))?.details?.field).toBe('appointedOn');
    expect(commandProblem(c, record({ talkOn: '2026-05-21' }))?.details?.field).toBe('talkOn');
    const notAppointed = ctx('appointment', [candidate('P1', { outcome: 'notAppointed' })], { notice });
    expect(codeOf(notAppointed, record())).toBe('invalid_input');
    const twice = ctx('appointment', [candidate('P1', { outcome: 'appointed', appointment: { appointedOn: '2026-05-18', noticeRef: 'x', talkOn: '2026-05-18', by: STAFF, at: 'x', probation: true, probationEndsAt: null } })], { notice });
    expect(codeOf(twice, record())).toBe('invalid_input');
    expect(codeOf(ctx('publicNotice', [candidate('P1', { outcome: 'appointed' })], { notice }), record())).toBe('wrong_stage');
  });
  test('a candidate appointed without a probation is not assessed', () => {
    const lateral = candidate('P1', { outcome: 'appointed', appointment: { appointedOn: '2026-05-18', noticeRef: 'x', talkOn: '2026-05-18', by: STAFF, at: 'x', probation: false, probationEndsAt: null } });
    expect(codeOf(ctx('probation', [lateral]), by({ action: 'assess', personId: 'P1', result: 'fit' }))).toBe('invalid_input');
  });
});
