/**
 * The rules of 揭榜出征 (procedures/redeployment/rules.ts): the list, who may apply and for how many
 * tasks, the eligibility predicates, and the two-way matching (双向选择): stable (no blocking pair),
 * capacities respected, no cadre matched twice, deterministic. No timing here: bench/redeployment-matching.ts
 * prints the figure for 600 × 600.
 */
import type { Role } from '../../procedures/kernel/messages';
import type { Application, ChallengeTask, ChallengeTaskInput, EligibilityCheck, PersonFacts, RedeploymentCommandInput } from '../../procedures/redeployment/messages';
import {
  ageOn,
  blockingPairs,
  checkEligibility,
  commandProblem,
  commandsAt,
  DEFAULT_LIST_RULES,
  emptyTermTally,
  figuresOf,
  foldTerm,
  listProblem,
  matchingInputOf,
  snapshotOf,
  stableMatch,
  taskProblem,
  type CommandContext,
  type MatchingInput,
} from '../../procedures/redeployment/rules';

const TODAY = '2026-11-20';

const taskInput = (taskId: string, o: Partial<ChallengeTaskInput> = {}): ChallengeTaskInput => ({
  taskId,
  title: `任务 ${taskId}`,
  description: '乡村振兴一线任务',
  hostUnitId: 'jyj',
  term: { start: '2027-01-01', end: '2027-12-31' },
  people: 1,
  requirements: {},
  ...o,
});
const task = (taskId: string, o: Partial<ChallengeTaskInput> = {}): ChallengeTask => ({ ...taskInput(taskId, o), status: 'open', version: 1, changes: [] });

const facts = (personId: string, o: Partial<PersonFacts> = {}): PersonFacts => ({
  personId,
  name: personId,
  unitId: 'wjw',
  birthDate: '1970-03-01',
  currentGrade: 'division',
  leftLeadershipPostOn: '2025-06-30',
  fields: ['教育'],
  health: [{ date: '2026-10-01', result: 'fit' }],
  ...o,
});

const STAFF = { actorId: 'zzb-staff', actorRoles: ['staff'] as Role[], actorUnitId: 'zzb' };
const CADRE = { actorId: 'cadre-1', actorRoles: [] as Role[], actorUnitId: 'wjw' };

const ctx = (o: Partial<CommandContext> = {}): CommandContext => ({
  stage: 'published',
  status: 'open',
  departmentUnitId: 'zzb',
  rules: DEFAULT_LIST_RULES,
  today: TODAY,
  tasks: [task('T1'), task('T2'), task('T3')],
  closeDate: '2026-11-30',
  closedEarly: false,
  applications: [],
  checks: [],
  rankings: {},
  proposal: null,
  letters: [],
  ...o,
});
const apply = (personId: string, taskIds: string[], f: Partial<PersonFacts> = {}): RedeploymentCommandInput => ({
  ...CADRE,
  action: 'apply',
  personId,
  taskIds,
  statement: '愿赴一线',
  facts: facts(personId, f),
  cadreUserId: 'cadre-1',
});
const application = (personId: string, taskIds: string[], source: Application['source'] = 'application'): Application => ({
  personId,
  name: personId,
  formerUnitId: 'wjw',
  cadreUserId: personId,
  taskIds,
  statement: '',
  source,
  by: personId,
  at: '2026-11-20T01:00:00.000Z',
});

describe('the list', () => {
  it('takes a task whose term ends after it starts, with at least one person', () => {
    expect(listProblem([taskInput('T1'), taskInput('T2')])).toBeNull();
  });
  it('refuses a term that ends before (or on) its start, naming the field', () => {
    expect(taskProblem(taskInput('T1', { term: { start: '2027-01-01', end: '2026-12-31' } }), 'tasks[0]')?.details.field).toBe('tasks[0].term.end');
    expect(taskProblem(taskInput('T1', { term: { start: '2027-01-01', end: '2027-01-01' } }), 'tasks[0]')?.code).toBe('invalid_task');
  });
  it('refuses no people, a grade range upside down, an age limit out of range, a blank field', () => {
    expect(taskProblem(taskInput('T1', { people: 0 }), 't')?.details.field).toBe('t.people');
    expect(taskProblem(taskInput('T1', { requirements: { grades: { min: 'division', max: 'deputyDivision' } } }), 't')?.details.field).toBe('t.requirements.grades');
    expect(taskProblem(taskInput('T1', { requirements: { maxAge: 90 } }), 't')?.details.field).toBe('t.requirements.maxAge');
    expect(taskProblem(taskInput('T1', { requirements: { fields: [' '] } }), 't')?.details.field).toBe('t.requirements.fields');
  });
  it('refuses an empty list and a task id twice', () => {
    expect(listProblem([])?.details.field).toBe('tasks');
    expect(listProblem([taskInput('T1'), taskInput('T1')])?.details.field).toBe('tasks[1].taskId');
  });
});

