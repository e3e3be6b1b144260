import {
  ballotProblem,
  completeVoteRule,
  DEFAULT_VOTE_RULE,
  isSecret,
  meetingProblem,
  meetingRecord,
  meetsQuorum,
  minutesProblem,
  ratioProblem,
  slateBallots,
  tally,
  voteRecord,
  voteRuleProblem,
  type Ballot,
  type VoteChoice,
  type VoteRule,
} from '../../procedures/kernel/vote';

const ids = (n: number, prefix = 'm') => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

/** Ballots on one candidate: the first members agree, the next disagree, the next defer. */
function ballots(candidateId: string, members: string[], agree: number, disagree = 0, defer = 0): Ballot[] {
  const choices: VoteChoice[] = [
    ...Array<VoteChoice>(agree).fill('agree'),
    ...Array<VoteChoice>(disagree).fill('disagree'),
    ...Array<VoteChoice>(defer).fill('defer'),
  ];
  return choices.map((choice, i) => ({ memberId: members[i]!, candidateId, choice }));
}

describe('quorum (at least 2/3 of the members present, inclusive)', () => {
  test.each([
    [9, 6, true],
    [9, 5, false],
    [3, 2, true],
    [3, 1, false],
    [12, 8, true],
    [12, 7, false],
    [9, 9, true],
  ])('%i members, %i present → %s', (members, present, met) => {
    expect(meetsQuorum(DEFAULT_VOTE_RULE, members, present)).toBe(met);
  });

  test('a body with no members never has a quorum', () => {
    expect(meetsQuorum(DEFAULT_VOTE_RULE, 0, 0)).toBe(false);
  });

  test('more present than members is a programming error', () => {
    expect(() => meetsQuorum(DEFAULT_VOTE_RULE, 3, 4)).toThrow(RangeError);
  });
});

describe('pass rule (同意 from more than half of 应到, strict)', () => {
  test('exactly half of 8 is not enough; 5 of 9 is', () => {
    const eight = ids(8);
    const t8 = tally(DEFAULT_VOTE_RULE, { members: eight, present: eight, candidates: ['c'], ballots: ballots('c', eight, 4, 4) });
    expect(t8.candidates[0]).toMatchObject({ agree: 4, disagree: 4, passed: false, outcome: 'notPassed' });

    const nine = ids(9);
    const t9 = tally(DEFAULT_VOTE_RULE, { members: nine, present: nine, candidates: ['c'], ballots: ballots('c', nine, 5, 4) });
    expect(t9.candidates[0]).toMatchObject({ agree: 5, disagree: 4, passed: true, outcome: 'passed' });
  });

  test('缓议 is not 同意: 4 agree and 4 defer of 8 does not pass', () => {
    const m = ids(8);
    const t = tally(DEFAULT_VOTE_RULE, { members: m, present: m, candidates: ['c'], ballots: ballots('c', m, 4, 0, 4) });
    expect(t.candidates[0]).toMatchObject({ agree: 4, disagree: 0, defer: 4, notVoted: 0, passed: false, outcome: 'notPassed' });
  });

  test('the share is of the members who should attend, not of those present or voting', () => {
    // 9 members, 6 present (quorum met), all 4 who vote agree: unanimous among voters, still 4 of 9.
    const m = ids(9);
    const present = m.slice(0, 6);
    const t = tally(DEFAULT_VOTE_RULE, { members: m, present, candidates: ['c'], ballots: ballots('c', m, 4) });
    expect(t).toMatchObject({ shouldAttend: 9, present: 6, quorumMet: true });
    expect(t.candidates[0]).toMatchObject({ agree: 4, notVoted: 5, passed: false, outcome: 'notPassed' });
  });

  test('不同意 from more than half of 应到 rejects; split opinions postpone (暂缓)', () => {
    const m = ids(9);
    const t = tally(DEFAULT_VOTE_RULE, {
      members: m,
      present: m,
      candidates: ['a', 'b'],
      ballots: [...ballots('a', m, 3, 5, 1), ...ballots('b', m, 4, 4, 1)],
    });
    expect(t.candidates.map((c) => [c.candidateId, c.outcome, c.passed])).toEqual([
      ['a', 'rejected', false],
      ['b', 'notPassed', false],
    ]);
  });

  test('without quorum every candidate is invalid, even with unanimous 同意', () => {
    const m = ids(9);
    const present = m.slice(0, 5);
    const t = tally(DEFAULT_VOTE_RULE, { members: m, present, candidates: ['a', 'b'], ballots: [...ballots('a', present, 5), ...ballots('b', present, 0, 5)] });
    expect(t.quorumMet).toBe(false);
    expect(t.candidates.map((c) => [c.outcome, c.passed])).toEqual([
      ['invalid', false],
      ['invalid', false],
    ]);
  });

  test('each candidate is counted separately', () => {
    const m = ids(3);
    const t = tally(DEFAULT_VOTE_RULE, {
      members: m,
      present: m,
      candidates: ['a', 'b', 'c'],
      ballots: [...ballots('a', m, 2, 1), ...ballots('b', m, 1, 2)],
    });
    expect(t.candidates).toEqual([
      { candidateId: 'a', agree: 2, disagree: 1, defer: 0, notVoted: 0, passed: true, outcome: 'passed' },
      { candidateId: 'b', agree: 1, disagree: 2, defer: 0, notVoted: 0, passed: false, outcome: 'rejected' },
      { candidateId: 'c', agree: 0, disagree: 0, defer: 0, notVoted: 3, passed: false, outcome: 'notPassed' },
    ]);
  });
});

