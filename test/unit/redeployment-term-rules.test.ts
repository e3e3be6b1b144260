/** The rules of a 揭榜出征 term (任期), pure: schedule, report deadline across a holiday, who reports, assessment, early termination. */
import { CalendarNotCoveredError } from '../../domain/calendar';
import { reportDeadlines } from '../../procedures/redeployment/term-deadlines';
import { redeploymentTermWorkflowId, TermRefusal } from '../../procedures/redeployment/term-messages';
import {
  assessmentProblem,
  outcomeOf,
  REPORT_ESCALATION_LADDER,
  reportActorProblem,
  reportOnTime,
  reportProblem,
  reportSchedule,
  terminationProblem,
  termProblem,
} from '../../procedures/redeployment/term-rules';

describe('report schedule', () => {
  test('a calendar-year term has twelve monthly periods, ending on each month’s last day', () => {
    const p = reportSchedule({ start: '2026-01-01', end: '2026-12-31' }, 1);
    expect(p).toHaveLength(12);
    expect(p[0]).toEqual({ no: 1, start: '2026-01-01', end: '2026-01-31' });
    expect(p[1]).toEqual({ no: 2, start: '2026-02-01', end: '2026-02-28' });
    expect(p[11]).toEqual({ no: 12, start: '2026-12-01', end: '2026-12-31' });
  });

  test('periods run from the start date, the last one cut at the term’s end', () => {
    const p = reportSchedule({ start: '2026-03-15', end: '2026-08-20' }, 2);
    expect(p).toEqual([
      { no: 1, start: '2026-03-15', end: '2026-05-14' },
      { no: 2, start: '2026-05-15', end: '2026-07-14' },
      { no: 3, start: '2026-07-15', end: '2026-08-20' },
    ]);
  });

  test('a month-end start skips no month', () => {
    const p = reportSchedule({ start: '2026-01-31', end: '2026-04-29' }, 1);
    expect(p.map((x) => [x.start, x.end])).toEqual([
      ['2026-01-31', '2026-02-27'],
      ['2026-02-28', '2026-03-30'],
      ['2026-03-31', '2026-04-29'],
    ]);
  });

  test('a one-day term has one period; settings out of range are refused naming the field', () => {
    expect(reportSchedule({ start: '2026-05-05', end: '2026-05-05' })).toEqual([{ no: 1, start: '2026-05-05', end: '2026-05-05' }]);
    expect(termProblem({ start: '2026-05-05', end: '2026-05-04' }, 1, 5)?.details.field).toBe('term.end');
    expect(termProblem({ start: '2026-02-30', end: '2026-05-04' }, 1, 5)?.details.field).toBe('term.start');
    expect(termProblem({ start: '2026-01-01', end: '2026-12-31' }, 0, 5)?.details.field).toBe('reportEveryMonths');
    expect(termProblem({ start: '2026-01-01', end: '2026-12-31' }, 1, 0)?.details.field).toBe('reportWorkingDays');
    expect(termProblem({ start: '2026-01-01', end: '2026-12-31' }, 1, 5)).toBeNull();
  });
});

describe('report deadline on the working-day calendar', () => {
  test('a period ending just before 国庆 is due five working days after it, the holiday skipped and the make-up Saturday counted', () => {
    // 2026-09-30 (Wed) ends the period; 10-01..10-07 is the National Day holiday; 10-10 (Sat) is a 调休 working day.
    const d = reportDeadlines('2026-09-30', 5);
    expect(d.effectiveDueDate).toBe('2026-10-13');
    expect(d.dueAt).toBe('2026-10-13T16:00:00.000Z');
    // Reminded two working days before, at 09:00 China time: 10-10 (the make-up Saturday) is one of them.
    expect(d.remindAt).toBe('2026-10-10T01:00:00.000Z');
  });

  test('an ordinary month: five working days after a Friday is the next Friday', () => {
    expect(reportDeadlines('2026-06-05', 5).effectiveDueDate).toBe('2026-06-12');
  });

  test('a year the calendar does not cover is refused, not guessed', () => {
    expect(() => reportDeadlines('2099-09-30', 5)).toThrow(CalendarNotCoveredError);
  });

  test('the ladder is reminder → urge (overdue) → supervision notice', () => {
    expect(REPORT_ESCALATION_LADDER.map((r) => r.rung)).toEqual(['supervisionNotice']);
    expect(reportOnTime('2026-10-13T15:59:59.000Z', '2026-10-13T16:00:00.000Z')).toBe(true);
    expect(reportOnTime('2026-10-13T16:00:01.000Z', '2026-10-13T16:00:00.000Z')).toBe(false);
  });
});

