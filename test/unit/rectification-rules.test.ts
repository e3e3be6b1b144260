import { addMonths, chinaDateOf, isValidDate } from '../../domain/dates';
import { resumed, type FanOutProgress } from '../../procedures/kernel/fanout';
import type { ChildOutcome } from '../../procedures/kernel/messages';
import { defaultDueDate, dueDateProblem, emptyTally, listsProblem, reportAssignee, reportDueDate, summarize, summaryOf, tallyFailedReport, tallyItem, tallyReport, type RectificationTally } from '../../procedures/rectification/rules';
import { StartRectificationBody } from '../../procedures/rectification/schemas';
import type { ItemResult, ReportResult } from '../../procedures/rectification/messages';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createActivities } from '../../activities';
import type { OverrideCalendar } from '../../domain/calendar';

describe('dates', () => {
  test('calendar dates are validated strictly', () => {
    expect(isValidDate('2026-02-28')).toBe(true);
    expect(isValidDate('2026-02-29')).toBe(false);
    expect(isValidDate('2026-2-1')).toBe(false);
    expect(isValidDate('2028-02-29')).toBe(true);
  });

  test('adding months clamps to the end of the month', () => {
    expect(addMonths('2026-08-31', 6)).toBe('2027-02-28');
    expect(addMonths('2026-01-15', 1)).toBe('2026-02-15');
    expect(addMonths('2026-11-30', 12)).toBe('2027-11-30');
  });

  test('an instant is dated in China time', () => {
    expect(chinaDateOf(new Date('2026-10-08T15:59:59Z'))).toBe('2026-10-08');
    expect(chinaDateOf(new Date('2026-10-08T16:00:00Z'))).toBe('2026-10-09');
  });
});

describe('rectification rules', () => {
  test('default due dates follow the difficulty grade', () => {
    expect(defaultDueDate('2026-03-10', 'immediate')).toBe('2026-04-10');
    expect(defaultDueDate('2026-03-10', 'normal')).toBe('2026-09-10');
    expect(defaultDueDate('2026-03-10', 'hard')).toBe('2027-03-10');
  });

  test('a due date must fall after the feedback and within a year of it', () => {
    expect(dueDateProblem('2026-03-10', '2026-03-10')).toMatch(/after the feedback/);
    expect(dueDateProblem('2026-03-10', '2026-03-11')).toBeNull();
    expect(dueDateProblem('2026-03-10', '2027-03-10')).toBeNull();
    expect(dueDateProblem('2026-03-10', '2027-03-11')).toMatch(/within 12 months/);
  });

  test('the summary counts items, on-time items and the on-time rate per unit', () => {
    const r = (unitId: string, onTime: boolean, status: ItemResult['status'] = 'signedOff'): ItemResult => ({
      workflowId: `w-${unitId}-${String(onTime)}-${status}`,
      problemNo: '1',
      unitId,
      status,
      dueAt: '2026-12-31T16:00:00.000Z',
      closedAt: '2026-12-01T00:00:00.000Z',
      onTime,
      rounds: 1,
    });
    const s = summarize('F1', [r('b', true), r('a', false), r('a', true), r('c', false, 'withdrawn')], '2027-01-01T00:00:00.000Z');
    // A withdrawn item counts as an item but not in the on-time rate.
    expect(s).toMatchObject({ items: 4, signedOff: 3, withdrawn: 1, onTime: 2, late: 1, onTimeRate: 0.6667 });
    expect(s.perUnit).toEqual([
      { unitId: 'a', items: 2, signedOff: 2, onTime: 1, submittedOnTime: 1 },
      { unitId: 'b', items: 1, signedOff: 1, onTime: 1, submittedOnTime: 1 },
      { unitId: 'c', items: 1, signedOff: 0, onTime: 0, submittedOnTime: 0 },
    ]);
    expect(summarize('F2', [], 'x').onTimeRate).toBe(1);
  });

  test('an item withdrawn after its deadline was due: it counts as withdrawn late, and the rate is over every item that was due', () => {
    const r = (workflowId: string, status: ItemResult['status'], onTime: boolean, withdrawnLate?: boolean): ItemResult => ({
      workflowId,
      problemNo: '1',
      unitId: 'jyj',
      status,
      dueAt: '2026-09-30T16:00:00.000Z',
      closedAt: '2026-12-31T00:00:00.000Z',
      onTime,
      ...(withdrawnLate ? { withdrawnLate } : {}),
      rounds: 1,
    });
    // Before: the only item withdrawn three months overdue made the rate read 1.0.
    expect(summarize('F3', [r('w1', 'withdrawn', false, true)], 'x')).toMatchObject({ items: 1, withdrawn: 1, withdrawnLate: 1, onTime: 0, late: 0, onTimeRate: 0 });
    const s = summarize('F4', [r('a', 'signedOff', true), r('b', 'withdrawn', false, true), r('c', 'withdrawn', false)], 'x');
    expect(s).toMatchObject({ items: 3, signedOff: 1, withdrawn: 2, withdrawnLate: 1, onTime: 1, onTimeRate: 0.5 });
    // A tally carried by a run from before withdrawnLate existed reads it as 0.
    expect(summaryOf('F5', { signedOff: 2, withdrawn: 1, onTime: 1, perUnit: {} }, 'x')).toMatchObject({ withdrawnLate: 0, onTimeRate: 0.5 });
  });

  test('the unit\'s part apart from the reviewers\': submitted by the deadline but signed late is late, yet submitted on time', () => {
    const signed = (workflowId: string, unitId: string, onTime: boolean, submittedOnTime: boolean): ItemResult => ({
      workflowId,
      problemNo: '1',
      unitId,
      status: 'signedOff',
      dueAt: '2026-12-31T16:00:00.000Z',
      closedAt: '2027-01-05T00:00:00.000Z',
      onTime,
      submittedOnTime,
      rounds: 1,
    });
    const s = summarize('F6', [signed('a1', 'jyj', false, true), signed('a2', 'jyj', true, true), signed('b1', 'wjw', false, false)], 'x');
    expect(s).toMatchObject({ signedOff: 3, onTime: 1, late: 2, submittedOnTime: 2 });
    expect(s.perUnit).toEqual([
      { unitId: 'jyj', items: 2, signedOff: 2, onTime: 1, submittedOnTime: 2 },
      { unitId: 'wjw', items: 1, signedOff: 1, onTime: 0, submittedOnTime: 0 },
    ]);
  });
});

