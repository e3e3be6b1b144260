/**
 * The full-coverage batch's pure rules (全覆盖): its scope, who is a leading member, what it keeps of each
 * child, its summary, and the size of what it carries across continue-as-new.
 */
import type { ChildOutcome } from '../../procedures/kernel/messages';
import type { ExaminationResult, Finding, PoliticalExaminationBatchInput } from '../../procedures/political-examination/messages';
import {
  batchScopeProblem,
  batchSummaryOf,
  carriedSubjects,
  DEFAULT_EXAMINATION_RULES,
  emptyBatchTally,
  examinationOnTime,
  foldBatchOutcome,
  isLeadingMember,
  reverseFindingsByDimension,
} from '../../procedures/political-examination/rules';

const finding = (strand: Finding['strand'], dimension: Finding['dimension']): Pick<Finding, 'strand' | 'dimension'> => ({ strand, dimension });

const result = (patch: Partial<ExaminationResult> = {}): ExaminationResult => ({
  examinationId: 'B-jyj',
  subject: { kind: 'group', unitId: 'jyj', name: '市教育局领导班子' },
  grade: '好',
  planHash: 'h',
  findings: 0,
  use: { promotionNote: '表扬' },
  rectification: null,
  fileEntryId: 'political-B-jyj',
  closedAt: '2026-11-30T02:00:00.000Z',
  ...patch,
});
const ok = (r: ExaminationResult): ChildOutcome => ({ workflowId: `political-${r.examinationId}`, ok: true, result: r });
const failed = (failure: string): ChildOutcome => ({ workflowId: 'political-B-xx', ok: false, failure });

test('reverse-inspection findings are counted per dimension; findings of other strands are not', () => {
  expect(
    reverseFindingsByDimension([finding('reverseInspection', 'loyalty'), finding('reverseInspection', 'loyalty'), finding('reverseInspection', 'capability'), finding('disciplineOpinion', 'loyalty')]),
  ).toEqual({ loyalty: 2, capability: 1 });
  expect(reverseFindingsByDimension([])).toEqual({});
});

test('an examination is on time unless a strand or the acknowledgement went overdue', () => {
  expect(examinationOnTime([{ overdue: false }, { overdue: false }], { overdue: false })).toBe(true);
  expect(examinationOnTime([{ overdue: false }, { overdue: true }], { overdue: false })).toBe(false);
  expect(examinationOnTime([{ overdue: false }], { overdue: true })).toBe(false);
});

test('a listed scope needs a unit, each once, each in master data; the field names the position', () => {
  const known = new Set(['jyj', 'wjw']);
  expect(batchScopeProblem(['jyj', 'wjw'], known)).toBeNull();
  expect(batchScopeProblem([], known)).toMatchObject({ code: 'empty_scope', details: { field: 'scope.unitIds' } });
  expect(batchScopeProblem(['jyj', 'nope'], known)).toMatchObject({ code: 'unknown_unit', details: { field: 'scope.unitIds[1]' } });
  expect(batchScopeProblem(['jyj', 'wjw', 'jyj'], known)).toMatchObject({ code: 'invalid_scope', details: { field: 'scope.unitIds[2]' } });
  // Raw input is never echoed.
  expect(batchScopeProblem(['jyj', 'nope'], known)?.message).not.toContain('nope');
});

test('a leading member is a cadre at the minimum grade or above', () => {
  expect(isLeadingMember('deputyDivision', 'deputyDivision')).toBe(true);
  expect(isLeadingMember('division', 'deputyDivision')).toBe(true);
  expect(isLeadingMember('section', 'deputyDivision')).toBe(false);
  expect(isLeadingMember('section', 'deputySection')).toBe(true);
});

test('a subject already started is carried as its id parts only', () => {
  const subjects = [
    { unitId: 'jyj', name: '市教育局领导班子', userId: 'jyj-head' },
    { unitId: 'jyj', personId: 'GB2001001', name: '周涛', userId: 'jyj-head' },
    { unitId: 'wjw', name: '市卫生健康委员会领导班子', userId: 'wjw-head' },
  ];
  expect(carriedSubjects(subjects, 2)).toEqual([{ unitId: 'jyj' }, { unitId: 'jyj', personId: 'GB2001001' }, subjects[2]]);
  expect(carriedSubjects(subjects, 0)).toEqual(subjects);
});

