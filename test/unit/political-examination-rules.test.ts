/**
 * The rules of the political-quality examination (政治素质考察, procedures/political-examination/rules.ts),
 * each with a case it lets through and a case it refuses: plan validity, talk-list composition, the
 * questionnaire's minimum, completeness before analysis, the grade and its justification, who
 * acknowledges the feedback, the use of the result, and the gate's expiry.
 */
import type { ExaminationPlan, Finding, Interviewee, StrandView } from '../../procedures/political-examination/messages';
import {
  acknowledgementProblem,
  analysisProblem,
  DEFAULT_EXAMINATION_RULES,
  evidenceIncompleteProblem,
  findingsOf,
  gradeProblem,
  planProblem,
  politicalExamFresh,
  questionnaireProblem,
  rulesProblem,
  strandProblem,
  talkCounts,
  talkListProblem,
  useOfResultProblem,
  waiverProblem,
} from '../../procedures/political-examination/rules';
import { dueDateProblem } from '../../procedures/rectification/rules';

const R = DEFAULT_EXAMINATION_RULES;

function plan(patch: Partial<ExaminationPlan> = {}): ExaminationPlan {
  return {
    dimensions: [
      { dimension: 'loyalty', indicators: ['对党忠诚老实'] },
      { dimension: 'selfDiscipline', indicators: ['遵守政治纪律'] },
    ],
    positiveList: ['坚决贯彻落实党中央决策部署'],
    negativeList: ['搞变通、打折扣'],
    group: ['zzb-staff', 'zzb-head'],
    timetable: { evidenceWorkingDays: 10, acknowledgeWorkingDays: 5 },
    ...patch,
  };
}

describe('the plan', () => {
  test('a group of two different people, dimensions of the five with indicators, both lists', () => {
    expect(planProblem(plan(), R)).toBeNull();
  });

  test('a group of one (or one person twice) is refused, naming the field', () => {
    expect(planProblem(plan({ group: ['zzb-staff'] }), R)).toMatchObject({ code: 'invalid_plan', details: { field: 'plan.group' } });
    expect(planProblem(plan({ group: ['zzb-staff', 'zzb-staff'] }), R)?.details.field).toBe('plan.group');
    // The minimum is data: a rule set asking for three refuses two.
    expect(planProblem(plan(), { ...R, minGroup: 3 })?.details.field).toBe('plan.group');
  });

  test('dimensions come from the five, once each, each with an indicator', () => {
    expect(planProblem(plan({ dimensions: [] }), R)?.details.field).toBe('plan.dimensions');
    expect(planProblem(plan({ dimensions: [{ dimension: 'charisma' as never, indicators: ['x'] }] }), R)?.details.field).toBe('plan.dimensions[0].dimension');
    const twice = plan({ dimensions: [{ dimension: 'loyalty', indicators: ['a'] }, { dimension: 'loyalty', indicators: ['b'] }] });
    expect(planProblem(twice, R)?.details.field).toBe('plan.dimensions[1].dimension');
    expect(planProblem(plan({ dimensions: [{ dimension: 'capability', indicators: [' '] }] }), R)?.details.field).toBe('plan.dimensions[0].indicators');
    const all = plan({ dimensions: (['loyalty', 'steadfastness', 'responsibility', 'capability', 'selfDiscipline'] as const).map((dimension) => ({ dimension, indicators: ['x'] })) });
    expect(planProblem(all, R)).toBeNull();
  });

  test('the positive and the negative (反向) list are both needed', () => {
    expect(planProblem(plan({ positiveList: [] }), R)?.details.field).toBe('plan.positiveList');
    expect(planProblem(plan({ negativeList: [''] }), R)?.details.field).toBe('plan.negativeList');
  });

  test('deadlines of at least one working day', () => {
    expect(planProblem(plan({ timetable: { evidenceWorkingDays: 0, acknowledgeWorkingDays: 5 } }), R)?.details.field).toBe('plan.timetable');
    expect(planProblem(plan({ timetable: { evidenceWorkingDays: 1, acknowledgeWorkingDays: 1 } }), R)).toBeNull();
  });

  test('a configured rule set must hold together', () => {
    expect(rulesProblem(R)).toBeNull();
    expect(rulesProblem({ ...R, grades: ['优秀', '合格', '不合格'], justifyBelow: '合格', promotionGrades: ['优秀'], coachingGrades: ['合格'] })).toBeNull();
    expect(rulesProblem({ ...R, grades: ['好'] })?.details.field).toBe('grades');
    expect(rulesProblem({ ...R, grades: ['好', '好'] })?.details.field).toBe('grades');
    expect(rulesProblem({ ...R, justifyBelow: '优秀' })?.details.field).toBe('justifyBelow');
    expect(rulesProblem({ ...R, coachingGrades: ['差'] })?.details.field).toBe('coachingGrades');
    expect(rulesProblem({ ...R, promotionGrades: ['优'] })?.details.field).toBe('promotionGrades');
    expect(rulesProblem({ ...R, minRespondents: 0 })?.details.field).toBe('minRespondents');
  });
});

