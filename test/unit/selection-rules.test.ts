/**
 * The rules of cadre selection (干部选拔任用, procedures/cadre-selection/rules.ts) as the pure function
 * the workflow's Update validator calls: each rule with a case it lets through and a case it refuses,
 * on small state fixtures. And the per-post qualification overrides (overrides.ts).
 */
import type { Role } from '../../procedures/kernel/messages';
import type { CandidateView, FourMust, FrozenPrinciples, Objection, Principles, QualificationCheck, SelectionActInput, SelectionCommand, SelectionStage } from '../../procedures/cadre-selection/messages';
import { overridesProblem, overridesRefusal } from '../../procedures/cadre-selection/overrides';
import { commandProblem, commandsAt, type CommandContext } from '../../procedures/cadre-selection/commands';
import { DEFAULT_SELECTION_RULES, nominee, notSelectedReason, type SelectionRules, withinPositions } from '../../procedures/cadre-selection/rules';

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const TODAY = '2026-11-20';
/** Noon on TODAY in China time. */
const NOW = Date.parse('2026-11-20T12:00:00+08:00');
const INITIATOR = 'zzb-initiator';
const STAFF = 'zzb-staff';

const ALL_CLEAR: CandidateView['fourMusts'] = Object.fromEntries(
  (['personnelFile', 'personalMatters', 'disciplineOpinion', 'complaints'] as const).map((m) => [m, { result: 'clear' as const, by: STAFF, at: '2026-11-19T02:00:00.000Z' }]),
);

const eligible = (personId: string): QualificationCheck => ({ personId, principlesVersion: 1, eligible: true, results: [] });
/** A check that fails `failed`; a passed and a not-applicable predicate are listed too and must not be reported. */
const ineligible = (personId: string, failed: string[]): QualificationCheck => ({
  personId,
  principlesVersion: 1,
  eligible: false,
  results: [
    { predicate: 'minWorkYears', label: '', passed: true, applicable: true, required: '5', actual: '10', fact: '' },
    { predicate: 'minPartyYears', label: '', passed: false, applicable: false, required: '-', actual: '-', fact: '' },
    ...failed.map((predicate) => ({ predicate, label: '', passed: false, applicable: true, required: '', actual: '', fact: '' })),
  ],
});

/** A nominated, eligible candidate, not yet shortlisted. */
function candidate(personId: string, patch: Partial<CandidateView> = {}): CandidateView {
  return { ...nominee(personId, '2026-11-18T02:00:00.000Z', 10, 0), check: eligible(personId), ...patch };
}
/** A shortlisted candidate under inspection. */
const inspected = (personId: string, patch: Partial<CandidateView> = {}): CandidateView => candidate(personId, { shortlisted: true, ...patch });
/** A shortlisted candidate with 凡提四必 clear and both 廉洁 signatures. */
const inspectedComplete = (personId: string, patch: Partial<CandidateView> = {}): CandidateView =>
  inspected(personId, { fourMusts: { ...ALL_CLEAR }, integrity: { partySecretary: 'sec-1', disciplineSecretary: 'sec-2' }, ...patch });

type PrinciplesPatch = Omit<Partial<Principles>, 'post'> & { post?: Partial<Principles['post']> };
function principles(patch: PrinciplesPatch = {}): Principles {
  const base: Principles = {
    post: { title: '市教育局局长', unitId: 'jyj', positions: 1, targetGrade: 'division', isPartyPost: false },
    candidateScope: '全市县处级副职干部',
    method: 'meeting',
    timetable: '2026年12月底前完成',
  };
  return { ...base, ...patch, post: { ...base.post, ...patch.post } };
}
const frozen = (patch: PrinciplesPatch = {}): FrozenPrinciples => ({ version: 1, hash: 'a'.repeat(64), frozenAt: '2026-11-10T02:00:00.000Z', principles: principles(patch) });

const INSPECTION: NonNullable<CommandContext['state']['inspection']> = {
  group: ['zzb-staff', 'zzb-head'],
  noticeDate: '2026-11-16',
  startDate: '2026-11-18',
  talks: 30,
  fieldVisit: true,
  completedAt: null,
};

interface Fixture {
  stage: SelectionStage;
  status?: 'open' | 'closed';
  candidates?: CandidateView[];
  nomination?: CommandContext['state']['nomination'];
  inspection?: CommandContext['state']['inspection'];
  probationEndsAt?: string | null;
  /** Frozen principles; `null` for none (still being approved). Defaults to frozen, except at the principles stage. */
  frozen?: FrozenPrinciples | null;
  principles?: PrinciplesPatch;
  today?: string;
  now?: number;
  rules?: Partial<SelectionRules>;
}

function ctx(f: Fixture): CommandContext {
  const frozenPrinciples = f.frozen === null ? undefined : (f.frozen ?? (f.stage === 'principles' && !f.principles ? undefined : frozen(f.principles)));
  return {
    state: {
      status: f.status ?? 'open',
      stage: f.stage,
      candidates: f.candidates ?? [],
      nomination: f.nomination ?? null,
      inspection: f.inspection ?? null,
      probationEndsAt: f.probationEndsAt ?? null,
    },
    frozen: frozenPrinciples,
    initiatorId: INITIATOR,
    today: f.today ?? TODAY,
    now: f.now ?? NOW,
    rules: { ...DEFAULT_SELECTION_RULES, ...f.rules },
  };
}

/** A command by a staff member who is not the initiator, unless another actor is given. */
const by = (command: SelectionCommand, actorId = STAFF, actorRoles: Role[] = ['staff']): SelectionActInput => ({ ...command, actorId, actorRoles });

const codeOf = (c: CommandContext, a: SelectionActInput): string | undefined => commandProblem(c, a)?.code;
const fieldOf = (c: CommandContext, a: SelectionActInput): unknown => commandProblem(c, a)?.details?.field;