describe('applications (揭榜)', () => {
  it('lets an eligible cadre apply for up to N tasks in order of preference', () => {
    expect(commandProblem(ctx(), apply('P1', ['T2', 'T1']))).toBeNull();
  });
  it('refuses after the close date, and after an early close, naming the rule', () => {
    const late = commandProblem(ctx({ today: '2026-12-01' }), apply('P1', ['T1']));
    expect(late?.code).toBe('applications_closed');
    expect(late?.details.rule).toBe('applicationClose');
    expect(commandProblem(ctx({ closedEarly: true }), apply('P1', ['T1']))?.code).toBe('applications_closed');
    expect(commandProblem(ctx({ stage: 'checks' }), apply('P1', ['T1']))?.code).toBe('applications_closed');
    // On the close date itself, still open.
    expect(commandProblem(ctx({ today: '2026-11-30' }), apply('P1', ['T1']))).toBeNull();
  });
  it('refuses someone not recorded as having left a leadership post', () => {
    const p = commandProblem(ctx(), apply('P1', ['T1'], { leftLeadershipPostOn: null }));
    expect(p?.code).toBe('not_eligible');
    expect(p?.details.rule).toBe('leftLeadershipPost');
  });
  it('refuses someone over the age limit, the task’s own or the list’s', () => {
    expect(commandProblem(ctx(), apply('P1', ['T1'], { birthDate: '1960-01-01' }))?.details.rule).toBe('maxAge');
    const young = ctx({ tasks: [task('T1', { requirements: { maxAge: 50 } })] });
    expect(commandProblem(young, apply('P1', ['T1']))?.details).toMatchObject({ rule: 'maxAge', field: 'taskIds[0]' });
    // The birthday counts: 60 on the day.
    expect(ageOn('1966-11-20', TODAY)).toBe(60);
    expect(ageOn('1966-11-21', TODAY)).toBe(59);
  });
  it('refuses more than N tasks, counting earlier applications, and N is data', () => {
    expect(commandProblem(ctx(), apply('P1', ['T1', 'T2', 'T3']))?.code).toBe('too_many_applications');
    expect(commandProblem(ctx({ applications: [application('P1', ['T1'])] }), apply('P1', ['T2', 'T3']))?.details.rule).toBe('maxApplications');
    expect(commandProblem(ctx({ applications: [application('P1', ['T1'])] }), apply('P1', ['T2']))).toBeNull();
    expect(commandProblem(ctx({ rules: { ...DEFAULT_LIST_RULES, maxApplications: 3 } }), apply('P1', ['T1', 'T2', 'T3']))).toBeNull();
  });
  it('refuses a withdrawn or unknown task, and a nomination by anyone but the department’s staff', () => {
    const withdrawn = ctx({ tasks: [{ ...task('T1'), status: 'withdrawn' }] });
    expect(commandProblem(withdrawn, apply('P1', ['T1']))?.code).toBe('unknown_task');
    const nominate: RedeploymentCommandInput = { ...CADRE, action: 'nominate', personId: 'P1', taskId: 'T1', statement: '', facts: facts('P1'), cadreUserId: 'u' };
    expect(commandProblem(ctx(), nominate)?.code).toBe('not_allowed');
    expect(commandProblem(ctx(), { ...nominate, ...STAFF })).toBeNull();
  });
  it('refuses a task change by anyone but staff, and a change whose term ends before it starts', () => {
    const change: RedeploymentCommandInput = { ...STAFF, action: 'changeTask', taskId: 'T1', changes: { term: { start: '2027-02-01', end: '2027-01-01' } }, reason: '调整周期' };
    expect(commandProblem(ctx(), change)?.details.field).toBe('changes.term.end');
    expect(commandProblem(ctx(), { ...change, ...CADRE })?.code).toBe('not_allowed');
    expect(commandProblem(ctx(), { ...change, changes: { people: 2 } })).toBeNull();
    expect(commandProblem(ctx(), { ...change, changes: { people: 2 }, reason: ' ' })?.code).toBe('reason_required');
  });
});