describe('the evidence strands', () => {
  const talk = (kind: Interviewee['kind'], n = 1): Interviewee[] => Array.from({ length: n }, (_, i) => ({ name: `${kind}${i}`, kind }));

  test('the talk list needs informed, key and dissenting people, and their counts are kept', () => {
    const full = [...talk('informed', 3), ...talk('key', 2), ...talk('dissenting')];
    expect(talkListProblem(full, R)).toBeNull();
    expect(talkCounts(full)).toEqual({ informed: 3, key: 2, dissenting: 1 });
    const noDissent = [...talk('informed', 3), ...talk('key', 2)];
    expect(talkListProblem(noDissent, R)).toMatchObject({ code: 'talk_list_incomplete', details: { field: 'data.interviewees', missing: ['dissenting'] } });
    expect(talkListProblem(talk('dissenting'), R)?.details.missing).toEqual(['informed', 'key']);
    expect(talkListProblem(full, { ...R, minPerIntervieweeKind: 2 })?.details.missing).toEqual(['dissenting']);
  });

  test('a questionnaire below the configured minimum of respondents is refused', () => {
    const items = [
      { text: '坚决维护党中央权威', direction: 'positive' as const, tally: { agree: 17, neutral: 1, disagree: 0 } },
      { text: '存在“七个有之”问题', direction: 'reverse' as const, tally: { agree: 0, neutral: 2, disagree: 16 } },
    ];
    expect(questionnaireProblem({ respondents: 20, items }, R)).toBeNull();
    expect(questionnaireProblem({ respondents: 19, items }, R)).toMatchObject({ code: 'too_few_respondents', details: { field: 'data.respondents', minimum: 20 } });
    expect(questionnaireProblem({ respondents: 19, items }, { ...R, minRespondents: 10 })).toBeNull();
    expect(questionnaireProblem({ respondents: 20, items: [items[0] as (typeof items)[0]] }, R)?.details.field).toBe('data.items');
    expect(questionnaireProblem({ respondents: 20, items: [items[0] as (typeof items)[0], { ...(items[1] as (typeof items)[0]), tally: { agree: 10, neutral: 10, disagree: 1 } }] }, R)?.details.field).toBe('data.items[1].tally');
  });

  test('an opinion with findings lists them; a clear one lists none', () => {
    const f = { dimension: 'selfDiscipline' as const, severity: 'warning' as const, text: '违规收受礼金' };
    expect(strandProblem({ strand: 'disciplineOpinion', result: 'clear', documentRef: '纪函〔2026〕1号' }, R)).toBeNull();
    expect(strandProblem({ strand: 'disciplineOpinion', result: 'withFindings', documentRef: 'x' }, R)?.details.field).toBe('data.findings');
    expect(strandProblem({ strand: 'fileReview', result: 'clear', findings: [f] }, R)?.details.field).toBe('data.findings');
    expect(strandProblem({ strand: 'fileReview', result: 'withFindings', findings: [f] }, R)).toBeNull();
  });

  test('a reverse-inspection finding carries its evidence references', () => {
    const f = { dimension: 'responsibility' as const, severity: 'problem' as const, text: '重点任务推进不力' };
    expect(strandProblem({ strand: 'reverseInspection', sources: ['keyTasks'], summary: 's', findings: [{ ...f, evidenceRefs: ['督查通报〔2026〕5号'] }] }, R)).toBeNull();
    expect(strandProblem({ strand: 'reverseInspection', sources: ['keyTasks'], summary: 's', findings: [{ ...f, evidenceRefs: [] }] }, R)?.details.field).toBe('data.findings[0].evidenceRefs');
    expect(strandProblem({ strand: 'reverseInspection', sources: ['complaints'], summary: 'none', findings: [] }, R)).toBeNull();
    expect(findingsOf({ strand: 'reverseInspection', sources: ['keyTasks'], summary: 's', findings: [{ ...f, evidenceRefs: ['r'] }, { ...f, evidenceRefs: ['q'] }] }).map((x) => x.id)).toEqual([
      'reverseInspection-1',
      'reverseInspection-2',
    ]);
  });

  test('the talks and the questionnaire go through the same rules as a strand record', () => {
    expect(strandProblem({ strand: 'talks', interviewees: talk('informed'), summary: 's' }, R)?.code).toBe('talk_list_incomplete');
    expect(strandProblem({ strand: 'questionnaire', respondents: 1, items: [] }, R)?.code).toBe('too_few_respondents');
  });
});