// ---------------------------------------------------------------------------------------------
// Who and when
// ---------------------------------------------------------------------------------------------

describe('any action', () => {
  const shortlisting = (status: 'open' | 'closed') =>
    ctx({ stage: 'shortlist', status, candidates: [candidate('P1'), candidate('P2')], nomination: { date: '2026-11-18', meeting: { determined: 30, present: 25 }, talks: 0 } });
  const shortlist: SelectionCommand = { action: 'setShortlist', personIds: ['P1', 'P2'] };

  test('a closed selection refuses every action as wrong_stage', () => {
    expect(commandProblem(shortlisting('open'), by(shortlist))).toBeNull();
    expect(commandProblem(shortlisting('closed'), by(shortlist))).toMatchObject({ code: 'wrong_stage', message: expect.stringMatching(/closed/) });
    expect(codeOf(ctx({ stage: 'probation', status: 'closed', probationEndsAt: '2026-01-01T00:00:00.000Z', candidates: [candidate('P1', { outcome: 'appointed' })] }), by({ action: 'assess', personId: 'P1', result: 'fit' }))).toBe(
      'wrong_stage',
    );
  });

  test('only the initiator or staff act: anybody else is refused as not_allowed', () => {
    const c = shortlisting('open');
    expect(commandProblem(c, by(shortlist, STAFF, ['staff']))).toBeNull();
    expect(commandProblem(c, by(shortlist, INITIATOR, []))).toBeNull();
    expect(commandProblem(c, by(shortlist, 'jyj-head', ['approver', 'reviewer']))).toMatchObject({ code: 'not_allowed' });
    expect(codeOf(c, by(shortlist, 'dc-supervisor', ['supervisor']))).toBe('not_allowed');
    expect(codeOf(c, by(shortlist, 'nobody', []))).toBe('not_allowed');
  });
});

// ---------------------------------------------------------------------------------------------
// Principles
// ---------------------------------------------------------------------------------------------

describe('revisePrinciples (改变原则须重新审定)', () => {
  const revise = (patch: PrinciplesPatch = {}, reason = '岗位要求提高，任副职年限延长至3年') => by({ action: 'revisePrinciples', principles: principles(patch), reason });

  test('with a reason, at nomination, shortlist or inspection, the frozen principles may be revised', () => {
    for (const stage of ['nomination', 'shortlist', 'inspection'] as const) {
      expect(commandProblem(ctx({ stage }), revise({ qualificationOverrides: { minYearsAsDeputy: 3 } }))).toBeNull();
    }
  });

  test('before the first freeze it is refused: the principles are still being approved', () => {
    expect(commandProblem(ctx({ stage: 'principles' }), revise())).toMatchObject({ code: 'wrong_stage', message: expect.stringMatching(/not frozen/) });
    // Also when an earlier version exists but none is frozen in the context.
    expect(codeOf(ctx({ stage: 'nomination', frozen: null }), revise())).toBe('wrong_stage');
  });

  test('at any other stage it is refused as wrong_stage', () => {
    for (const stage of ['principles', 'decision', 'publicNotice', 'probation'] as const) {
      expect(commandProblem(ctx({ stage, frozen: frozen() }), revise())).toMatchObject({ code: 'wrong_stage', message: expect.stringContaining(`the selection is at ${stage}`) });
    }
  });

  test('an empty or blank reason is refused, naming the field', () => {
    for (const reason of ['', '   ']) {
      expect(commandProblem(ctx({ stage: 'shortlist' }), revise({}, reason))).toMatchObject({ code: 'invalid_input', details: { field: 'reason' } });
    }
  });

  test('bad qualification overrides are refused, naming the key', () => {
    expect(commandProblem(ctx({ stage: 'shortlist' }), revise({ qualificationOverrides: { minYearsAsDeputie: 1 } }))).toMatchObject({
      code: 'invalid_qualification_override',
      details: { field: 'principles.qualificationOverrides.minYearsAsDeputie' },
    });
    expect(fieldOf(ctx({ stage: 'shortlist' }), revise({ qualificationOverrides: { minYearsAsDeputy: 3, maxGradeSteps: 0 } }))).toBe('principles.qualificationOverrides.maxGradeSteps');
    // A floor of the regulation is not loosened by a revision either (条例 art. 9(3): 副职岗位工作两年以上).
    expect(fieldOf(ctx({ stage: 'shortlist' }), revise({ qualificationOverrides: { minYearsAsDeputy: 1 } }))).toBe('principles.qualificationOverrides.minYearsAsDeputy');
    expect(commandProblem(ctx({ stage: 'shortlist' }), revise({ qualificationOverrides: {} }))).toBeNull();
  });
});