describe('who reports', () => {
  test('only the cadre files a report, and does not hand it on', () => {
    expect(reportActorProblem('cadre', 'cadre', 'submitReport')).toBeNull();
    expect(reportActorProblem('cadre', 'someone', 'submitReport')?.code).toBe(TermRefusal.notCadre);
    expect(reportActorProblem('cadre', 'cadre', 'transfer')?.code).toBe(TermRefusal.notCadre);
    // The host unit's confirmation is not the cadre's rule.
    expect(reportActorProblem('cadre', 'host-staff', 'confirmReport')).toBeNull();
  });

  test('a report says what was done', () => {
    expect(reportProblem({ summary: '走访企业 12 家' })).toBeNull();
    expect(reportProblem({ summary: '  ' })?.details.field).toBe('data.summary');
    expect(reportProblem(undefined)?.code).toBe(TermRefusal.invalidReport);
  });
});

describe('assessment', () => {
  const ended = { termEnded: true, endedEarly: false };
  test('refused before the term ends, unless the department ended it early', () => {
    const data = { grade: '合格' as const, achievements: ['完成招商任务'] };
    expect(assessmentProblem({ termEnded: false, endedEarly: false }, data, false)?.code).toBe(TermRefusal.termNotEnded);
    expect(assessmentProblem({ termEnded: false, endedEarly: true }, data, false)).toBeNull();
    expect(assessmentProblem(ended, data, true)).toBeNull();
  });

  test('the grade is one of four, with achievements listed; 优秀 names one, 不合格 records the follow-up', () => {
    expect(assessmentProblem(ended, { grade: '良好' as never, achievements: [] }, false)?.code).toBe(TermRefusal.gradeNotInSet);
    expect(assessmentProblem(ended, { grade: '合格' }, false)?.details.field).toBe('data.achievements');
    expect(assessmentProblem(ended, { grade: '优秀', achievements: [] }, false)?.code).toBe(TermRefusal.assessmentIncomplete);
    expect(assessmentProblem(ended, { grade: '不合格', achievements: [] }, false)).toBeNull();
    expect(assessmentProblem(ended, { grade: '不合格', achievements: [] }, true)?.details.field).toBe('data.followUp');
    expect(assessmentProblem(ended, { grade: '不合格', achievements: [], followUp: '约谈并调整岗位' }, true)).toBeNull();
  });

  test('优秀 leads to recognition, 不合格 to accountability, the others to neither', () => {
    expect(outcomeOf('优秀')).toBe('recognition');
    expect(outcomeOf('不合格')).toBe('accountability');
    expect(outcomeOf('合格')).toBeNull();
    expect(outcomeOf('基本合格')).toBeNull();
    expect(outcomeOf(null)).toBeNull();
  });
});

describe('early termination', () => {
  const dept = { unitId: 'zzb', roles: ['staff'] };
  test('by the department only, with one of the reasons, while the term runs', () => {
    expect(terminationProblem(dept, 'zzb', 'health', true)).toBeNull();
    expect(terminationProblem({ unitId: 'zzb', roles: ['approver'] }, 'zzb', 'misconduct', true)).toBeNull();
    expect(terminationProblem({ unitId: 'zzb', roles: ['supervisor'] }, 'zzb', 'health', true)?.code).toBe(TermRefusal.notDepartment);
    expect(terminationProblem({ unitId: 'jyj', roles: ['approver'] }, 'zzb', 'taskEnded', true)?.code).toBe(TermRefusal.notDepartment);
    expect(terminationProblem(dept, 'zzb', 'bored', true)?.details.field).toBe('reason');
    expect(terminationProblem(dept, 'zzb', 'taskEnded', false)?.code).toBe(TermRefusal.termClosed);
  });

  test('the workflow id names the list, the task and the person', () => {
    expect(redeploymentTermWorkflowId('L1', 'T3', 'GB1')).toBe('redeployment-L1-tT3-GB1');
  });
});