describe('the eligibility check', () => {
  const t = task('T1', { requirements: { grades: { min: 'deputyDivision', max: 'division' }, fields: ['教育', '卫生'], maxAge: 60, health: 'fit' } });
  it('passes every predicate with the fact it used', () => {
    const c = checkEligibility(facts('P1'), t, DEFAULT_LIST_RULES, TODAY);
    expect(c.eligible).toBe(true);
    expect(c.results.map((r) => r.predicate)).toEqual(['leftLeadershipPost', 'maxAge', 'gradeRange', 'fields', 'health']);
    expect(c.results.find((r) => r.predicate === 'gradeRange')?.fact).toBe('currentGrade=division');
  });
  it('fails each predicate on its own fact', () => {
    const fail = (f: Partial<PersonFacts>): string[] =>
      checkEligibility(facts('P1', f), t, DEFAULT_LIST_RULES, TODAY)
        .results.filter((r) => !r.passed)
        .map((r) => r.predicate);
    expect(fail({ leftLeadershipPostOn: null })).toEqual(['leftLeadershipPost']);
    expect(fail({ birthDate: '1960-01-01' })).toEqual(['maxAge']);
    expect(fail({ currentGrade: 'section' })).toEqual(['gradeRange']);
    expect(fail({ fields: ['财务'] })).toEqual(['fields']);
    expect(fail({ health: [{ date: '2026-10-01', result: 'fitWithLimits' }] })).toEqual(['health']);
    // A health record older than the validity window does not count.
    expect(fail({ health: [{ date: '2025-10-01', result: 'fit' }] })).toEqual(['health']);
  });
  it('does not apply what a task does not ask for', () => {
    const c = checkEligibility(facts('P1', { fields: [] }), task('T2'), DEFAULT_LIST_RULES, TODAY);
    expect(c.eligible).toBe(true);
    expect(c.results.filter((r) => !r.applicable).map((r) => r.predicate)).toEqual(['gradeRange', 'fields']);
  });
  it('takes all fields when the task says so', () => {
    const all = task('T3', { requirements: { fields: ['教育', '卫生'], fieldsMatch: 'all' } });
    expect(checkEligibility(facts('P1'), all, DEFAULT_LIST_RULES, TODAY).eligible).toBe(false);
    expect(checkEligibility(facts('P1', { fields: ['卫生', '教育'] }), all, DEFAULT_LIST_RULES, TODAY).eligible).toBe(true);
  });
});

/** A reproducible pseudo-random source (mulberry32), so a failing case can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random market: cadres apply for up to `n` tasks; host units rank a random subset of their applicants. */
function market(seed: number, cadres: number, tasks: number, n: number): MatchingInput {
  const r = rng(seed);
  const ids = Array.from({ length: tasks }, (_, i) => `T${i}`);
  const cs = Array.from({ length: cadres }, (_, i) => {
    const prefs: string[] = [];
    while (prefs.length < Math.min(n, tasks)) {
      const t = ids[Math.floor(r() * tasks)] as string;
      if (!prefs.includes(t)) prefs.push(t);
    }
    return { personId: `P${i}`, preferences: prefs };
  });
  return {
    cadres: cs,
    tasks: ids.map((taskId) => {
      const applicants = cs.filter((c) => c.preferences.includes(taskId)).map((c) => c.personId);
      const ranking = applicants.filter(() => r() < 0.9).sort(() => r() - 0.5);
      return { taskId, capacity: 1 + Math.floor(r() * 3), ranking };
    }),
  };
}