describe('overridesProblem (per-post qualification overrides)', () => {
  test.each<[string, unknown]>([
    // At or above the regulation's floors (条例 art. 9, 11): a post may tighten them.
    ['minWorkYears', 5],
    ['minWorkYears', 60],
    ['minGrassrootsYears', 2.5],
    ['minYearsAsDeputy', 2],
    ['minYearsAsPrincipalBelow', 4],
    ['minPartyYears', 5],
    ['minYearsAfterOutOfTurn', 2],
    ['maxGradeSteps', 1],
    ['principalToDeputyAboveIsOneStep', false],
    ['minEducation', 'bachelor'],
    ['experienceLevels', ['section', 'division']],
    ['tenureLevels', ['division', 'bureau']],
    ['minEducationByLevel', { division: 'bachelor', bureau: 'master' }],
  ])('%s = %j is accepted', (key, value) => {
    expect(overridesProblem({ [key]: value })).toBeNull();
  });

  test.each<[string, unknown, RegExp]>([
    // Below a floor of 条例 art. 9 / 11, for a 县处级 post (the stricter reading when no post is given): refused.
    ['minWorkYears', 0, /cannot be below 5 .*art\. 9\(1\)/],
    ['minWorkYears', 4.9, /cannot be below 5/],
    ['minGrassrootsYears', 1.5, /cannot be below 2 .*art\. 9\(1\)/],
    ['minYearsAsDeputy', 1, /cannot be below 2 .*art\. 9\(3\).*破格/],
    ['minYearsAsPrincipalBelow', 0, /cannot be below 3 .*art\. 9\(3\)/],
    ['minPartyYears', 0, /cannot be below 5 .*党章/],
    ['minYearsAfterOutOfTurn', 0, /cannot be below 1 .*art\. 11/],
    ['tenureLevels', [], /must keep division, bureau/],
    ['tenureLevels', ['section', 'division'], /must keep bureau/],
    ['experienceLevels', [], /must keep division.*art\. 9\(1\)/],
    // 越级 is 破格: two steps only with post.outOfTurn and its consent.
    ['maxGradeSteps', 2, /越级提拔.*破格.*outOfTurn/],
  ])('%s = %j loosens the regulation and is refused, naming the key', (key, value, message) => {
    expect(overridesProblem({ [key]: value })).toEqual({ key, message: expect.stringMatching(message) });
  });

  test('the floors follow the post: a 科级 post may set its own experience rules, a 县处级 or 厅局级 post may not', () => {
    const section = { targetGrade: 'deputySection', isPartyPost: true };
    const division = { targetGrade: 'deputyDivision', isPartyPost: true };
    const bureau = { targetGrade: 'deputyBureau', isPartyPost: false };
    // Art. 9(1) names 县处级: a 科级 post's local rule of 3 years of work, or without the experience rules, is not loosening.
    expect(overridesProblem({ minWorkYears: 3, experienceLevels: ['section'], minYearsAsDeputy: 1, tenureLevels: [] }, section)).toBeNull();
    expect(overridesProblem({ minWorkYears: 3 }, division)?.key).toBe('minWorkYears');
    // Art. 9(3) names 县处级以上: tenure may not be switched off for 厅局级; the experience rules (县处级) are not bound there.
    expect(overridesProblem({ tenureLevels: ['division'] }, bureau)).toEqual({ key: 'tenureLevels', message: expect.stringMatching(/must keep bureau/) });
    expect(overridesProblem({ tenureLevels: ['bureau'], experienceLevels: [] }, bureau)).toBeNull();
    // 党龄 binds Party posts only.
    expect(overridesProblem({ minPartyYears: 2 }, bureau)).toBeNull();
    expect(overridesProblem({ minPartyYears: 2 }, division)?.key).toBe('minPartyYears');
    // 越级 with the 破格 consent is the statute's path (the check then applies outOfTurnLimits); three steps never.
    expect(overridesProblem({ maxGradeSteps: 2 }, { ...division, outOfTurn: { consentRef: '省委组织部〔2026〕12号' } })).toBeNull();
    expect(overridesProblem({ maxGradeSteps: 2 }, division)?.key).toBe('maxGradeSteps');
    expect(overridesProblem({ maxGradeSteps: 3 }, { ...division, outOfTurn: { consentRef: '省委组织部〔2026〕12号' } })?.message).toMatch(/不得越两级提拔/);
  });

  test("the post's own Party-standing minimum has the same floor, refused as principles.post.minPartyYears", () => {
    const post = { title: 't', unitId: 'u', positions: 1, targetGrade: 'division', isPartyPost: true };
    expect(overridesRefusal({ post: { ...post, minPartyYears: 3 } })).toEqual({
      code: 'invalid_qualification_override',
      message: expect.stringMatching(/^principles\.post\.minPartyYears: cannot be below 5/),
      details: { field: 'principles.post.minPartyYears' },
    });
    expect(overridesRefusal({ post: { ...post, minPartyYears: 8 } })).toBeNull();
    expect(overridesRefusal({ post: { ...post, isPartyPost: false, minPartyYears: 0 } })).toBeNull();
  });

  test.each<[string, unknown, RegExp]>([
    ['minWorkYears', -1, /0 to 60/],
    ['minWorkYears', 61, /0 to 60/],
    ['minWorkYears', '5', /0 to 60/],
    ['minPartyYears', Number.POSITIVE_INFINITY, /0 to 60/],
    ['maxGradeSteps', 0, /1 to 6/],
    ['maxGradeSteps', 7, /1 to 6/],
    // The regulation's limits are not loosened: 不得越两级提拔 (科员 → 正处 with 3), 大专 at least, 本科 for bureau.
    ['maxGradeSteps', 3, /不得越两级提拔/],
    ['minEducation', 'highSchool', /below college/],
    ['minEducationByLevel', { bureau: 'college' }, /bureau cannot be below bachelor/],
    ['minEducationByLevel', { division: 'highSchool' }, /division cannot be below college/],
    ['maxGradeSteps', 1.5, /1 to 6/],
    ['principalToDeputyAboveIsOneStep', 'yes', /true or false/],
    ['minEducation', 'phd', /one of/],
    ['experienceLevels', 'division', /a list of/],
    ['experienceLevels', ['division', 'ministry'], /a list of/],
    ['minEducationByLevel', { division: 'phd' }, /an object from level/],
    ['minEducationByLevel', { ministry: 'bachelor' }, /an object from level/],
    ['minEducationByLevel', ['bachelor'], /an object from level/],
    ['minEducationByLevel', null, /an object from level/],
  ])('%s = %j is refused, naming the key', (key, value, message) => {
    expect(overridesProblem({ [key]: value })).toEqual({ key, message: expect.stringMatching(message) });
  });

  test('an unknown key is refused, listing the rules; the first bad key is named', () => {
    expect(overridesProblem({ minWorkYear: 5 })).toEqual({ key: 'minWorkYear', message: expect.stringMatching(/not a qualification rule.*minWorkYears/) });
    expect(overridesProblem({ minWorkYears: 5, minEducation: 'none', maxGradeSteps: 0 })?.key).toBe('minEducation');
    expect(overridesProblem({})).toBeNull();
  });

  test('the refusal is 422 invalid_qualification_override naming the key, and a key that is not a plain identifier is not echoed', () => {
    expect(overridesRefusal({ qualificationOverrides: { maxGradeSteps: 3 } })).toEqual({
      code: 'invalid_qualification_override',
      message: expect.stringMatching(/^principles\.qualificationOverrides\.maxGradeSteps: cannot exceed 2/),
      details: { field: 'principles.qualificationOverrides.maxGradeSteps' },
    });
    const hostile = overridesRefusal({ qualificationOverrides: { '<img src=x>': 1 } });
    expect(hostile?.details).toEqual({ field: 'principles.qualificationOverrides' });
    expect(JSON.stringify(hostile)).not.toContain('<img');
    expect(overridesRefusal({})).toBeNull();
    expect(overridesRefusal({ qualificationOverrides: { minYearsAsDeputy: 3 } })).toBeNull();
    expect(overridesRefusal({ qualificationOverrides: { minYearsAsDeputy: 1 } })?.details).toEqual({ field: 'principles.qualificationOverrides.minYearsAsDeputy' });
  });
});