describe('completeness before analysis', () => {
  const strand = (s: StrandView['strand'], status: StrandView['status'], reason?: string) => ({ strand: s, status, waiver: reason === undefined ? null : { reason } });
  const done = (['talks', 'questionnaire', 'disciplineOpinion', 'fileReview', 'reverseInspection'] as const).map((s) => strand(s, 'done'));

  test('every strand done, or waived with a reason', () => {
    expect(evidenceIncompleteProblem(done)).toBeNull();
    expect(evidenceIncompleteProblem([...done.slice(0, 4), strand('reverseInspection', 'waived', '已于本年度专项巡察中开展')])).toBeNull();
  });

  test('an open strand, a waiver without a reason, or a missing strand keeps the analysis waiting', () => {
    expect(evidenceIncompleteProblem([...done.slice(0, 4), strand('reverseInspection', 'open')])).toMatchObject({ code: 'evidence_incomplete', details: { open: ['reverseInspection'] } });
    expect(evidenceIncompleteProblem([...done.slice(0, 4), strand('reverseInspection', 'waived', ' ')])?.details.open).toEqual(['reverseInspection']);
    expect(evidenceIncompleteProblem(done.slice(1))?.details.open).toEqual(['talks']);
  });

  test('a waiver needs an open strand and a reason', () => {
    expect(waiverProblem({ status: 'open' }, '不适用')).toBeNull();
    expect(waiverProblem({ status: 'open' }, '  ')?.details.field).toBe('reason');
    expect(waiverProblem({ status: 'done' }, '不适用')?.code).toBe('wrong_stage');
    expect(waiverProblem(undefined, '不适用')?.code).toBe('wrong_stage');
  });
});

describe('the analysis', () => {
  const findings: Finding[] = [{ id: 'reverseInspection-1', strand: 'reverseInspection', dimension: 'responsibility', severity: 'problem', text: 't', evidenceRefs: ['r'] }];
  const evaluations = [
    { dimension: 'loyalty' as const, text: '对党忠诚' },
    { dimension: 'selfDiscipline' as const, text: '严守纪律' },
  ];

  test('a grade of the configured set', () => {
    for (const g of ['好', '较好', '一般', '较差']) expect(gradeProblem(g, R)).toBeNull();
    expect(gradeProblem('优秀', R)).toMatchObject({ code: 'grade_not_in_set', details: { field: 'data.grade' } });
    expect(gradeProblem('优秀', { ...R, grades: ['优秀', '合格'], justifyBelow: '合格' })).toBeNull();
    expect(analysisProblem({ evaluations, grade: '优秀' }, plan(), findings, R)?.code).toBe('grade_not_in_set');
  });

  test('an evaluation of every dimension of the plan, and of none other', () => {
    expect(analysisProblem({ evaluations, grade: '好' }, plan(), findings, R)).toBeNull();
    expect(analysisProblem({ evaluations: evaluations.slice(0, 1), grade: '好' }, plan(), findings, R)?.details.field).toBe('data.evaluations');
    expect(analysisProblem({ evaluations: [...evaluations, { dimension: 'capability', text: 'x' }], grade: '好' }, plan(), findings, R)?.details.field).toBe('data.evaluations[2].dimension');
    expect(analysisProblem({ evaluations: [...evaluations, evaluations[0] as (typeof evaluations)[0]], grade: '好' }, plan(), findings, R)?.details.field).toBe('data.evaluations[2].dimension');
  });

  test('a grade below 较好 needs the recorded negative findings it rests on; 较好 and above do not', () => {
    expect(analysisProblem({ evaluations, grade: '较好' }, plan(), findings, R)).toBeNull();
    expect(analysisProblem({ evaluations, grade: '一般' }, plan(), findings, R)).toMatchObject({ code: 'grade_unjustified', details: { field: 'data.basis' } });
    expect(analysisProblem({ evaluations, grade: '较差', basis: [] }, plan(), findings, R)?.code).toBe('grade_unjustified');
    expect(analysisProblem({ evaluations, grade: '一般', basis: ['reverseInspection-1'] }, plan(), findings, R)).toBeNull();
    expect(analysisProblem({ evaluations, grade: '一般', basis: ['talks-9'] }, plan(), findings, R)?.details.field).toBe('data.basis[0]');
  });
});