describe('a full-coverage feedback folds its items as they report', () => {
  const item = (unitId: string, onTime: boolean): ItemResult => ({
    workflowId: `w-${unitId}`,
    problemNo: '1',
    unitId,
    status: 'signedOff',
    dueAt: '2026-12-31T16:00:00.000Z',
    closedAt: '2026-12-01T00:00:00.000Z',
    onTime,
    rounds: 1,
  });
  const tally = { initial: emptyTally, fold: (t: RectificationTally, _i: number, o: ChildOutcome) => (o.ok ? tallyItem(t, o.result as ItemResult) : t) };

  test('a progress carried over from v0.2.0 (every outcome kept) is resumed as counts, a report string and the kept few', () => {
    const legacy = {
      total: 4,
      started: 4,
      done: 3,
      failed: 1,
      outcomes: [
        { workflowId: 'w-a', ok: true, result: item('a', true) },
        null,
        { workflowId: 'w-c', ok: false, failure: 'boom' },
        { workflowId: 'w-d', ok: true, result: item('d', false) },
      ],
    } as FanOutProgress<RectificationTally>;
    const p = resumed(legacy, { tally, keep: (i) => i < 1 });
    expect(p.reported).toBe('+.x+');
    expect(p.outcomes.map((o) => o?.workflowId ?? null)).toEqual(['w-a', null, null, null]);
    expect(summaryOf('F', p.tally as RectificationTally, 'x', p.failed)).toMatchObject({ items: 3, signedOff: 2, onTime: 1, failed: 1 });
  });

  test('the counts are the same as summarising the list of results', () => {
    const results = [item('a', true), item('a', false), item('b', true)];
    expect(summaryOf('F', results.reduce(tallyItem, emptyTally()), 'x')).toEqual(summarize('F', results, 'x'));
    expect(summaryOf('F', results.reduce(tallyItem, emptyTally()), 'x').perUnit).toEqual([
      { unitId: 'a', items: 2, signedOff: 2, onTime: 1, submittedOnTime: 1 },
      { unitId: 'b', items: 1, signedOff: 1, onTime: 1, submittedOnTime: 1 },
    ]);
  });
});

