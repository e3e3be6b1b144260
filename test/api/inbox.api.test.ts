/**
 * The inbox and its neighbours over HTTP (api/routes/inbox.ts): the array answer as before, pages when
 * asked, filters and sort, the badge counts, 已办 (from the action log) and 我发起的.
 */
import { ProcedureSchema } from '../../platform/entities';
import { inboxTask, newKey, useApiStack } from '../helpers/api';
import { uniqueId } from '../helpers/env';
import { loadTestYear, testDate } from '../helpers/rectification';

// The feedbacks are dated in the test year (helpers/rectification), so no item is overdue by the real clock.
const stack = useApiStack((t) => loadTestYear(t.orm));

describe('inbox', () => {
  test('array by default, a page when asked; filters, sort, counts, 已办 and 我发起的', async () => {
    const { h, t } = stack;
    const staff = await h.login('zzb-staff');
    const head = await h.login('zzb-head');
    const ids = [uniqueId('IN'), uniqueId('IN')].map((s) => s.slice(0, 30));
    for (const requestId of ids) {
      const r = await h.call('POST', '/procedures/approvalRequest', {
        token: staff,
        key: newKey(),
        body: { requestId, title: `收件箱 ${requestId}`, steps: [{ key: 'draft', name: '审核', mode: 'any', assignees: { kind: 'user', userId: 'zzb-head' } }] },
      });
      expect(r.status).toBe(201);
    }
    const [first, second] = ids.map((i) => `approval-${i}`) as [string, string];

    const all = await h.call('GET', '/inbox', { token: head });
    expect(all.status).toBe(200);
    expect(all.body.map((x: any) => x.workflowId)).toEqual([first, second]);
    expect(all.body[0]).toMatchObject({ id: `${first}:1`, step: 'draft', procedureTitle: `收件箱 ${ids[0]}`, procedureStage: 'draft', overdue: false, escalation: null });

    const page = await h.call('GET', '/inbox?page=2&pageSize=1', { token: head });
    expect(page.body).toMatchObject({ total: 2, page: 2, pageSize: 1, items: [{ workflowId: second }] });
    const newest = await h.call('GET', '/inbox?sort=-opened', { token: head });
    expect(newest.body.map((x: any) => x.workflowId)).toEqual([second, first]);
    expect((await h.call('GET', '/inbox?type=rectification', { token: head })).body).toEqual([]);
    expect((await h.call('GET', '/inbox?stage=draft&type=approvalRequest', { token: head })).body).toHaveLength(2);

    // One of them overdue, on the warning rung, as the deadline watcher projects it.
    await t.orm.em.fork().nativeUpdate(ProcedureSchema, { workflowId: second }, { overdue: true, escalation: { rung: 'warning', at: '2026-11-27T01:00:00.000Z' } });
    const overdue = await h.call('GET', '/inbox?overdue=true', { token: head });
    expect(overdue.body).toEqual([expect.objectContaining({ workflowId: second, overdue: true, escalation: expect.objectContaining({ rung: 'warning' }) })]);
    expect((await h.call('GET', '/inbox?overdue=false', { token: head })).body.map((x: any) => x.workflowId)).toEqual([first]);
    const counts = await h.call('GET', '/inbox/counts', { token: head });
    expect(counts.body).toEqual({ total: 2, overdue: 1, onTime: 1, byType: [{ type: 'approvalRequest', total: 2, overdue: 1 }], byRung: [{ rung: 'warning', count: 1 }] });

    // Bad filters are named.
    const badType = await h.call('GET', '/inbox?type=nope', { token: head });
    expect(badType.status).toBe(400);
    expect(badType.body.message).toMatch(/^type: /);
    const badWindow = await h.call('GET', '/inbox?dueFrom=2026-12-31&dueTo=2026-12-01', { token: head });
    expect(badWindow.status).toBe(400);
    expect(badWindow.body.message).toMatch(/^dueFrom: /);

    // 已办: the task the head approved; 我发起的: the staff's two requests, newest first.
    const task = await inboxTask(h, 'zzb-head', first, 'draft');
    expect((await h.call('POST', `/tasks/${task}/actions`, { token: head, key: newKey(), body: { action: 'approve', comment: '同意' } })).status).toBe(200);
    const done = await h.call('GET', '/inbox/done', { token: head });
    expect(done.body).toMatchObject({ total: 1, page: 1, items: [{ taskId: task, workflowId: first, step: 'draft', action: 'approve', procedureType: 'approvalRequest', procedureStatus: 'approved' }] });
    expect((await h.call('GET', '/inbox/done', { token: staff })).body.total).toBe(0);
    const started = await h.call('GET', '/inbox/started?pageSize=1', { token: staff });
    expect(started.body).toMatchObject({ total: 2, pageSize: 1, items: [{ workflowId: second, startedBy: 'zzb-staff' }] });
    expect((await h.call('GET', '/inbox/counts', { token: head })).body).toMatchObject({ total: 1, overdue: 1 });
  });

  test('the due window counts China days; sort=due puts the earliest due first and the undated last', async () => {
    const { h } = stack;
    const staff = await h.login('zzb-staff');
    const feedbackId = uniqueId('IW').slice(0, 20);
    const r = await h.call('POST', '/procedures/rectification', {
      token: staff,
      key: newKey(),
      body: { feedbackId, title: '窗口', inspectionGroup: '组', feedbackDate: testDate('11-20'), problems: [{ no: '1', title: '题', leadUnitId: 'zzb', assignments: [{ unitId: 'jyj', dueDate: testDate('12-31') }] }] },
    });
    expect(r.status).toBe(201);
    const wf = `rectification-${feedbackId}-p1-jyj`;
    await inboxTask(h, 'jyj-staff', wf, 'submit');
    const jyj = await h.login('jyj-staff');
    const mine = async (q: string) => ((await h.call('GET', `/inbox?${q}`, { token: jyj })).body as any[]).filter((x) => x.workflowId === wf).length;
    // Due at the end of 31 December in China (16:00 UTC).
    expect(await mine(`dueFrom=${testDate('12-31')}&dueTo=${testDate('12-31')}`)).toBe(1);
    expect(await mine(`dueTo=${testDate('12-30')}`)).toBe(0);
    expect(await mine(`dueFrom=${testDate('01-01', true)}`)).toBe(0);

    // sort=due: earliest due first, a task with no due date last; -due reverses the dated ones, the undated
    // still last. The second item opens after the first but is due earlier, so due order is not opening order.
    const laterId = uniqueId('IW').slice(0, 20);
    const later = await h.call('POST', '/procedures/rectification', {
      token: staff,
      key: newKey(),
      body: { feedbackId: laterId, title: '先到期', inspectionGroup: '组', feedbackDate: testDate('11-20'), problems: [{ no: '1', title: '题', leadUnitId: 'zzb', assignments: [{ unitId: 'jyj', dueDate: testDate('12-15') }] }] },
    });
    expect(later.status).toBe(201);
    const earlier = `rectification-${laterId}-p1-jyj`;
    await inboxTask(h, 'jyj-staff', earlier, 'submit');
    const requestId = uniqueId('IU').slice(0, 30);
    const undated = await h.call('POST', '/procedures/approvalRequest', {
      token: staff,
      key: newKey(),
      body: { requestId, title: '无期限', steps: [{ key: 'review', name: '审核', mode: 'any', assignees: { kind: 'user', userId: 'jyj-staff' } }] },
    });
    expect(undated.status).toBe(201);
    await inboxTask(h, 'jyj-staff', `approval-${requestId}`, 'review');
    const mineIn = new Set([wf, earlier, `approval-${requestId}`]);
    const order = async (q: string) => ((await h.call('GET', `/inbox?${q}`, { token: jyj })).body as any[]).map((x) => x.workflowId).filter((w: string) => mineIn.has(w));
    expect(await order('')).toEqual([wf, earlier, `approval-${requestId}`]);
    expect(await order('sort=due')).toEqual([earlier, wf, `approval-${requestId}`]);
    expect(await order('sort=-due')).toEqual([wf, earlier, `approval-${requestId}`]);
    // A page of the due order holds the same rows in the same order.
    const paged = await h.call('GET', '/inbox?sort=due&page=1&pageSize=200', { token: jyj });
    expect((paged.body.items as any[]).map((x) => x.workflowId).filter((w: string) => mineIn.has(w))).toEqual([earlier, wf, `approval-${requestId}`]);
  });
});