describe('who may cast a ballot', () => {
  const rule: VoteRule = { ...DEFAULT_VOTE_RULE, principalId: 'secretary' };
  const members = ['secretary', 'a', 'b', 'c'];
  const state = (cast: Ballot[], present = ['secretary', 'a', 'b']) => ({ members, present, candidates: ['x', 'y'], ballots: cast });

  test('the principal leader votes last on each candidate: refused before the other present members, allowed after', () => {
    expect(ballotProblem(rule, state([]), 'secretary', 'x')).toMatchObject({ code: 'principal_votes_last' });
    const afterA: Ballot[] = [{ memberId: 'a', candidateId: 'x', choice: 'agree' }];
    expect(ballotProblem(rule, state(afterA), 'secretary', 'x')?.message).toMatch(/still to vote: b$/);
    const afterAll: Ballot[] = [...afterA, { memberId: 'b', candidateId: 'x', choice: 'defer' }];
    // c is absent, so nobody else is waited for on x.
    expect(ballotProblem(rule, state(afterAll), 'secretary', 'x')).toBeNull();
    // Per candidate: on y nobody has voted yet.
    expect(ballotProblem(rule, state(afterAll), 'secretary', 'y')).toMatchObject({ code: 'principal_votes_last' });
  });

  test('a tally refuses a record where the principal voted first', () => {
    expect(() =>
      tally(rule, {
        members,
        present: members,
        candidates: ['x'],
        ballots: [
          { memberId: 'secretary', candidateId: 'x', choice: 'agree' },
          { memberId: 'a', candidateId: 'x', choice: 'agree' },
        ],
      }),
    ).toThrow(/principal leader votes last/);
  });

  test('one ballot per member per candidate', () => {
    const cast: Ballot[] = [{ memberId: 'a', candidateId: 'x', choice: 'agree' }];
    expect(ballotProblem(rule, state(cast), 'a', 'x')).toMatchObject({ code: 'already_voted' });
    expect(ballotProblem(rule, state(cast), 'a', 'y')).toBeNull();
    expect(() => tally(rule, state([...cast, ...cast]))).toThrow(/already voted/);
  });

  test('strangers, absent members and unknown candidates are refused', () => {
    expect(ballotProblem(rule, state([]), 'z', 'x')).toMatchObject({ code: 'not_member' });
    expect(ballotProblem(rule, state([]), 'c', 'x')).toMatchObject({ code: 'not_present' });
    expect(ballotProblem(rule, state([]), 'a', 'nobody')).toMatchObject({ code: 'unknown_candidate' });
  });

  test('without attendance tracking every member counts as present', () => {
    const untracked = { members, candidates: ['x'], ballots: [] };
    expect(ballotProblem(rule, untracked, 'c', 'x')).toBeNull();
    expect(ballotProblem(rule, untracked, 'secretary', 'x')?.message).toMatch(/still to vote: a, b, c$/);
  });
});

