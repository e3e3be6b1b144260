/**
 * The personnel data a procedure's state and actions hold (issue 10 §3), as the procedure types declare it
 * (procedures/descriptor.ts personnelData): redacted for the people a reader may not see, kept whole for
 * the others, and the state handed in never changed. The API side (who may see whom, and the read log) is
 * test/api/redeployment.api.test.ts's.
 */
import { selectionPersonnel } from '../../procedures/cadre-selection/personnel';
import { redeploymentPersonnel } from '../../procedures/redeployment/personnel';

const result = (predicate: string, passed: boolean, actual: string, fact: string) => ({ predicate, label: predicate, applicable: true, passed, required: 'r', actual, fact });

describe('a cadre selection’s candidates', () => {
  const state = {
    type: 'cadreSelection',
    candidates: [
      { personId: 'P1', check: { personId: 'P1', principlesVersion: 1, eligible: true, results: [result('age', true, '38 岁', 'birthDate=1988-03-08')] } },
      { personId: 'P2', check: { personId: 'P2', principlesVersion: 1, eligible: false, results: [result('workYears', false, '3 年', 'workStartDate=2023-07-01')] } },
      { personId: 'P3', check: null },
    ],
  };
  const frozen = JSON.stringify(state);

  test('the people with a check are the ones with personnel data', () => {
    expect(selectionPersonnel.people(state)).toEqual(['P1', 'P2']);
  });

  test('a candidate the reader may not see keeps the outcome, not the facts; one they may see is whole', () => {
    const shown = selectionPersonnel.redact(state, new Set(['P2'])) as typeof state;
    expect(JSON.stringify(shown)).not.toContain('1988-03-08');
    expect(shown.candidates[0]?.check).toMatchObject({ eligible: true, redacted: true, results: [{ predicate: 'age', passed: true, actual: '', fact: '' }] });
    expect(shown.candidates[1]).toEqual(state.candidates[1]);
    expect(shown.candidates[2]).toEqual(state.candidates[2]);
    expect(JSON.stringify(state)).toBe(frozen);
  });

  test('the committee at its meeting decides on the candidates: its members, recused ones too, are the deciders', () => {
    expect(selectionPersonnel.deciders?.(state)).toEqual([]);
    const met = { ...state, meetings: [{ shouldAttend: ['cw-1', 'cw-2', 'cw-3'] }, { shouldAttend: ['cw-2', 'cw-4'] }] };
    expect(selectionPersonnel.deciders?.(met)).toEqual(['cw-1', 'cw-2', 'cw-3', 'cw-4']);
  });
});

describe('a redeployment list', () => {
  const check = (personId: string, fact: string) => ({ personId, taskId: 'T1', eligible: false, checkedOn: '2026-12-01', results: [result('maxAge', false, '61 岁', fact)] });
  const state = {
    type: 'redeployment',
    checks: [check('GB1', 'birthDate=1965-01-01'), check('GB2', 'birthDate=1964-02-02')],
    health: { GB1: { date: '2026-10-01', result: 'unfit', by: 's', at: 'x' }, GB2: { date: '2026-09-09', result: 'fit', by: 's', at: 'x' } },
  };

  test('checks and health records: only those of the people shown', () => {
    expect(redeploymentPersonnel.people(state)).toEqual(['GB1', 'GB2', 'GB1', 'GB2']);
    const shown = redeploymentPersonnel.redact(state, new Set(['GB2'])) as typeof state;
    expect(JSON.stringify(shown)).not.toMatch(/1965-01-01|unfit|2026-10-01/);
    expect(shown.checks[0]).toMatchObject({ personId: 'GB1', eligible: false, redacted: true, results: [{ predicate: 'maxAge', passed: false, actual: '', fact: '' }] });
    expect(shown.checks[1]).toEqual(state.checks[1]);
    expect(shown.health).toEqual({ GB2: state.health.GB2 });
  });

  test('an application or a check records the facts it was applied to: the person, and the data without them', () => {
    const data = { personId: 'GB1', taskIds: ['T1'], statement: '愿赴一线', facts: { birthDate: '1965-01-01', health: [{ date: '2026-10-01', result: 'unfit' }] }, health: { date: '2026-10-01', result: 'unfit' }, checks: [check('GB1', 'birthDate=1965-01-01')] };
    expect(['apply', 'nominate', 'recordCheck', 'rank'].map((a) => redeploymentPersonnel.actionPerson?.(a, data))).toEqual(['GB1', 'GB1', 'GB1', null]);
    const redacted = redeploymentPersonnel.redactAction?.(data);
    expect(JSON.stringify(redacted)).not.toMatch(/1965-01-01|unfit|2026-10-01/);
    expect(redacted).toMatchObject({ personId: 'GB1', taskIds: ['T1'], statement: '愿赴一线', redacted: true, checks: [{ eligible: false, results: [{ passed: false, fact: '' }] }] });
  });
});