// ---------------------------------------------------------------------------------------------
// Nomination
// ---------------------------------------------------------------------------------------------

describe('recordNomination (民主推荐)', () => {
  const votes = [
    { personId: 'P1', votes: 15 },
    { personId: 'P2', votes: 9 },
  ];
  const meeting = (present: number, determined = 30) => ({ determined, present, votes });
  const talks = [{ personId: 'P1', mentions: 12 }];
  const nominate = (patch: { date?: string; meeting?: ReturnType<typeof meeting>; talks?: typeof talks } = {}) =>
    by({ action: 'recordNomination', date: TODAY, ...('meeting' in patch || 'talks' in patch ? {} : { meeting: meeting(25) }), ...patch });
  const atNomination = (method: Principles['method'] = 'meeting') => ctx({ stage: 'nomination', principles: { method } });

  test('先定原则、再商人头: before the principles are frozen no name is entered', () => {
    expect(commandProblem(atNomination(), nominate())).toBeNull();
    expect(codeOf(ctx({ stage: 'principles' }), nominate())).toBe('principles_not_frozen');
  });

  test('先定原则、再商人头 by date: a recommendation dated before the day (China time) the version in force was frozen is refused', () => {
    // frozen() freezes at 2026-11-10T02:00Z, 10:00 on 2026-11-10 in China.
    expect(commandProblem(atNomination(), nominate({ date: '2026-11-10' }))).toBeNull();
    expect(commandProblem(atNomination(), nominate({ date: '2026-11-09' }))).toMatchObject({
      code: 'recommendation_before_principles',
      details: { field: 'date', frozenOn: '2026-11-10', version: 1 },
    });
    // 23:30 UTC on the 9th is already the 10th in China: the 10th is allowed, the 9th is not.
    const lateUtc = ctx({ stage: 'nomination', frozen: { ...frozen(), frozenAt: '2026-11-09T23:30:00.000Z' } });
    expect(commandProblem(lateUtc, nominate({ date: '2026-11-10' }))).toBeNull();
    expect(codeOf(lateUtc, nominate({ date: '2026-11-09' }))).toBe('recommendation_before_principles');
    // After a revision the new version's freeze counts.
    const revised = ctx({ stage: 'nomination', frozen: { ...frozen(), version: 2, frozenAt: '2026-11-15T02:00:00.000Z' } });
    expect(commandProblem(revised, nominate({ date: '2026-11-12' }))).toMatchObject({ code: 'recommendation_before_principles', details: { version: 2 } });
  });

  test('after the nomination stage it is refused as wrong_stage', () => {
    for (const stage of ['shortlist', 'inspection', 'decision'] as const) expect(codeOf(ctx({ stage }), nominate())).toBe('wrong_stage');
  });

  test('the frozen method decides what is needed: a meeting, talks, or both', () => {
    expect(commandProblem(atNomination('meeting'), nominate({ talks }))).toMatchObject({ code: 'invalid_input', details: { field: 'meeting' } });
    expect(commandProblem(atNomination('meeting'), nominate({ meeting: meeting(25) }))).toBeNull();

    expect(commandProblem(atNomination('talk'), nominate({ meeting: meeting(25) }))).toMatchObject({ code: 'invalid_input', details: { field: 'talks' } });
    expect(fieldOf(atNomination('talk'), nominate({ talks: [] }))).toBe('talks');
    expect(commandProblem(atNomination('talk'), nominate({ talks }))).toBeNull();

    expect(fieldOf(atNomination('both'), nominate({ meeting: meeting(25) }))).toBe('talks');
    expect(fieldOf(atNomination('both'), nominate({ talks }))).toBe('meeting');
    expect(commandProblem(atNomination('both'), nominate({ meeting: meeting(25), talks }))).toBeNull();
  });

  test('more present than determined participants is refused', () => {
    expect(commandProblem(atNomination(), nominate({ meeting: meeting(31) }))).toMatchObject({ code: 'invalid_input', details: { field: 'meeting.present' } });
    expect(commandProblem(atNomination(), nominate({ meeting: meeting(30) }))).toBeNull();
  });

  test('a meeting needs 2/3 of the determined participants present: 20 of 30 passes, 19 of 30 is refused', () => {
    expect(commandProblem(atNomination(), nominate({ meeting: meeting(20) }))).toBeNull();
    expect(commandProblem(atNomination(), nominate({ meeting: meeting(19) }))).toMatchObject({
      code: 'nomination_quorum_not_met',
      message: expect.stringContaining('2/3 of the 30'),
      details: { field: 'meeting.present' },
    });
    // Rounded up, not down: 2/3 of 31 is 20.67, so 20 is short and 21 is enough.
    expect(codeOf(atNomination(), nominate({ meeting: meeting(20, 31) }))).toBe('nomination_quorum_not_met');
    expect(commandProblem(atNomination(), nominate({ meeting: meeting(21, 31) }))).toBeNull();
  });

  test('the quorum is data: a rule of 1/2 lets 15 of 30 through', () => {
    const half = ctx({ stage: 'nomination', rules: { nominationQuorum: { num: 1, den: 2 } } });
    expect(commandProblem(half, nominate({ meeting: meeting(15) }))).toBeNull();
    expect(codeOf(half, nominate({ meeting: meeting(14) }))).toBe('nomination_quorum_not_met');
  });

  test('a recommendation dated in the future is refused; today and earlier days back to the freeze pass', () => {
    expect(commandProblem(atNomination(), nominate({ date: '2026-11-21' }))).toMatchObject({ code: 'invalid_input', details: { field: 'date' } });
    expect(commandProblem(atNomination(), nominate({ date: TODAY }))).toBeNull();
    expect(commandProblem(atNomination(), nominate({ date: '2026-11-12' }))).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// Shortlist
// ---------------------------------------------------------------------------------------------

describe('setShortlist (考察对象)', () => {
  const nominatedOn = (date: string) => ({ date, meeting: { determined: 30, present: 25 }, talks: 0 });
  const atShortlist = (f: Partial<Fixture> = {}) =>
    ctx({ stage: 'shortlist', candidates: [candidate('P1'), candidate('P2'), candidate('P3')], nomination: nominatedOn('2026-11-18'), ...f });
  const shortlist = (personIds: string[], concentratedOpinion?: string) => by({ action: 'setShortlist', personIds, ...(concentratedOpinion !== undefined ? { concentratedOpinion } : {}) });

  test('outside the shortlist stage it is refused as wrong_stage', () => {
    expect(commandProblem(atShortlist(), shortlist(['P1', 'P2']))).toBeNull();
    for (const stage of ['nomination', 'inspection'] as const) expect(codeOf(atShortlist({ stage }), shortlist(['P1', 'P2']))).toBe('wrong_stage');
  });

  test('a person who was not nominated is refused', () => {
    expect(commandProblem(atShortlist(), shortlist(['P1', 'X9']))).toMatchObject({ code: 'invalid_input', details: { field: 'personId' } });
  });

  test('a candidate who fails the frozen principles is refused, listing only the failed predicates', () => {
    const c = atShortlist({ candidates: [candidate('P1'), candidate('P2', { check: ineligible('P2', ['minYearsAsDeputy', 'maxGradeSteps']) })] });
    expect(commandProblem(c, shortlist(['P1', 'P2']))).toMatchObject({
      code: 'candidate_not_eligible',
      message: expect.stringContaining('minYearsAsDeputy, maxGradeSteps'),
      details: { personId: 'P2', failed: ['minYearsAsDeputy', 'maxGradeSteps'] },
    });
    // Not yet checked counts as not eligible.
    expect(commandProblem(atShortlist({ candidates: [candidate('P1'), candidate('P2', { check: null })] }), shortlist(['P1', 'P2']))).toMatchObject({
      code: 'candidate_not_eligible',
      details: { personId: 'P2', failed: [] },
    });
  });

  test('a recommendation is valid for 12 months: on the anniversary it passes, a day later it has expired', () => {
    expect(commandProblem(atShortlist({ nomination: nominatedOn('2025-11-20') }), shortlist(['P1', 'P2']))).toBeNull();
    expect(commandProblem(atShortlist({ nomination: nominatedOn('2025-11-19') }), shortlist(['P1', 'P2']))).toMatchObject({
      code: 'recommendation_expired',
      message: expect.stringContaining('2025-11-19'),
    });
  });

  test('差额: one candidate for one position is refused, two pass', () => {
    expect(commandProblem(atShortlist(), shortlist(['P1']))).toMatchObject({ code: 'shortlist_not_competitive', details: { field: 'personIds' } });
    expect(commandProblem(atShortlist(), shortlist(['P1', 'P2']))).toBeNull();
  });

  test('with one position, concentrated opinion lets one candidate through; a blank record does not', () => {
    expect(commandProblem(atShortlist(), shortlist(['P1'], '民主推荐意见集中'))).toBeNull();
    expect(codeOf(atShortlist(), shortlist(['P1'], '  '))).toBe('shortlist_not_competitive');
  });

  test('in a general election (换届) concentrated opinion is no exception', () => {
    const election = atShortlist({ principles: { generalElection: true } });
    expect(commandProblem(election, shortlist(['P1'], '民主推荐意见集中'))).toMatchObject({ code: 'shortlist_not_competitive', details: { field: 'personIds' } });
    expect(commandProblem(election, shortlist(['P1', 'P2']))).toBeNull();
  });

  test('two positions need three candidates; concentrated opinion is for one position only', () => {
    const two = atShortlist({ principles: { post: { positions: 2 } } });
    expect(commandProblem(two, shortlist(['P1', 'P2']))).toMatchObject({ code: 'shortlist_not_competitive', message: expect.stringContaining('2 candidate(s) for 2 position(s)') });
    expect(codeOf(two, shortlist(['P1', 'P2'], '民主推荐意见集中'))).toBe('shortlist_not_competitive');
    expect(commandProblem(two, shortlist(['P1', 'P2', 'P3']))).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// Inspection
// ---------------------------------------------------------------------------------------------

describe('recordInspection (考察)', () => {
  const atInspection = (candidates = [inspected('P1'), inspected('P2')]) => ctx({ stage: 'inspection', candidates });
  type Inspection = Extract<SelectionCommand, { action: 'recordInspection' }>;
  const record = (patch: Partial<Inspection> = {}) =>
    by({
      action: 'recordInspection',
      group: ['zzb-staff', 'zzb-head'],
      noticeDate: '2026-11-16',
      startDate: '2026-11-18',
      talks: 30,
      evaluations: ['P1', 'P2'].map((personId) => ({ personId, excellent: 20, competent: 8, basicallyCompetent: 2, incompetent: 0 })),
      fieldVisit: true,
      ...patch,
    });

  test('a complete inspection passes; outside the inspection stage it is refused', () => {
    expect(commandProblem(atInspection(), record())).toBeNull();
    expect(codeOf(ctx({ stage: 'shortlist', candidates: [inspected('P1'), inspected('P2')] }), record())).toBe('wrong_stage');
  });

  test('a group of one is refused, also when one person is named twice', () => {
    expect(commandProblem(atInspection(), record({ group: ['zzb-staff'] }))).toMatchObject({ code: 'inspection_incomplete', details: { field: 'group' } });
    expect(fieldOf(atInspection(), record({ group: ['zzb-staff', 'zzb-staff'] }))).toBe('group');
  });

  test('the notice must come before the inspection starts', () => {
    expect(commandProblem(atInspection(), record({ noticeDate: '2026-11-18' }))).toMatchObject({ code: 'inspection_incomplete', details: { field: 'noticeDate' } });
    expect(fieldOf(atInspection(), record({ noticeDate: '2026-11-19' }))).toBe('noticeDate');
    expect(commandProblem(atInspection(), record({ noticeDate: '2026-11-17' }))).toBeNull();
  });

  test('individual talks are needed', () => {
    expect(commandProblem(atInspection(), record({ talks: 0 }))).toMatchObject({ code: 'inspection_incomplete', details: { field: 'talks' } });
    expect(commandProblem(atInspection(), record({ talks: 1 }))).toBeNull();
  });

  test('a field visit is needed', () => {
    expect(commandProblem(atInspection(), record({ fieldVisit: false }))).toMatchObject({ code: 'inspection_incomplete', details: { field: 'fieldVisit' } });
  });

  test('each candidate still in the inspection needs a democratic evaluation (民主测评); a removed one does not', () => {
    const onlyP1 = [{ personId: 'P1', excellent: 20, competent: 8, basicallyCompetent: 2, incompetent: 0 }];
    expect(commandProblem(atInspection(), record({ evaluations: onlyP1 }))).toMatchObject({
      code: 'inspection_incomplete',
      message: expect.stringContaining('P2'),
      details: { field: 'evaluations' },
    });
    expect(commandProblem(atInspection([inspected('P1'), inspected('P2', { removed: { reason: '反映问题属实', at: '2026-11-19T00:00:00.000Z' } }), candidate('P3')]), record({ evaluations: onlyP1 }))).toBeNull();
  });
});

describe('recordCheck (凡提四必) and signIntegrity (廉洁自律)', () => {
  const atInspection = (candidates: CandidateView[]) => ctx({ stage: 'inspection', candidates, inspection: INSPECTION });
  const check = (personId: string, result: 'clear' | 'negative' = 'clear', note?: string, which: FourMust = 'complaints') =>
    by({ action: 'recordCheck', personId, check: which, result, ...(note !== undefined ? { note } : {}) });
  // The signer as the API reads them from master data: the holder of the post in the candidate's unit (selection-issue11.test.ts has the refusals).
  const sign = (personId: string, as: 'partySecretary' | 'disciplineSecretary') =>
    by({ action: 'signIntegrity', personId, as, signer: { personId: `holder-${as}`, candidateUnitId: 'jyj', offices: [{ unitId: 'jyj', office: as, since: '2020-01-01' }] } });

  test('on a shortlisted candidate both pass; outside the inspection stage they are refused', () => {
    const c = atInspection([inspected('P1')]);
    expect(commandProblem(c, check('P1'))).toBeNull();
    expect(commandProblem(c, sign('P1', 'partySecretary'))).toBeNull();
    const decision = ctx({ stage: 'decision', candidates: [inspected('P1')] });
    expect(codeOf(decision, check('P1'))).toBe('wrong_stage');
    expect(codeOf(decision, sign('P1', 'partySecretary'))).toBe('wrong_stage');
  });

  test('a person never nominated is refused', () => {
    const c = atInspection([inspected('P1')]);
    expect(commandProblem(c, check('X9'))).toMatchObject({ code: 'invalid_input', details: { field: 'personId' } });
    expect(commandProblem(c, sign('X9', 'partySecretary'))).toMatchObject({ code: 'invalid_input', details: { field: 'personId' } });
  });

  test('a candidate not shortlisted, or removed, is not an inspection candidate', () => {
    const c = atInspection([inspected('P1'), candidate('P2'), inspected('P3', { removed: { reason: '反映问题属实', at: '2026-11-19T00:00:00.000Z' } })]);
    for (const personId of ['P2', 'P3']) {
      expect(commandProblem(c, check(personId))).toMatchObject({ code: 'candidate_not_eligible', details: { field: 'personId' } });
      expect(commandProblem(c, sign(personId, 'disciplineSecretary'))).toMatchObject({ code: 'candidate_not_eligible', details: { field: 'personId' } });
    }
  });

  test('each secretary signs once: a second signature is refused, the other secretary may still sign', () => {
    const c = atInspection([inspected('P1', { integrity: { partySecretary: 'sec-1' } })]);
    expect(commandProblem(c, sign('P1', 'partySecretary'))).toMatchObject({ code: 'invalid_input', details: { field: 'as' } });
    expect(commandProblem(c, sign('P1', 'disciplineSecretary'))).toBeNull();
  });

  test('a negative finding needs its reason recorded; a clear one does not', () => {
    const c = atInspection([inspected('P1')]);
    expect(commandProblem(c, check('P1', 'negative'))).toMatchObject({ code: 'invalid_input', details: { field: 'note' } });
    expect(fieldOf(c, check('P1', 'negative', '  '))).toBe('note');
    expect(commandProblem(c, check('P1', 'negative', '反映问题经核实属实'))).toBeNull();
    expect(commandProblem(c, check('P1', 'clear'))).toBeNull();
  });
});

describe('completeInspection', () => {
  const complete = by({ action: 'completeInspection' });
  const atInspection = (candidates: CandidateView[], inspection: CommandContext['state']['inspection'] = INSPECTION) => ctx({ stage: 'inspection', candidates, inspection });

  test('with the inspection recorded, 凡提四必 clear and both signatures for every candidate, it passes', () => {
    expect(commandProblem(atInspection([inspectedComplete('P1'), inspectedComplete('P2')]), complete)).toBeNull();
    // A removed candidate needs nothing more.
    expect(commandProblem(atInspection([inspectedComplete('P1'), inspected('P2', { removed: { reason: '反映问题属实', at: '2026-11-19T00:00:00.000Z' } })]), complete)).toBeNull();
    expect(codeOf(ctx({ stage: 'decision', candidates: [inspectedComplete('P1')], inspection: INSPECTION }), complete)).toBe('wrong_stage');
  });

  test('without the inspection recorded it is refused', () => {
    expect(commandProblem(atInspection([inspectedComplete('P1')], null), complete)).toMatchObject({ code: 'inspection_incomplete', message: expect.stringMatching(/record the inspection/) });
  });

  test('with no candidate left it is refused', () => {
    expect(commandProblem(atInspection([inspected('P1', { removed: { reason: '反映问题属实', at: '2026-11-19T00:00:00.000Z' } })]), complete)).toMatchObject({
      code: 'inspection_incomplete',
      message: expect.stringMatching(/no candidate/),
    });
  });

  test('a missing or negative item of 凡提四必 is refused, naming the candidate and the items', () => {
    const { complaints: _complaints, ...threeOfFour } = ALL_CLEAR;
    expect(commandProblem(atInspection([inspectedComplete('P1'), inspectedComplete('P2', { fourMusts: threeOfFour })]), complete)).toMatchObject({
      code: 'inspection_incomplete',
      details: { personId: 'P2', missing: ['complaints'] },
    });
    const negative = { ...ALL_CLEAR, personnelFile: { result: 'negative' as const, note: '档案存疑', by: STAFF, at: '2026-11-19T00:00:00.000Z' } };
    expect(commandProblem(atInspection([inspectedComplete('P1', { fourMusts: negative })]), complete)).toMatchObject({ code: 'inspection_incomplete', details: { personId: 'P1', missing: ['personnelFile'] } });
  });

  test('the 廉洁自律 conclusion needs both signatures: one missing is refused', () => {
    for (const integrity of [{ partySecretary: 'sec-1' }, { disciplineSecretary: 'sec-2' }, {}]) {
      expect(commandProblem(atInspection([inspectedComplete('P1', { integrity })]), complete)).toMatchObject({
        code: 'inspection_incomplete',
        message: expect.stringMatching(/廉洁自律/),
        details: { personId: 'P1' },
      });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Public notice and probation
// ---------------------------------------------------------------------------------------------

describe('recordObjection (任前公示)', () => {
  const objection = (personId: string) => by({ action: 'recordObjection', personId, text: '来信反映' });
  const onNotice = (stage: SelectionStage = 'publicNotice') => ctx({ stage, candidates: [candidate('P1', { shortlisted: true, decision: 'passed' }), candidate('P2', { shortlisted: true, decision: 'notPassed' })] });

  test('an objection about a candidate on notice passes; outside the notice it is refused', () => {
    expect(commandProblem(onNotice(), objection('P1'))).toBeNull();
    expect(codeOf(onNotice('decision'), objection('P1'))).toBe('wrong_stage');
    expect(codeOf(onNotice('probation'), objection('P1'))).toBe('wrong_stage');
  });

  test('a candidate the committee did not pass is not on notice', () => {
    expect(commandProblem(onNotice(), objection('P2'))).toMatchObject({ code: 'invalid_input', details: { field: 'personId' } });
    expect(commandProblem(onNotice(), objection('X9'))).toMatchObject({ code: 'invalid_input', details: { field: 'personId' } });
  });
});

describe('resolveObjection', () => {
  const open: Objection = { id: 'o1', text: '来信反映', recordedBy: STAFF, at: '2026-11-19T00:00:00.000Z', resolution: null };
  const resolved: Objection = { ...open, id: 'o2', resolution: { outcome: 'appoint', note: '经核实不属实', by: STAFF, at: '2026-11-19T08:00:00.000Z' } };
  const onNotice = (stage: SelectionStage = 'publicNotice') => ctx({ stage, candidates: [candidate('P1', { shortlisted: true, decision: 'passed', objections: [open, resolved] })] });
  type Outcome = Extract<SelectionCommand, { action: 'resolveObjection' }>['outcome'];
  const resolve = (objectionId: string, outcome: Outcome, postponeUntil?: string) => by({ action: 'resolveObjection', objectionId, outcome, note: '经核实', ...(postponeUntil !== undefined ? { postponeUntil } : {}) });

  test('an open objection is resolved; outside the notice it is refused', () => {
    for (const outcome of ['appoint', 'appointWithReminder', 'doNotAppoint'] as const) expect(commandProblem(onNotice(), resolve('o1', outcome))).toBeNull();
    expect(codeOf(onNotice('probation'), resolve('o1', 'appoint'))).toBe('wrong_stage');
  });

  test('an unknown objection is refused', () => {
    expect(commandProblem(onNotice(), resolve('o9', 'appoint'))).toMatchObject({ code: 'invalid_input', details: { field: 'objectionId' } });
  });

  test('an objection already resolved is refused', () => {
    expect(commandProblem(onNotice(), resolve('o2', 'doNotAppoint'))).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/already resolved/), details: { field: 'objectionId' } });
  });

  test('a postponement needs a date within 3 months: none or beyond is postpone_too_long, the last day passes', () => {
    expect(commandProblem(onNotice(), resolve('o1', 'postpone'))).toMatchObject({ code: 'postpone_too_long', details: { field: 'postponeUntil' } });
    expect(commandProblem(onNotice(), resolve('o1', 'postpone', '2027-02-21'))).toMatchObject({
      code: 'postpone_too_long',
      message: expect.stringContaining('2027-02-20'),
      details: { field: 'postponeUntil' },
    });
    expect(commandProblem(onNotice(), resolve('o1', 'postpone', '2027-02-20'))).toBeNull();
    expect(commandProblem(onNotice(), resolve('o1', 'postpone', '2026-11-21'))).toBeNull();
  });

  test('a postponement runs until a future date: today or earlier is refused', () => {
    for (const date of [TODAY, '2026-11-19']) {
      expect(commandProblem(onNotice(), resolve('o1', 'postpone', date))).toMatchObject({ code: 'invalid_input', details: { field: 'postponeUntil' } });
    }
  });
});

describe('assess (试用期满考核)', () => {
  const ENDS = '2027-11-20T16:00:00.000Z';
  const onProbation = (f: Partial<Fixture> = {}) =>
    ctx({ stage: 'probation', probationEndsAt: ENDS, now: Date.parse(ENDS) + 1, candidates: [candidate('P1', { decision: 'passed', outcome: 'appointed' }), candidate('P2', { decision: 'rejected', outcome: 'notAppointed' })], ...f });
  const assess = (personId: string) => by({ action: 'assess', personId, result: 'fit', note: '考核称职' });

  test('after the probation ends the appointed cadre is assessed', () => {
    expect(commandProblem(onProbation(), assess('P1'))).toBeNull();
    expect(commandProblem(onProbation({ now: Date.parse(ENDS) }), assess('P1'))).toBeNull();
  });

  test('before the probation ends it is refused as wrong_stage', () => {
    expect(commandProblem(onProbation({ now: Date.parse(ENDS) - 1 }), assess('P1'))).toMatchObject({ code: 'wrong_stage', message: expect.stringContaining(`the probation ends at ${ENDS}`) });
    expect(codeOf(onProbation({ probationEndsAt: null }), assess('P1'))).toBe('wrong_stage');
    expect(codeOf(onProbation({ stage: 'publicNotice' }), assess('P1'))).toBe('wrong_stage');
  });

  test('a person not appointed is not on probation', () => {
    expect(commandProblem(onProbation(), assess('P2'))).toMatchObject({ code: 'invalid_input', details: { field: 'personId' } });
    expect(commandProblem(onProbation(), assess('X9'))).toMatchObject({ code: 'invalid_input', details: { field: 'personId' } });
  });
});

// ---------------------------------------------------------------------------------------------
// The committee's vote, within the post's positions
// ---------------------------------------------------------------------------------------------

describe('withinPositions: no more candidates proceed than there are positions', () => {
  const v = (candidateId: string, agree: number) => ({ candidateId, agree });

  test('as many or fewer passed than positions: all proceed', () => {
    expect(withinPositions([v('A', 5), v('B', 6)], 2)).toEqual({ selected: ['B', 'A'], notSelected: [], tied: [], placesLeft: 0 });
    expect(withinPositions([], 1)).toEqual({ selected: [], notSelected: [], tied: [], placesLeft: 0 });
  });

  test('more passed than positions: ranked by 同意, the rest not selected', () => {
    expect(withinPositions([v('A', 5), v('B', 7)], 1)).toEqual({ selected: ['B'], notSelected: ['A'], tied: [], placesLeft: 0 });
    expect(withinPositions([v('A', 5), v('B', 7), v('C', 6), v('D', 6)], 3)).toEqual({ selected: ['B', 'C', 'D'], notSelected: ['A'], tied: [], placesLeft: 0 });
  });

  test('a tie at the last place: no one of the tied is chosen here; a new vote among them decides the places left', () => {
    // Both 5 of 9 同意 for one position (the reported defect: both were appointed).
    expect(withinPositions([v('A', 5), v('B', 5)], 1)).toEqual({ selected: [], notSelected: [], tied: ['A', 'B'], placesLeft: 1 });
    expect(withinPositions([v('A', 8), v('B', 6), v('C', 6), v('D', 5)], 2)).toEqual({ selected: ['A'], notSelected: ['D'], tied: ['B', 'C'], placesLeft: 1 });
  });

  test('a candidate not selected carries the rule: the places, the rank by 同意 and the 同意 of the last place taken', () => {
    const passed = [v('A', 5), v('B', 7), v('C', 6), v('D', 6)];
    expect(notSelectedReason(passed, 3, 'A')).toEqual({
      rule: 'withinPositions',
      places: 3,
      rank: 4,
      agree: 5,
      lastPlaceAgree: 6,
      reason: 'withinPositions: 4 passed for 3 place(s); ranked 4 by 同意 (5), below the last place taken (6 同意)',
    });
    // Every one withinPositions leaves out gets a reason naming the rule.
    for (const id of withinPositions(passed, 1).notSelected) expect(notSelectedReason(passed, 1, id)).toMatchObject({ rule: 'withinPositions', places: 1, lastPlaceAgree: 7 });
    // Someone who did not pass has no such reason.
    expect(notSelectedReason(passed, 1, 'E')).toBeNull();
  });
});

describe('commandsAt: the staff commands a selection\'s stage takes, as its state lists them', () => {
  it('offers the decision\'s meeting and 暂缓表决 at the decision, and nomination only at the nomination', () => {
    expect(commandsAt('decision').sort()).toEqual(['attachMinutes', 'deferVote', 'openMeeting']);
    expect(commandsAt('nomination')).toEqual(expect.arrayContaining(['recordNomination', 'revisePrinciples', 'linkExamination']));
    expect(commandsAt('shortlist')).not.toContain('recordNomination');
  });
});