describe('custom ratios, computed exactly', () => {
  const rule: VoteRule = { quorum: { num: 1, den: 2 }, pass: { num: 2, den: 3 } };

  test('quorum 1/2 is inclusive: 2 of 4 is enough, 1 of 4 is not', () => {
    expect(meetsQuorum(rule, 4, 2)).toBe(true);
    expect(meetsQuorum(rule, 4, 1)).toBe(false);
  });

  test('pass 2/3 is strict: exactly 2 of 3 is not more than 2/3; 3 of 3 is', () => {
    const three = ids(3);
    const t3 = tally(rule, { members: three, present: three, candidates: ['a', 'b'], ballots: [...ballots('a', three, 2, 1), ...ballots('b', three, 3)] });
    expect(t3.candidates.map((c) => c.outcome)).toEqual(['notPassed', 'passed']);
  });

  test('200 of 300 against 2/3, 2/3 of 3 members against quorum 2/3: no rounding either way', () => {
    const m = ids(300);
    const t = tally(rule, {
      members: m,
      present: m,
      candidates: ['a', 'b'],
      ballots: [...ballots('a', m, 200, 100), ...ballots('b', m, 201, 99)],
    });
    expect(t.candidates.map((c) => [c.agree, c.outcome])).toEqual([
      [200, 'notPassed'],
      [201, 'passed'],
    ]);
    // 2/3 and 200/300 written as floats (0.666…) would round; as integers they are exact.
    expect(meetsQuorum(DEFAULT_VOTE_RULE, 3, 2)).toBe(true);
    expect(meetsQuorum(DEFAULT_VOTE_RULE, 300, 200)).toBe(true);
    expect(meetsQuorum(DEFAULT_VOTE_RULE, 300, 199)).toBe(false);
    expect(meetsQuorum({ quorum: { num: 200, den: 300 }, pass: DEFAULT_VOTE_RULE.pass }, 3, 2)).toBe(true);
  });

  test('large denominators stay exact', () => {
    const r: VoteRule = { quorum: { num: 666_666_667, den: 1_000_000_000 }, pass: DEFAULT_VOTE_RULE.pass };
    // 2/3 = 0.666666666… is below 0.666666667, so 2 of 3 falls short.
    expect(meetsQuorum(r, 3, 2)).toBe(false);
    expect(meetsQuorum(r, 3, 3)).toBe(true);
  });

  test('a ratio must be whole numbers between 0 and 1 with a positive denominator', () => {
    expect(ratioProblem({ num: 2, den: 3 })).toBeNull();
    expect(ratioProblem({ num: 1, den: 0 })).toMatch(/positive denominator/);
    expect(ratioProblem({ num: 4, den: 3 })).toMatch(/between 0 and 1/);
    expect(ratioProblem({ num: -1, den: 3 })).toMatch(/between 0 and 1/);
    expect(ratioProblem({ num: 0.5, den: 1 })).toMatch(/whole numbers/);
    expect(voteRuleProblem({ quorum: { num: 2, den: 3 }, pass: { num: 1, den: 0 } })).toMatch(/^pass:/);
    expect(() => meetsQuorum({ quorum: { num: 3, den: 2 }, pass: { num: 1, den: 2 } }, 3, 3)).toThrow(RangeError);
  });
});

describe('a slate vote (one choice for every candidate, with exceptions)', () => {
  const candidates = ids(600, 'T');

  test('stands for exactly one ballot per candidate, the exceptions applied, in the candidates’ order', () => {
    const r = slateBallots(candidates, { choice: 'agree', except: [{ candidateId: 'T7', choice: 'disagree' }, { candidateId: 'T600', choice: 'defer' }] });
    expect(r.problem).toBeNull();
    expect(r.ballots?.map((b) => b.candidateId)).toEqual(candidates);
    expect(r.ballots?.filter((b) => b.choice !== 'agree')).toEqual([
      { candidateId: 'T7', choice: 'disagree' },
      { candidateId: 'T600', choice: 'defer' },
    ]);
  });

  test('its ballots tally like per-candidate ballots: 600 pairs pass with 2 of 3 members agreeing to the slate', () => {
    const members = ids(3);
    const cast: Ballot[] = members.flatMap((m, i) =>
      (slateBallots(candidates, i === 2 ? { choice: 'disagree' } : { choice: 'agree', except: i === 1 ? [{ candidateId: 'T1', choice: 'defer' }] : [] }).ballots ?? []).map((b) => ({ memberId: m, ...b })),
    );
    const t = tally(DEFAULT_VOTE_RULE, { members, present: members, candidates, ballots: cast });
    expect(t.candidates.filter((c) => c.outcome === 'passed')).toHaveLength(599);
    expect(t.candidates[0]).toMatchObject({ candidateId: 'T1', agree: 1, disagree: 1, defer: 1, outcome: 'notPassed' });
  });

  test.each([
    [{ choice: 'agree', except: [{ candidateId: 'X9', choice: 'disagree' }] }, 'except[0].candidateId'],
    [{ choice: 'agree', except: [{ candidateId: 'T2', choice: 'defer' }, { candidateId: 'T2', choice: 'disagree' }] }, 'except[1].candidateId'],
    [{ choice: 'agree', except: [{ candidateId: 'T2', choice: 'agree' }] }, 'except[0].choice'],
    [{ choice: 'maybe' }, 'choice'],
    [{ choice: 'agree', except: [{ candidateId: 'T2', choice: 'perhaps' }] }, 'except[0].choice'],
  ])('refuses %j naming %s, without echoing the value', (vote, field) => {
    const r = slateBallots(candidates, vote as never);
    expect(r.ballots).toBeNull();
    expect(r.problem?.field).toBe(field);
    expect(r.problem?.message).not.toMatch(/X9|maybe|perhaps/);
  });
});