describe('rectification report and 三张清单 (issue 11)', () => {
  test('the report is due 2 months after the feedback (巡视工作条例), clamped to the month end', () => {
    expect(reportDueDate('2026-11-20')).toBe('2027-01-20');
    expect(reportDueDate('2026-12-31')).toBe('2027-02-28');
    expect(reportDueDate('2026-11-20')).not.toBe(addMonths('2026-11-20', 1));
  });

  test('the report goes to the Party secretary, else the unit head, else nobody (refused)', () => {
    expect(reportAssignee(['u-b', 'u-a'], 'head')).toEqual({ userId: 'u-a', as: 'partySecretary' });
    expect(reportAssignee([], 'head')).toEqual({ userId: 'head', as: 'unitHead' });
    expect(reportAssignee([], null)).toBeNull();
  });

  const problem = {
    leadUnitId: 'zzb',
    assignments: [{ unitId: 'jyj' }, { unitId: 'wjw' }],
    tasks: [{ no: '1' }, { no: '2' }],
    responsibilities: [
      { taskNo: '1', unitId: 'jyj' },
      { taskNo: '2', unitId: 'zzb' },
    ],
  };

  test('lists hold when every task has a responsibility of an assigned unit or the lead department', () => {
    expect(listsProblem(problem)).toBeNull();
    // The old shape: no tasks, no responsibilities.
    expect(listsProblem({ leadUnitId: 'zzb', assignments: [{ unitId: 'jyj' }] })).toBeNull();
  });

  test('lists are refused with the path of the first fault', () => {
    expect(listsProblem({ ...problem, responsibilities: [{ taskNo: '1', unitId: 'jyj' }] })).toEqual({ path: 'tasks[1]', message: expect.stringMatching(/no responsibility/) });
    expect(listsProblem({ ...problem, responsibilities: [...problem.responsibilities, { taskNo: '9', unitId: 'jyj' }] })?.path).toBe('responsibilities[2].taskNo');
    expect(listsProblem({ ...problem, responsibilities: [...problem.responsibilities, { taskNo: '1', unitId: 'fgw' }] })?.path).toBe('responsibilities[2].unitId');
    expect(listsProblem({ ...problem, tasks: [{ no: '1' }, { no: '1' }] })?.path).toBe('tasks[1].no');
    expect(listsProblem({ ...problem, tasks: [], responsibilities: [{ taskNo: '1', unitId: 'jyj' }] })?.path).toBe('responsibilities[0].taskNo');
  });

  test('the start schema refuses broken lists at the field, through the same rule', () => {
    const body = {
      feedbackId: 'F',
      title: 't',
      inspectionGroup: 'g',
      feedbackDate: '2026-11-20',
      problems: [{ no: '1', title: 'p', leadUnitId: 'zzb', assignments: [{ unitId: 'jyj' }], tasks: [{ no: '1', measure: 'm' }], responsibilities: [{ taskNo: '1', unitId: 'jyj' }] }],
    };
    expect(StartRectificationBody.safeParse(body).success).toBe(true);
    const bad = StartRectificationBody.safeParse({ ...body, problems: [{ ...body.problems[0], responsibilities: [{ taskNo: '2', unitId: 'jyj' }] }] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path)).toContainEqual(['problems', 0, 'responsibilities', 0, 'taskNo']);
  });

  const item = (problemNo: string, unitId: string, onTime: boolean, status: ItemResult['status'] = 'signedOff', withdrawnLate = false): ItemResult => ({
    workflowId: `w-${problemNo}-${unitId}`,
    problemNo,
    unitId,
    status,
    dueAt: '2026-12-31T16:00:00.000Z',
    closedAt: '2026-12-01T00:00:00.000Z',
    onTime,
    ...(withdrawnLate ? { withdrawnLate } : {}),
    rounds: 1,
  });

  test('the summary rolls up per problem too, in problem-number order, with its lists', () => {
    const results = [item('10', 'a', true), item('2', 'a', false), item('2', 'b', true), item('2', 'c', false, 'withdrawn', true)];
    const s = summarize('F', results, 'x');
    expect(s.perProblem).toEqual([
      { problemNo: '2', items: 3, signedOff: 2, onTime: 1, submittedOnTime: 1, withdrawnLate: 1, onTimeRate: 0.3333 },
      { problemNo: '10', items: 1, signedOff: 1, onTime: 1, submittedOnTime: 1, withdrawnLate: 0, onTimeRate: 1 },
    ]);
    const lists = { '2': { tasks: [{ no: '1', measure: 'm' }], responsibilities: [{ taskNo: '1', unitId: 'a', kind: 'lead' as const }] } };
    expect(summaryOf('F', results.reduce(tallyItem, emptyTally()), 'x', 0, lists).perProblem?.[0]).toMatchObject(lists['2']);
  });

  test('a tally carried from before per-problem counts gets none (never half counts)', () => {
    const old: RectificationTally = { signedOff: 1, withdrawn: 0, onTime: 1, perUnit: { a: [1, 1, 1] } };
    const t = tallyItem(old, item('1', 'a', true));
    expect(t.perProblem).toBeUndefined();
    expect(summaryOf('F', t, 'x').perProblem).toBeUndefined();
  });
});