describe('the matching (双向选择)', () => {
  it('is the textbook result on a small case: cadre-proposing deferred acceptance', () => {
    const input: MatchingInput = {
      tasks: [
        { taskId: 'A', capacity: 1, ranking: ['P2', 'P1'] },
        { taskId: 'B', capacity: 1, ranking: ['P1', 'P2'] },
      ],
      cadres: [
        { personId: 'P1', preferences: ['A', 'B'] },
        { personId: 'P2', preferences: ['A', 'B'] },
      ],
    };
    expect(stableMatch(input).pairs).toEqual([
      { taskId: 'A', personId: 'P2' },
      { taskId: 'B', personId: 'P1' },
    ]);
  });

  it('lists unmatched tasks and cadres; an unranked applicant is not taken', () => {
    const out = stableMatch({
      tasks: [
        { taskId: 'A', capacity: 2, ranking: ['P1'] },
        { taskId: 'B', capacity: 1, ranking: [] },
      ],
      cadres: [
        { personId: 'P1', preferences: ['A'] },
        { personId: 'P2', preferences: ['A', 'B'] },
      ],
    });
    expect(out.pairs).toEqual([{ taskId: 'A', personId: 'P1' }]);
    expect(out.unmatchedTasks).toEqual([
      { taskId: 'A', open: 1 },
      { taskId: 'B', open: 1 },
    ]);
    expect(out.unmatchedCadres).toEqual(['P2']);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('random market %i: stable, capacities respected, nobody matched twice or outside their applications', (seed) => {
    const input = market(seed, 120, 60, 3);
    const out = stableMatch(input);
    expect(blockingPairs(input, out.pairs)).toEqual([]);
    for (const t of input.tasks) expect(out.pairs.filter((p) => p.taskId === t.taskId).length).toBeLessThanOrEqual(t.capacity);
    const people = out.pairs.map((p) => p.personId);
    expect(new Set(people).size).toBe(people.length);
    for (const p of out.pairs) {
      expect(input.cadres.find((c) => c.personId === p.personId)?.preferences).toContain(p.taskId);
      expect(input.tasks.find((t) => t.taskId === p.taskId)?.ranking).toContain(p.personId);
    }
    expect(out.unmatchedCadres.length + people.length).toBe(input.cadres.length);
  });

  it('is deterministic: the same result whatever order the cadres come in', () => {
    const input = market(42, 200, 80, 2);
    const a = stableMatch(input);
    const b = stableMatch({ ...input, cadres: [...input.cadres].reverse() });
    // The same pairs and the same places left; unmatched cadres are listed in the input's order.
    expect(b.pairs).toEqual(a.pairs);
    expect(b.unmatchedTasks).toEqual(a.unmatchedTasks);
    expect([...b.unmatchedCadres].sort()).toEqual([...a.unmatchedCadres].sort());
    expect(stableMatch(input)).toEqual(a);
  });

  it('the blocking-pair check finds a blocking pair in an unstable matching', () => {
    const input: MatchingInput = {
      tasks: [
        { taskId: 'A', capacity: 1, ranking: ['P1', 'P2'] },
        { taskId: 'B', capacity: 1, ranking: ['P1', 'P2'] },
      ],
      cadres: [
        { personId: 'P1', preferences: ['A', 'B'] },
        { personId: 'P2', preferences: ['A', 'B'] },
      ],
    };
    expect(blockingPairs(input, [
      { taskId: 'A', personId: 'P2' },
      { taskId: 'B', personId: 'P1' },
    ])).toEqual([{ taskId: 'A', personId: 'P1' }]);
  });

  it('takes only eligible applicants, own applications before nominations, and the host unit’s ranking', () => {
    const checks: EligibilityCheck[] = [
      { personId: 'P1', taskId: 'T1', eligible: true, results: [], checkedOn: TODAY },
      { personId: 'P1', taskId: 'T2', eligible: true, results: [], checkedOn: TODAY },
      { personId: 'P2', taskId: 'T1', eligible: false, results: [], checkedOn: TODAY },
    ];
    const input = matchingInputOf({
      tasks: [task('T1'), task('T2')],
      applications: [application('P1', ['T2'], 'nomination'), application('P1', ['T1']), application('P2', ['T1'])],
      checks,
      rankings: { T1: { personIds: ['P2', 'P1'] } },
    });
    expect(input.cadres).toEqual([{ personId: 'P1', preferences: ['T1', 'T2'] }]);
    expect(input.tasks[0]?.ranking).toEqual(['P1']);
  });
});

describe('adjustments and the matching command', () => {
  const checks: EligibilityCheck[] = ['P1', 'P2'].flatMap((p) => ['T1', 'T2'].map((t) => ({ personId: p, taskId: t, eligible: true, results: [], checkedOn: TODAY })));
  const base = ctx({
    stage: 'proposal',
    tasks: [task('T1'), task('T2')],
    applications: [application('P1', ['T1', 'T2']), application('P2', ['T1'])],
    checks,
    rankings: { T1: { personIds: ['P1', 'P2'] }, T2: { personIds: ['P1'] } },
    proposal: { pairs: [{ taskId: 'T1', personId: 'P1' }], unmatchedTasks: [{ taskId: 'T2', open: 1 }], unmatchedCadres: ['P2'], adjustments: [], computedAt: '' },
  });
  const adjust = (change: 'assign' | 'unassign', taskId: string, personId: string, reason = '工作需要'): RedeploymentCommandInput => ({ ...STAFF, action: 'adjust', change, taskId, personId, reason });
  it('assigns within capacity an eligible applicant of the task, with a reason', () => {
    expect(commandProblem(base, adjust('unassign', 'T1', 'P1'))).toBeNull();
    expect(commandProblem(base, adjust('assign', 'T1', 'P2'))?.details.field).toBe('taskId'); // full
    expect(commandProblem(base, adjust('assign', 'T2', 'P2'))?.details.field).toBe('personId'); // never applied for T2
    expect(commandProblem(base, adjust('assign', 'T2', 'P1'))?.details.field).toBe('personId'); // already matched
    expect(commandProblem(base, adjust('unassign', 'T1', 'P1', ''))?.details.field).toBe('reason');
    expect(commandProblem(base, adjust('unassign', 'T2', 'P1'))?.code).toBe('invalid_adjustment');
  });
  it('runs the matching only when every task with eligible applicants is ranked', () => {
    const run: RedeploymentCommandInput = { ...STAFF, action: 'runMatching' };
    expect(commandProblem({ ...base, stage: 'ranking' }, run)).toBeNull();
    expect(commandProblem({ ...base, stage: 'ranking', rankings: { T1: { personIds: [] } } }, run)?.code).toBe('rankings_incomplete');
  });
  it('lets only the host unit rank, and only eligible applicants', () => {
    const rank: RedeploymentCommandInput = { actorId: 'jyj-staff', actorRoles: ['staff'], actorUnitId: 'jyj', action: 'rank', taskId: 'T1', personIds: ['P2', 'P1'] };
    expect(commandProblem({ ...base, stage: 'ranking' }, rank)).toBeNull();
    expect(commandProblem({ ...base, stage: 'ranking' }, { ...rank, actorUnitId: 'wjw' })?.code).toBe('not_allowed');
    expect(commandProblem({ ...base, stage: 'ranking' }, { ...rank, personIds: ['P9'] })?.details.field).toBe('personIds[0]');
  });
});

describe('figures', () => {
  it('counts applications, matched, dispatched, on time, grades and recognition, by host and former unit', () => {
    const s = {
      tasks: [task('T1'), task('T2', { hostUnitId: 'wjw' })],
      applications: [application('P1', ['T1', 'T2']), application('P2', ['T2'])],
      checks: [] as EligibilityCheck[],
      proposal: { pairs: [{ taskId: 'T1', personId: 'P1' }, { taskId: 'T2', personId: 'P2' }], unmatchedTasks: [], unmatchedCadres: [], adjustments: [], computedAt: '' },
    };
    const dispatches = s.proposal.pairs.map((p) => ({ ...p, hostUnitId: p.taskId === 'T1' ? 'jyj' : 'wjw', formerUnitId: 'wjw', cadreUserId: p.personId }));
    const snap = snapshotOf(s, dispatches);
    let t = emptyTermTally();
    t = foldTerm(t, dispatches[0]!, { personId: 'P1', taskId: 'T1', grade: '优秀', endedEarly: false, reportsOnTime: 12, reportsDue: 12, recognised: true });
    t = foldTerm(t, dispatches[1]!, { personId: 'P2', taskId: 'T2', grade: null, endedEarly: true, reportsOnTime: 1, reportsDue: 3, recognised: false });
    const f = figuresOf('L1', snap, t, null);
    expect(f).toMatchObject({ applications: 3, applicants: 2, matched: 2, dispatched: 2 });
    expect(f.terms).toMatchObject({ ended: 2, endedEarly: 1, onTimeWithReports: 1, recognised: 1 });
    expect(f.terms.grades).toEqual({ 优秀: 1, 合格: 0, 基本合格: 0, 不合格: 0 });
    expect(f.byHostUnit.find((u) => u.unitId === 'jyj')).toMatchObject({ applications: 1, matched: 1, dispatched: 1, recognised: 1 });
    expect(f.byFormerUnit).toEqual([expect.objectContaining({ unitId: 'wjw', applications: 3, matched: 2, dispatched: 2, ended: 2 })]);
  });
});

describe('commandsAt: the commands a list\'s stage takes, as its state lists them', () => {
  it('names the meeting\'s commands at the meeting and nothing of the applications', () => {
    expect(commandsAt('meeting').sort()).toEqual(['attachMinutes', 'openMeeting', 'vote']);
    expect(commandsAt('published')).toEqual(expect.arrayContaining(['apply', 'nominate', 'closeApplications', 'recordCheck', 'addTask']));
    expect(commandsAt('published')).not.toContain('publish');
    expect(commandsAt('terms')).toEqual([]);
  });
});
