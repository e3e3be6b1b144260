/**
 * Master data in Chromium, as issue 12 lists it: the people import (CSV) with its upload progress bar, shown while
 * the file goes up, and its per-row error table naming each failed row and column in Chinese; and the working-day
 * calendar: the covered years, a year's holidays and make-up workdays (调休), and loading a year through the page.
 * Harness: ./browser.ts.
 */
import type { Page } from 'playwright-core';
import { COVERED_YEARS, officialDays } from '../../domain/calendar';
import { hasEnglish } from '../../web/src/labels';
import { useApiStack } from '../helpers/api';
import { describeInBrowser, expectChinese, rosterFile, useConsole } from './browser';

/** A year no calendar covers (chinese-days stops long before, and the tests load only the years ahead of today). */
const LOADED = 2090;

describeInBrowser('console calendar and import e2e')('web console: the people import and the working-day calendar (Chromium)', () => {
  jest.setTimeout(300_000);
  const stack = useApiStack();
  const c = useConsole(() => stack.api.baseUrl);
  const { as } = c;
  const api = async (url: string, user: string) => stack.h.call('GET', url, { token: await stack.h.login(user) });
  /** Each row of a table as its cells' texts. */
  const cells = (page: Page, testId: string) =>
    page.getByTestId(testId).locator('tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())));

  test('the people import: the progress bar while the file goes up, then the failed rows by row and column, in Chinese', async () => {
    const file = rosterFile([
      'E2E300,吴昊,男,1981-04-01,jyj,市教育局办公室副主任,副科,2020-07-01,2004-07-01,4,本科,2003-06-01,2020-07-01,否',
      'E2E301,郑洁,女,1990-02-30,jyj,,正科,2020-01-01,2012-07-01,1,本科,,,',
      'E2E302,王强,男,1985-03-01,jyj,,正科,2020-01-01,2008-07-01,2,初小,,,',
      // The unit is looked up once the row's cells are valid: its own row.
      'E2E303,赵敏,女,1986-05-01,没有的单位,,正科,2020-01-01,2009-07-01,2,本科,,,',
    ]);
    const staff = await as('zzb-staff', '/people');
    // The upload is held in the browser until the bar has been seen: the bar is there while the file goes up, whatever the speed.
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await staff.route('**/people/import', async (route) => {
      await held;
      await route.continue();
    });
    await staff.getByTestId('people-file').setInputFiles(file);
    const bar = staff.getByRole('progressbar', { name: '上传进度' });
    await bar.waitFor();
    expect(await staff.getByTestId('import-summary').count()).toBe(0);
    release();
    await staff.getByTestId('import-summary').getByText('失败 3').waitFor();
    await staff.getByTestId('import-summary').getByText('新增 1').waitFor();
    // Once the answer is in, the bar is full.
    expect(await bar.getAttribute('aria-valuenow')).toBe('100');

    // One line a problem: the row as the sheet numbers it (the header is row 1), the person, the column by its header, the problem.
    const errors = staff.getByTestId('import-errors');
    expect((await errors.locator('thead th').allInnerTexts()).map((t) => t.trim())).toEqual(['行号', '编号', '列', '问题']);
    const rows = await cells(staff, 'import-errors');
    expect(rows.map(([row, id, column]) => `${row} ${id} ${column}`).sort()).toEqual(['3 E2E301 出生日期', '4 E2E302 学历', '5 E2E303 单位']);
    expect(rows.find(([, , column]) => column === '出生日期')?.[3]).toBe('“1990-02-30”不是有效的日期');
    expect(rows.find(([, , column]) => column === '单位')?.[3]).toBe('没有该编号或名称的单位');
    for (const [, , column, problem] of rows) expect([column, problem, hasEnglish(problem ?? '')]).toEqual([column, expect.stringMatching(/\S/), false]);
    await expectChinese(staff);
    await staff.close();
  });

  test('the working-day calendar: the covered years and a year’s days; a calendar administrator loads a year through the page', async () => {
    // 经办人: the covered years, each with where it comes from, and a year's days; no loading.
    const listed = (await api('/calendar/years', 'zzb-staff')).body as { year: number; source: string }[];
    const staff = await as('zzb-staff', '/calendar');
    const years = staff.getByTestId('calendar-years');
    await years.locator('tbody tr').first().waitFor();
    const shown = await cells(staff, 'calendar-years');
    expect(shown.map(([year]) => Number(year))).toEqual(listed.map((y) => y.year));
    // chinese-days' years are built in; a year loaded here would name its loader.
    const builtIn = [...COVERED_YEARS].sort((a, b) => a - b);
    expect(shown.filter(([, , loaded]) => loaded === '内置').map(([year]) => Number(year))).toEqual(builtIn);
    const year = builtIn.at(-1)!;
    await years.locator('tbody tr', { hasText: String(year) }).first().getByRole('button', { name: '查看' }).click();
    const detail = staff.locator('.el-card', { hasText: `${year} 年节假日与调休` });
    await detail.waitFor();
    const days = officialDays(year);
    expect(await detail.locator('.el-tag').count()).toBe(days.length);
    const first = days[0]!;
    await detail.getByText(`${first.date} ${first.workday ? '班' : '休'} ${first.name ?? ''}`.trim()).waitFor();
    expect(await staff.getByText('载入年度日历').count()).toBe(0);
    await staff.close();

    // 日历管理员 loads a year none covers: a day of another year is refused at the days' field, in Chinese; then loaded.
    expect(listed.map((y) => y.year)).not.toContain(LOADED);
    const admin = await as('calendar-admin', '/calendar');
    await admin.getByText('载入年度日历').waitFor();
    await admin.locator('#c-year').fill(String(LOADED));
    await admin.locator('#c-source').fill(`国办发明电〔${LOADED - 1}〕7号`);
    await admin.locator('#c-days').fill([`${LOADED}-01-01 休 元旦`, `${LOADED}-02-10 休 春节`, `${LOADED + 1}-02-18 班`].join('\n'));
    await admin.getByRole('button', { name: '载入', exact: true }).click();
    const daysField = admin.locator('.el-form-item', { has: admin.locator('#c-days') });
    await daysField.locator('.el-form-item__error', { hasText: `${LOADED + 1}-02-18 不在 ${LOADED} 年内` }).waitFor();
    await expectChinese(admin);
    expect((await api(`/calendar/years`, 'zzb-staff')).body.map((y: { year: number }) => y.year)).not.toContain(LOADED);

    await admin.locator('#c-days').fill([`${LOADED}-01-01 休 元旦`, `${LOADED}-02-10 休 春节`, `${LOADED}-02-18 班`].join('\n'));
    await admin.getByRole('button', { name: '载入', exact: true }).click();
    await admin.getByText(`已载入 ${LOADED} 年工作日历`).first().waitFor();
    // The table lists the year at once, with its notice and its loader by name; its days are those typed, 调休 as a workday.
    const row = admin.getByTestId('calendar-years').locator('tbody tr', { hasText: `国办发明电〔${LOADED - 1}〕7号` });
    await row.waitFor();
    expect((await row.locator('td').first().innerText()).trim()).toBe(String(LOADED));
    expect(await row.locator('td').nth(2).innerText()).toContain('日历管理员 钱进');
    await row.getByRole('button', { name: '查看' }).click();
    const loaded = admin.locator('.el-card', { hasText: `${LOADED} 年节假日与调休` });
    await loaded.waitFor();
    expect((await loaded.locator('.el-tag').allInnerTexts()).map((t) => t.trim())).toEqual([`${LOADED}-01-01 休 元旦`, `${LOADED}-02-10 休 春节`, `${LOADED}-02-18 班`]);
    await expectChinese(admin);
    const stored = (await api(`/calendar/years/${LOADED}`, 'zzb-staff')).body as { source: string; days: { date: string; workday: boolean }[] };
    expect([stored.source, stored.days.map((d) => `${d.date} ${d.workday}`)]).toEqual([`国办发明电〔${LOADED - 1}〕7号`, [`${LOADED}-01-01 false`, `${LOADED}-02-10 false`, `${LOADED}-02-18 true`]]);
    await admin.close();
  });
});