test('reports are counted apart from the items: on time, late, withdrawn after the deadline, failed', () => {
  const rep = (unitId: string, status: ReportResult['status'], closedAt: string): ReportResult => ({
    kind: 'report',
    workflowId: `r-${unitId}`,
    unitId,
    status,
    dueAt: '2026-12-21T16:00:00.000Z',
    closedAt,
    onTime: status === 'submitted' && closedAt <= '2026-12-21T16:00:00.000Z',
    by: 'partySecretary',
  });
  let t = emptyTally();
  t = tallyReport(t, rep('a', 'submitted', '2026-12-01T00:00:00.000Z'));
  t = tallyReport(t, rep('b', 'submitted', '2027-01-05T00:00:00.000Z'));
  t = tallyReport(t, rep('c', 'withdrawn', '2027-01-05T00:00:00.000Z'));
  t = tallyReport(t, rep('d', 'withdrawn', '2026-12-01T00:00:00.000Z'));
  t = tallyFailedReport(t);
  const s = summaryOf('F', t, 'x');
  // Due: two submitted and one withdrawn late; one of them on time.
  expect(s.reports).toEqual({ units: 5, submitted: 2, onTime: 1, withdrawn: 2, failed: 1, onTimeRate: 0.3333 });
  // The items' counts are untouched.
  expect(s).toMatchObject({ items: 0, signedOff: 0, withdrawn: 0, failed: 0 });
  expect(summaryOf('F', emptyTally(), 'x').reports).toBeUndefined();
});

describe('整改报告 deadlines once the calendar covers the year (rectificationReportDeadlines)', () => {
  test('a due date in a year not loaded fails without retries (the workflow asks again later), naming the year', async () => {
    const acts = createActivities({ orm: {} as MikroORM, loadCalendar: async () => ({ years: new Set(), days: new Map() }) });
    await expect(acts.rectificationReportDeadlines({ dueDate: '2027-01-20' })).rejects.toMatchObject({ type: 'calendar_not_covered', nonRetryable: true, message: expect.stringMatching(/2027/) });
  });

  test('with the year loaded, the due date moves past its holiday and the reminder counts back over the weekend', async () => {
    const seen: number[][] = [];
    const y2027: OverrideCalendar = { years: new Set([2027]), days: new Map([['2027-01-20', false]]) };
    const acts = createActivities({
      orm: {} as MikroORM,
      loadCalendar: async (years) => {
        seen.push(years);
        return y2027;
      },
    });
    expect(await acts.rectificationReportDeadlines({ dueDate: '2027-01-20' })).toEqual({
      effectiveDueDate: '2027-01-21',
      dueAt: '2027-01-21T16:00:00.000Z',
      remindAt: '2027-01-15T01:00:00.000Z',
    });
    expect(seen).toEqual([[2026, 2027, 2028]]);
  });
});
