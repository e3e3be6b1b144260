/**
 * The 任前政治体检 gate of cadre selection (procedures/cadre-selection/rules.ts): the pure rule the
 * completeInspection validator and the workflow apply to the political-quality files the API read, and
 * its place in commandProblem. Today is 2026-11-30; 12 months back is 2025-11-30, the last fresh day.
 */
import type { CandidateView, FrozenPrinciples, PoliticalExamFacts, Principles } from '../../procedures/cadre-selection/messages';
import { commandProblem, type CommandContext } from '../../procedures/cadre-selection/commands';
import { politicalGateProblem, politicalGateReadings } from '../../procedures/cadre-selection/political-gate';
import { DEFAULT_SELECTION_RULES, nominee } from '../../procedures/cadre-selection/rules';

const TODAY = '2026-11-30';
const TWELVE = { months: 12 };

const file = (personId: string, ...entries: [examinedOn: string, grade: string][]): PoliticalExamFacts => ({
  personId,
  entries: entries.map(([examinedOn, grade], i) => ({ examinationId: `${personId}-e${i}`, examinedOn, grade })),
});

describe('politicalGateReadings / politicalGateProblem', () => {
  it('a fresh examination on the boundary day passes; one day older is expired', () => {
    expect(politicalGateReadings(['A'], [file('A', ['2025-11-30', '好'])], TWELVE, TODAY)).toEqual([
      { personId: 'A', status: 'fresh', latest: { examinationId: 'A-e0', examinedOn: '2025-11-30', grade: '好' } },
    ]);
    expect(politicalGateProblem(['A'], [file('A', ['2025-11-30', '好'])], TWELVE, TODAY)).toBeNull();

    const expired = politicalGateProblem(['A'], [file('A', ['2025-11-29', '好'])], TWELVE, TODAY);
    expect(expired).toMatchObject({
      code: 'political_exam_required',
      details: { rule: 'principles.politicalExam', months: 12, candidates: [{ personId: 'A', status: 'expired', examinedOn: '2025-11-29' }] },
    });
    expect(expired?.message).toContain('12 months');
    expect(expired?.message).toContain('A (expired)');
  });

  it('the months come from the requirement', () => {
    expect(politicalGateReadings(['A'], [file('A', ['2026-05-30', '好'])], { months: 6 }, TODAY)[0]?.status).toBe('fresh');
    expect(politicalGateReadings(['A'], [file('A', ['2026-05-29', '好'])], { months: 6 }, TODAY)[0]?.status).toBe('expired');
  });

  it('no examination in the file, or no file sent, is missing', () => {
    expect(politicalGateReadings(['A', 'B'], [file('A')], TWELVE, TODAY).map((r) => [r.personId, r.status, r.latest])).toEqual([
      ['A', 'missing', null],
      ['B', 'missing', null],
    ]);
    expect(politicalGateProblem(['A'], [], TWELVE, TODAY)?.details).toMatchObject({ candidates: [{ personId: 'A', status: 'missing', examinedOn: null }] });
  });

  it('a 较差 newest result is poor; a newer better one is fresh again', () => {
    expect(politicalGateReadings(['A'], [file('A', ['2026-10-01', '较差'])], TWELVE, TODAY)[0]?.status).toBe('poor');
    expect(politicalGateReadings(['A'], [file('A', ['2026-10-01', '较差'], ['2026-11-01', '一般'])], TWELVE, TODAY)[0]).toMatchObject({
      status: 'fresh',
      latest: { examinedOn: '2026-11-01' },
    });
  });

  it('names every blocked candidate, and only those', () => {
    const problem = politicalGateProblem(
      ['A', 'B', 'C'],
      [file('A', ['2026-01-01', '好']), file('B', ['2026-01-01', '较差']), file('C', ['2024-01-01', '好'])],
      TWELVE,
      TODAY,
    );
    expect(problem?.details?.candidates).toEqual([
      { personId: 'B', status: 'poor', examinedOn: '2026-01-01' },
      { personId: 'C', status: 'expired', examinedOn: '2024-01-01' },
    ]);
  });

  it('without the requirement there is no gate', () => {
    expect(politicalGateProblem(['A'], [], undefined, TODAY)).toBeNull();
  });
});