describe('secret ballots (无记名)', () => {
  test('a vote is secret unless its rule says 记名: the record says only that a vote was cast', () => {
    const cast = { ballots: [{ candidateId: 'A', choice: 'agree' }] };
    expect(voteRecord(DEFAULT_VOTE_RULE, cast)).toEqual({ secret: true });
    expect(voteRecord({ secret: true }, cast)).toEqual({ secret: true });
    expect(voteRecord({ secret: false }, cast)).toBe(cast);
    expect(completeVoteRule({ secret: false }, ['m1']).rule).toMatchObject({ secret: false });
    expect(isSecret(completeVoteRule(undefined, ['m1']).rule)).toBe(true);
  });
});

describe('a recorded meeting (会议: date, 应到, 实到 as recorded, minutes)', () => {
  const members = ids(9);
  const today = '2026-06-10';

  test('opens with at least 2/3 of 应到 recorded present: 6 of 9 yes, 5 of 9 refused with the rule named', () => {
    expect(meetingProblem(DEFAULT_VOTE_RULE, members, { date: today, present: members.slice(0, 6) }, today)).toBeNull();
    const p = meetingProblem(DEFAULT_VOTE_RULE, members, { date: today, present: members.slice(0, 5) }, today);
    expect(p).toMatchObject({ code: 'quorum_not_met', field: 'present', details: { present: 5, shouldAttend: 9, needed: 6, rule: 'meeting.quorum' } });
  });

  test('a recused member (回避) counts toward 应到 but not as present, even when in the room', () => {
    // 6 in the room, one of them recused: 5 of 9 present, no quorum.
    const p = meetingProblem(DEFAULT_VOTE_RULE, members, { date: today, present: members.slice(0, 6), recused: ['m1'] }, today);
    expect(p).toMatchObject({ code: 'quorum_not_met', details: { present: 5, shouldAttend: 9 } });
    const r = meetingRecord(members, { date: today, present: members.slice(0, 7), recused: ['m1'] }, 'staff', '2026-06-10T02:00:00.000Z');
    expect(r).toMatchObject({ shouldAttend: members, present: ['m2', 'm3', 'm4', 'm5', 'm6', 'm7'], recused: ['m1'], absent: ['m8', 'm9'], minutes: null });
  });

  test('attendance names members once each, never echoing a stranger; the date is not in the future', () => {
    expect(meetingProblem(DEFAULT_VOTE_RULE, members, { date: today, present: [...members.slice(0, 6), 'x<script>'] }, today)).toEqual({
      code: 'invalid_attendance',
      field: 'present[6]',
      message: 'present[6] is not a member of the meeting',
    });
    expect(meetingProblem(DEFAULT_VOTE_RULE, members, { date: today, present: [...members.slice(0, 6), 'm1'] }, today)).toMatchObject({ code: 'invalid_attendance', field: 'present[6]' });
    expect(meetingProblem(DEFAULT_VOTE_RULE, members, { date: '2026-06-11', present: members }, today)).toMatchObject({ code: 'invalid_date', field: 'date' });
  });

  test('the tally counts 实到 from the attendance recorded, not from who voted', () => {
    const present = members.slice(0, 7);
    // 5 of the 7 present vote 同意; two present never vote: still 7 present, quorum met, 5 of 9 passes.
    const t = tally(DEFAULT_VOTE_RULE, { members, present, candidates: ['c1'], ballots: ballots('c1', present, 5) });
    expect(t).toMatchObject({ shouldAttend: 9, present: 7, quorumMet: true });
    expect(t.candidates[0]).toMatchObject({ agree: 5, notVoted: 4, outcome: 'passed' });
  });

  test('the principal votes last among those present, not waiting for present members whose vote was closed', () => {
    const rule: VoteRule = { ...DEFAULT_VOTE_RULE, principalId: 'm1' };
    const present = members.slice(0, 7);
    const cast = ballots('c1', members.slice(1, 6), 5);
    expect(ballotProblem(rule, { members, present, candidates: ['c1'], ballots: cast }, 'm1', 'c1')?.code).toBe('principal_votes_last');
    expect(ballotProblem(rule, { members, present, candidates: ['c1'], ballots: cast, closed: ['m7'] }, 'm1', 'c1')).toBeNull();
  });

  test('the minutes are attached once, to an open meeting, and name a document', () => {
    const open = meetingRecord(members, { date: today, present: members }, 'staff', 'at');
    expect(minutesProblem(null, '部务会纪要〔2026〕3号')).toMatchObject({ code: 'meeting_not_open' });
    expect(minutesProblem(open, '  ')).toMatchObject({ code: 'invalid_input', field: 'minutesRef' });
    expect(minutesProblem(open, '部务会纪要〔2026〕3号')).toBeNull();
    expect(minutesProblem({ ...open, minutes: { ref: 'r', by: 'staff', at: 'at' } }, 'another')).toMatchObject({ code: 'minutes_already_attached' });
  });
});
