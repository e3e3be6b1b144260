/** The working-day rules of the supervision board and reports (domain/reports.ts), on the 2026 calendar. */
import { dueWindowEnd, periodOf, workingDayIndex, workingDaysAfter, workingDaysOverdue } from '../../domain/reports';

const china = (s: string): Date => new Date(`${s}+08:00`);

describe('working days for supervision', () => {
  test('days after a date skip the National Day week and count the make-up Saturday (调休)', () => {
    // 2026-10-01..07 are holidays; 2026-10-10 is a Saturday worked in lieu.
    expect(workingDaysAfter('2026-09-30', '2026-10-10')).toBe(3);
    expect(workingDaysAfter('2026-09-30', '2026-09-30')).toBe(0);
    expect(workingDaysAfter('2026-10-10', '2026-09-30')).toBe(0);
  });

  test('days overdue: the due day itself does not count, nor does work not yet due', () => {
    // Due on 2026-09-30: overdue from its end, 2026-10-01 00:00 China time.
    const dueAt = china('2026-10-01T00:00:00');
    expect(workingDaysOverdue(dueAt, china('2026-10-09T10:00:00'))).toBe(2);
    expect(workingDaysOverdue(dueAt, china('2026-09-30T23:00:00'))).toBe(0);
  });

  test('due within N working days ends with the N-th working day after today', () => {
    expect(dueWindowEnd(china('2026-09-30T10:00:00'), 1).toISOString()).toBe(china('2026-10-09T00:00:00').toISOString());
    // From a holiday, 0 means the end of the next working day.
    expect(dueWindowEnd(china('2026-10-03T10:00:00'), 0).toISOString()).toBe(china('2026-10-09T00:00:00').toISOString());
  });

  test('the working-day index counts working days up to each date', () => {
    expect(workingDayIndex('2026-09-30', '2026-10-09')).toEqual({
      dates: ['2026-09-30', '2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07', '2026-10-08', '2026-10-09'],
      index: [1, 1, 1, 1, 1, 1, 1, 1, 2, 3],
    });
  });

  test('periods: month, quarter, year in China time; anything else is not a period', () => {
    expect(periodOf('quarter', '2026-Q4')).toMatchObject({ from: '2026-10-01', to: '2027-01-01', fromInstant: china('2026-10-01T00:00:00') });
    expect(periodOf('month', '2026-02')).toMatchObject({ from: '2026-02-01', to: '2026-03-01' });
    expect(periodOf('year', '2026')).toMatchObject({ from: '2026-01-01', to: '2027-01-01' });
    for (const [kind, at] of [['month', '2026-13'], ['month', '2026-Q4'], ['quarter', '2026-Q5'], ['year', '26']] as const) expect(periodOf(kind, at)).toBeNull();
  });
});