describe('completeInspection with the gate (commandProblem)', () => {
  const principles = (politicalExam?: { months: number }): Principles => ({
    post: { title: '市教育局局长', unitId: 'jyj', positions: 1, targetGrade: 'division', isPartyPost: false },
    candidateScope: '全市县处级副职干部',
    method: 'meeting',
    timetable: '2026年12月底前完成',
    ...(politicalExam ? { politicalExam } : {}),
  });
  const frozen = (p: Principles): FrozenPrinciples => ({ version: 1, hash: 'a'.repeat(64), frozenAt: '2026-11-10T02:00:00.000Z', principles: p });
  const complete = (personId: string, patch: Partial<CandidateView> = {}): CandidateView => ({
    ...nominee(personId, '2026-11-18T02:00:00.000Z', 10, 0),
    check: { personId, principlesVersion: 1, eligible: true, results: [] },
    shortlisted: true,
    fourMusts: Object.fromEntries(
      (['personnelFile', 'personalMatters', 'disciplineOpinion', 'complaints'] as const).map((m) => [m, { result: 'clear' as const, by: 'zzb-staff', at: '2026-11-19T02:00:00.000Z' }]),
    ),
    integrity: { partySecretary: 's1', disciplineSecretary: 's2' },
    ...patch,
  });
  const ctx = (p: Principles): CommandContext => ({
    state: {
      status: 'open',
      stage: 'inspection',
      // A removed candidate is not gated.
      candidates: [complete('A'), complete('B'), complete('X', { removed: { reason: 'complaints: 有具体线索', at: '2026-11-19T02:00:00.000Z' } })],
      nomination: { date: '2026-11-18', meeting: { determined: 30, present: 25 }, talks: 0 },
      inspection: { group: ['zzb-staff', 'zzb-head'], noticeDate: '2026-11-16', startDate: '2026-11-18', talks: 30, fieldVisit: true, completedAt: null },
      probationEndsAt: null,
      examinations: [],
    },
    frozen: frozen(p),
    initiatorId: 'zzb-staff',
    today: TODAY,
    now: Date.parse('2026-11-30T12:00:00+08:00'),
    rules: DEFAULT_SELECTION_RULES,
  });
  const by = (politicalFacts?: PoliticalExamFacts[]) => ({ action: 'completeInspection' as const, ...(politicalFacts ? { politicalFacts } : {}), actorId: 'zzb-staff', actorRoles: ['staff' as const] });

  it('requirement off: completes without any facts, as before', () => {
    expect(commandProblem(ctx(principles()), by())).toBeNull();
  });

  it('requirement on: refused naming the rule and the candidates until each is fresh', () => {
    const p = principles({ months: 12 });
    expect(commandProblem(ctx(p), by())).toMatchObject({ code: 'political_exam_required', details: { candidates: [{ personId: 'A', status: 'missing' }, { personId: 'B', status: 'missing' }] } });
    expect(commandProblem(ctx(p), by([file('A', ['2025-11-30', '好']), file('B', ['2025-11-29', '好'])]))).toMatchObject({
      details: { candidates: [{ personId: 'B', status: 'expired' }] },
    });
    expect(commandProblem(ctx(p), by([file('A', ['2025-11-30', '好']), file('B', ['2026-06-01', '较好'])]))).toBeNull();
  });

  it('the rest of the inspection is checked first', () => {
    const c = ctx(principles({ months: 12 }));
    c.state.candidates[0] = complete('A', { integrity: { partySecretary: 's1' } });
    expect(commandProblem(c, by())?.code).toBe('inspection_incomplete');
  });
});
