/**
 * The working-day calendar over HTTP, with the worker, a real Temporal dev server and a real PostgreSQL
 * behind it: a year chinese-days does not cover is refused until it is loaded, and then the item's
 * deadline follows the loaded holidays.
 */
import { CalendarDaySchema, CalendarYearSchema } from '../../platform/entities';
import { rectificationReportWorkflowId } from '../../procedures/rectification/messages';
import { workflowIds } from '../helpers/ids';
import { newKey, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { loadTestYear, testDate, testYear } from '../helpers/rectification';


// The feedback is dated in the test year, loaded here, so nothing it starts is overdue by the real clock.
const stack = useApiStack((t) => loadTestYear(t.orm));

const key = newKey;

function startBody(feedbackId: string, dueDate: string) {
  return {
    feedbackId,
    title: '市委第二巡察组反馈意见',
    inspectionGroup: '市委第二巡察组',
    feedbackDate: testDate('11-20'),
    problems: [{ no: '1', title: '基层党组织建设薄弱', leadUnitId: 'zzb', assignments: [{ unitId: 'jyj', dueDate }] }],
  };
}

// The year after the test year (helpers/rectification): no calendar covers it until this test loads it, and the items
// dated in it are never in the past. It is laid out as 2027 is, so its 03-15 is a Monday, made a holiday here so the
// deadline visibly moves, and its 02-20 a Saturday, a make-up workday (调休) here; a few days, as the State Council
// notice might list them.
const NEXT = testYear() + 1;
const nextYear = {
  source: '国办发明电〔2026〕测试号',
  days: [
    { date: `${NEXT}-03-15`, workday: false, name: '测试假日' },
    { date: `${NEXT}-01-01`, workday: false, name: '元旦' },
    { date: `${NEXT}-02-20`, workday: true, name: '春节' },
  ],
};

describe('loading a year of the working-day calendar', () => {
  test('a due date in a year not loaded is refused until it is loaded; then the deadline skips its holidays', async () => {
    const staff = await stack.h.login('zzb-staff');
    const fid = uniqueId('fb');

    const refused = await stack.h.call('POST', '/procedures/rectification', { token: staff, key: key(), body: startBody(fid, `${NEXT}-03-15`) });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'calendar_not_covered', details: { field: 'problems[0].assignments[0].dueDate', year: NEXT } });

    const before = await stack.h.call('GET', '/calendar/years', { token: staff });
    expect(before.status).toBe(200);
    expect(before.body).toEqual(expect.arrayContaining([{ year: 2026, source: 'chinese-days', loadedBy: null, loadedAt: null }]));
    expect(before.body.map((y: { year: number }) => y.year)).not.toContain(NEXT);
    expect((await stack.h.call('GET', `/calendar/years/${NEXT}`, { token: staff })).body).toMatchObject({ status: 404, code: 'calendar_year_not_found' });

    const put = await stack.h.call('PUT', `/calendar/years/${NEXT}`, { token: await stack.h.login('calendar-admin'), key: key(), body: nextYear });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      year: NEXT,
      source: nextYear.source,
      loadedBy: 'calendar-admin',
      days: [
        { date: `${NEXT}-01-01`, workday: false, name: '元旦' },
        { date: `${NEXT}-02-20`, workday: true, name: '春节' },
        { date: `${NEXT}-03-15`, workday: false, name: '测试假日' },
      ],
    });

    const listed = await stack.h.call('GET', '/calendar/years', { token: staff });
    expect(listed.body).toEqual(expect.arrayContaining([expect.objectContaining({ year: NEXT, source: nextYear.source, loadedBy: 'calendar-admin' })]));
    const years = listed.body.map((y: { year: number }) => y.year);
    expect(years).toEqual([...years].sort((a: number, b: number) => a - b));

    const one = await stack.h.call('GET', `/calendar/years/${NEXT}`, { token: await stack.h.login('jyj-head') });
    expect(one.status).toBe(200);
    expect(one.body.days.map((d: { date: string }) => d.date)).toEqual([`${NEXT}-01-01`, `${NEXT}-02-20`, `${NEXT}-03-15`]);
    // A chinese-days year lists its official holidays and make-up days.
    const official = await stack.h.call('GET', '/calendar/years/2026', { token: staff });
    expect(official.body).toMatchObject({ year: 2026, source: 'chinese-days' });
    expect(official.body.days).toEqual(expect.arrayContaining([{ date: '2026-10-10', workday: true, name: '国庆节' }]));

    const started = await stack.h.call('POST', '/procedures/rectification', { token: staff, key: key(), body: startBody(fid, `${NEXT}-03-15`) });
    expect(started.status).toBe(201);
    const item = workflowIds.rectificationItem(fid, '1', 'jyj');
    // With its 整改报告 (on by default), due 2 months on (01-20 of that year): the year is loaded now, so its deadlines were computed at the start.
    expect(started.body.items).toEqual([item, rectificationReportWorkflowId(fid, 'jyj')]);

    const deadlines = await eventually(async () => {
      const r = await stack.h.call('GET', `/procedures/${item}`, { token: staff });
      return r.status === 200 && r.body.state?.deadlines ? r.body.state.deadlines : undefined;
    }, 30_000, "the item's deadlines");
    expect(deadlines).toMatchObject({
      effectiveDueDate: `${NEXT}-03-16`,
      dueAt: `${NEXT}-03-16T16:00:00.000Z`,
      // Three working days before, skipping the Monday holiday: 03-12, 03-11, 03-10, at 09:00 China time.
      remindAt: `${NEXT}-03-10T01:00:00.000Z`,
    });
  });

  test('a second PUT replaces the year as a whole, and a repeated key replays the first answer', async () => {
    const token = await stack.h.login('calendar-admin');
    const k = key();
    const body = { source: '更正通知', days: [{ date: '2028-10-02', workday: false }] };
    const first = await stack.h.call('PUT', '/calendar/years/2028', { token, key: k, body });
    expect(first.status).toBe(200);
    expect(first.body.days).toEqual([{ date: '2028-10-02', workday: false, name: null }]);
    const replay = await stack.h.call('PUT', '/calendar/years/2028', { token, key: k, body });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');

    const second = await stack.h.call('PUT', '/calendar/years/2028', {
      token,
      key: key(),
      body: { source: '更正通知（二）', days: [{ date: '2028-10-03', workday: false, name: '国庆节' }] },
    });
    expect(second.status).toBe(200);
    const em = stack.t.orm.em.fork();
    expect(await em.findOne(CalendarYearSchema, { year: 2028 })).toMatchObject({ source: '更正通知（二）', loadedBy: 'calendar-admin' });
    expect(await em.count(CalendarDaySchema, { year: 2028 })).toBe(1);
    const got = await stack.h.call('GET', '/calendar/years/2028', { token });
    expect(got.body.days).toEqual([{ date: '2028-10-03', workday: false, name: '国庆节' }]);
  });

  test('bad bodies give 400 naming the field, and nothing is stored', async () => {
    const token = await stack.h.login('calendar-admin');
    const put = (body: unknown, path = '/calendar/years/2029') => stack.h.call('PUT', path, { token, key: key(), body });

    const wrongYear = await put({ source: 'x', days: [{ date: '2029-01-01', workday: false }, { date: '2030-01-01', workday: false }] });
    expect(wrongYear.status).toBe(400);
    expect(wrongYear.body).toMatchObject({ code: 'validation_error', details: { issues: [{ field: 'days[1].date' }] } });
    expect(wrongYear.body.message).toMatch(/^days\[1\]\.date: 2030-01-01 is not in 2029/);

    const duplicate = await put({ source: 'x', days: [{ date: '2029-01-01', workday: false }, { date: '2029-01-01', workday: true }] });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.message).toMatch(/^days\[1\]\.date: 2029-01-01 is listed twice/);

    const badDate = await put({ source: 'x', days: [{ date: '2029-02-30', workday: false }] });
    expect(badDate.status).toBe(400);
    expect(badDate.body.message).toMatch(/^days\[0\]\.date:/);

    const noFlag = await put({ source: 'x', days: [{ date: '2029-01-01' }] });
    expect(noFlag.status).toBe(400);
    expect(noFlag.body.message).toMatch(/^days\[0\]\.workday:/);

    const noSource = await put({ days: [{ date: '2029-01-01', workday: false }] });
    expect(noSource.status).toBe(400);
    expect(noSource.body.message).toMatch(/^source:/);

    const noDays = await put({ source: 'x', days: [] });
    expect(noDays.status).toBe(400);
    expect(noDays.body.message).toMatch(/^days:/);

    const extra = await put({ source: 'x', days: [{ date: '2029-01-01', workday: false }], surprise: 1 });
    expect(extra.status).toBe(400);

    const badPath = await put({ source: 'x', days: [{ date: '2029-01-01', workday: false }] }, '/calendar/years/29');
    expect(badPath.status).toBe(400);
    expect(badPath.body.message).toMatch(/^year:/);

    const noKey = await stack.h.call('PUT', '/calendar/years/2029', { token, body: { source: 'x', days: [{ date: '2029-01-01', workday: false }] } });
    expect(noKey.status).toBe(400);
    expect(noKey.body.code).toBe('idempotency_key_required');

    expect(await stack.t.orm.em.fork().count(CalendarYearSchema, { year: 2029 })).toBe(0);
  });

  test('only the calendar administrator loads a year (issue 10 §3): staff, supervisors and heads get 403', async () => {
    const body = { source: 'x', days: [{ date: '2030-01-01', workday: false }] };
    for (const user of ['jyj-head', 'zzb-staff', 'jyj-staff', 'dc-supervisor', 'admin']) {
      const refused = await stack.h.call('PUT', '/calendar/years/2030', { token: await stack.h.login(user), key: key(), body });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: 'forbidden', details: { roles: ['calendarAdmin'] } });
    }
    const anonymous = await stack.h.call('PUT', '/calendar/years/2030', { key: key(), body });
    expect(anonymous.status).toBe(401);
    expect(await stack.t.orm.em.fork().count(CalendarYearSchema, { year: 2030 })).toBe(0);
  });
});