describe('feedback and the use of the result', () => {
  test('only the subject acknowledges, and in person', () => {
    expect(acknowledgementProblem('jyj-head', 'jyj-head', 'acknowledge')).toBeNull();
    expect(acknowledgementProblem('jyj-head', 'jyj-staff', 'acknowledge')).toMatchObject({ code: 'not_subject', details: { field: 'taskId' } });
    expect(acknowledgementProblem('jyj-head', 'jyj-head', 'transfer')?.details.field).toBe('action');
    expect(acknowledgementProblem('jyj-head', 'jyj-head', 'addSigner')?.code).toBe('not_subject');
  });

  const due = (d: string) => dueDateProblem('2026-11-30', d);
  const warning = { severity: 'warning' as const };
  const prob = { severity: 'problem' as const };

  test('好 is noted for promotion; 一般 gets a coaching plan', () => {
    expect(useOfResultProblem({ promotionNote: '列入优秀年轻干部名单' }, '好', [], R, due)).toBeNull();
    expect(useOfResultProblem({}, '好', [], R, due)?.details.field).toBe('data.promotionNote');
    expect(useOfResultProblem({}, '较好', [], R, due)).toBeNull();
    expect(useOfResultProblem({}, '一般', [], R, due)?.details.field).toBe('data.coachingPlan');
    expect(useOfResultProblem({ coachingPlan: '跟踪培养一年' }, '一般', [], R, due)).toBeNull();
  });

  test('warning signs need a reminder talk or 诫勉; problems a linked rectification with an acceptable due date', () => {
    expect(useOfResultProblem({}, '较好', [warning], R, due)?.details.field).toBe('data.admonition');
    expect(useOfResultProblem({ admonition: { kind: 'reminderTalk', note: '提醒谈话' } }, '较好', [warning], R, due)).toBeNull();
    expect(useOfResultProblem({}, '较好', [prob], R, due)?.details.field).toBe('data.rectification');
    expect(useOfResultProblem({ rectification: { dueDate: '2027-05-31' } }, '较好', [prob], R, due)).toBeNull();
    expect(useOfResultProblem({ rectification: { dueDate: '2026-11-30' } }, '较好', [prob], R, due)?.details.field).toBe('data.rectification.dueDate');
    expect(useOfResultProblem({ rectification: { dueDate: '2027-05-31' } }, '较好', [], R, due)?.details.field).toBe('data.rectification');
  });
});

describe('the 任前政治体检 gate', () => {
  const entry = (examinedOn: string, grade = '好') => ({ examinedOn, grade });

  test('fresh within 12 months of the newest examination, on the day itself too', () => {
    expect(politicalExamFresh([entry('2025-12-01')], 12, '2026-11-30')).toMatchObject({ fresh: true, reason: null });
    expect(politicalExamFresh([entry('2025-11-30')], 12, '2026-11-30').fresh).toBe(true);
    expect(politicalExamFresh([entry('2025-11-29')], 12, '2026-11-30')).toMatchObject({ fresh: false, reason: 'expired' });
    expect(politicalExamFresh([entry('2026-06-01')], 3, '2026-11-30').reason).toBe('expired');
  });

  test('missing, or the newest of a failing grade, blocks; an older one does not count', () => {
    expect(politicalExamFresh([], 12, '2026-11-30')).toEqual({ fresh: false, reason: 'missing', latest: null });
    expect(politicalExamFresh([entry('2026-10-01', '较差')], 12, '2026-11-30').reason).toBe('failing');
    expect(politicalExamFresh([entry('2026-10-01', '较差'), entry('2026-11-01', '较好')], 12, '2026-11-30')).toMatchObject({ fresh: true, latest: { examinedOn: '2026-11-01' } });
    expect(politicalExamFresh([entry('2026-11-01', '一般')], 12, '2026-11-30', ['一般', '较差']).reason).toBe('failing');
  });
});