test('the summary: counts per grade, reverse findings per dimension, rectifications, on-time rate per unit, failures apart', () => {
  const subjects = [{ unitId: 'jyj' }, { unitId: 'jyj' }, { unitId: 'wjw' }, { unitId: 'wjw' }, { unitId: 'xx' }, { unitId: 'yy' }];
  const outcomes: ChildOutcome[] = [
    ok(result({ grade: '一般', reverseFindings: { responsibility: 1, selfDiscipline: 2 }, rectification: { workflowId: 'rect-b', failure: null }, onTime: true })),
    ok(result({ grade: '好', reverseFindings: { responsibility: 1 }, onTime: false })),
    ok(result({ grade: '好', onTime: true })),
    // Recorded before batches: no timeliness, so not counted late; a rectification that could not start is not counted.
    ok(result({ grade: '较好', rectification: { workflowId: null, failure: 'procedure_exists' } })),
    failed('forced'),
    ok(result({ grade: '较差', rectification: { workflowId: 'rect-a', failure: null }, onTime: false })),
  ];
  // Reported out of order, as children end.
  const tally = [4, 0, 5, 2, 1, 3].reduce((t, i) => foldBatchOutcome(t, i, (subjects[i] as { unitId: string }).unitId, outcomes[i] as ChildOutcome), emptyBatchTally());
  const s = batchSummaryOf({ batchId: 'B', subjects, tally, grades: DEFAULT_EXAMINATION_RULES.grades, childId: (i) => `child-${i}`, closedAt: 'now' });
  expect(s).toMatchObject({ batchId: 'B', subjects: 6, examined: 5, failed: 1, onTime: 3, onTimeRate: 0.6, closedAt: 'now' });
  expect(s.grades).toEqual({ 好: 2, 较好: 1, 一般: 1, 较差: 1 });
  expect(Object.keys(s.grades)).toEqual(['好', '较好', '一般', '较差']);
  expect(s.reverseFindings).toEqual({ loyalty: 0, steadfastness: 0, responsibility: 2, capability: 0, selfDiscipline: 2 });
  expect(s.rectifications).toEqual({ count: 2, workflowIds: ['rect-a', 'rect-b'] });
  expect(s.perUnit).toEqual([
    { unitId: 'jyj', subjects: 2, examined: 2, failed: 0, onTime: 1, onTimeRate: 0.5 },
    { unitId: 'wjw', subjects: 2, examined: 2, failed: 0, onTime: 2, onTimeRate: 1 },
    // A unit whose only examination failed has no rate: nothing closed to be on time or late.
    { unitId: 'xx', subjects: 1, examined: 0, failed: 1, onTime: 0, onTimeRate: null },
    { unitId: 'yy', subjects: 1, examined: 1, failed: 0, onTime: 0, onTimeRate: 0 },
  ]);
  expect(s.failures).toEqual([{ workflowId: 'child-4', unitId: 'xx', failure: 'forced' }]);
});

test('3,400 units carry well under the 512 KB warning: at the start, and with every child started and reported', () => {
  const n = 3400;
  const subjects = Array.from({ length: n }, (_, i) => ({ unitId: `u${String(i).padStart(5, '0')}`, name: '某某街道某某社区党委领导班子', userId: `u${String(i).padStart(5, '0')}-head` }));
  const outcomes = subjects.map((s, i) =>
    ok(result({ examinationId: `QFG2026-${s.unitId}`, grade: '一般', reverseFindings: { responsibility: 1 }, rectification: i % 10 === 0 ? { workflowId: `rectification-PE-QFG2026-${s.unitId}`, failure: null } : null, onTime: i % 3 !== 0 })),
  );
  const tally = outcomes.reduce((t, o, i) => foldBatchOutcome(t, i, (subjects[i] as { unitId: string }).unitId, o), emptyBatchTally());
  const input: PoliticalExaminationBatchInput = {
    batchId: 'QFG2026',
    title: '2026年度全市领导班子政治素质考察',
    initiatorId: 'zzb-staff',
    departmentUnitId: 'zzb',
    inspectionOfficeUnitId: 'xcb',
    plan: { dimensions: [{ dimension: 'loyalty', indicators: ['坚决维护党中央权威'] }], positiveList: ['a'], negativeList: ['b'], group: ['zzb-staff', 'xcb-reviewer'], timetable: { evidenceWorkingDays: 10, acknowledgeWorkingDays: 5 } },
    rules: DEFAULT_EXAMINATION_RULES,
    assignees: { 'role:approver:zzb': ['zzb-head'] },
    subjects: carriedSubjects(subjects, n),
    // As the kernel's fan-out carries it with `keep: () => false`: no outcome kept, one character each.
    progress: { total: n, started: n, done: n, failed: 0, outcomes: outcomes.map(() => null), reported: '+'.repeat(n), tally },
  };
  expect(Buffer.byteLength(JSON.stringify(input))).toBeLessThan(300 * 1024);
  // The start's input, before any child: the subjects in full, the plan once.
  expect(Buffer.byteLength(JSON.stringify({ ...input, subjects, progress: undefined }))).toBeLessThan(350 * 1024);
});
