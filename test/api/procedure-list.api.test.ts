/**
 * The procedure list's filters and sort (GET /procedures): stage, due window, and order by start or due date,
 * as the console's lists page through them; and the 400s naming the field for a bad filter.
 */
import { newKey, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { workflowIds } from '../helpers/ids';
import { loadTestYearOver, testDate } from '../helpers/rectification';

const stack = useApiStack();

interface Row {
  workflowId: string;
  stage: string;
  dueAt: string | null;
}

async function list(query: string): Promise<{ status: number; body: { total: number; items: Row[]; code?: string; message?: string } }> {
  return stack.h.call('GET', `/procedures?${query}`, { token: await stack.h.login('zzb-staff') });
}

test('stage, due window and sort narrow and order the list; a bad filter is a 400 naming the field', async () => {
  const h = stack.h;
  await loadTestYearOver(h);
  const token = await h.login('zzb-staff');
  const fid = uniqueId('fb');
  // Three items of one feedback, due on three days of the test year: problem 1 at two units, problem 2 at one.
  const due = { jyj: testDate('03-10'), wjw: testDate('06-10'), later: testDate('09-10') };
  const started = await h.call('POST', '/procedures/rectification', {
    token,
    key: newKey(),
    body: {
      feedbackId: fid,
      title: '列表筛选',
      inspectionGroup: '市委第一巡察组',
      feedbackDate: testDate('01-05'),
      report: false,
      problems: [
        { no: '1', title: '问题一', leadUnitId: 'zzb', assignments: [{ unitId: 'jyj', dueDate: due.jyj }, { unitId: 'wjw', dueDate: due.wjw }] },
        { no: '2', title: '问题二', leadUnitId: 'zzb', assignments: [{ unitId: 'jyj', dueDate: due.later }] },
      ],
    },
  });
  expect(started.status).toBe(201);
  const parent = workflowIds.rectification(fid);
  const id = (unit: 'jyj' | 'wjw' | 'later') => (unit === 'later' ? workflowIds.rectificationItem(fid, '2', 'jyj') : workflowIds.rectificationItem(fid, '1', unit));
  await eventually(async () => ((await list(`parent=${parent}`)).body.total === 3 ? true : undefined), 30_000, 'the three items');

  const ids = async (query: string) => (await list(`parent=${parent}&${query}`)).body.items.map((r) => r.workflowId);
  // A deadline is the end of its China day: the window's both ends are whole days, and inclusive.
  expect(await ids(`dueFrom=${due.wjw}&dueTo=${due.wjw}`)).toEqual([id('wjw')]);
  expect((await ids(`dueFrom=${due.wjw}&sort=due`))).toEqual([id('wjw'), id('later')]);
  expect(await ids(`dueTo=${due.wjw}&sort=due`)).toEqual([id('jyj'), id('wjw')]);
  expect(await ids('sort=due')).toEqual([id('jyj'), id('wjw'), id('later')]);
  expect(await ids('sort=-due')).toEqual([id('later'), id('wjw'), id('jyj')]);
  expect(await ids('stage=submit&sort=due')).toEqual([id('jyj'), id('wjw'), id('later')]);
  expect(await ids('stage=review')).toEqual([]);

  // Stage across types, and the start order both ways.
  const step = `s${uniqueId('x').replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 30);
  const requests: string[] = [];
  for (let i = 0; i < 2; i += 1) {
    const rid = uniqueId('req');
    const r = await h.call('POST', '/procedures/approvalRequest', {
      token,
      key: newKey(),
      body: { requestId: rid, title: `列表${i}`, steps: [{ key: step, name: '审批', mode: 'any', assignees: { kind: 'user', userId: 'zzb-head' } }] },
    });
    expect(r.status).toBe(201);
    requests.push(workflowIds.approvalRequest(rid));
  }
  const byStage = async (sort: string) => (await list(`stage=${step}&sort=${sort}`)).body.items.map((r) => r.workflowId);
  expect(await byStage('started')).toEqual(requests);
  expect(await byStage('-started')).toEqual([...requests].reverse());

  for (const [query, field] of [
    [`dueFrom=${due.later}&dueTo=${due.jyj}`, 'dueFrom'],
    ['dueTo=2026-02-30', 'dueTo'],
    ['stage=a%20b', 'stage'],
    ['sort=title', 'sort'],
  ] as const) {
    const bad = await list(query);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'validation_error', message: expect.stringMatching(new RegExp(`^${field}:`)) });
  }
});
