/**
 * Acting from the supervision board over HTTP: bulk 催办 over a filter, reassigning a stuck task, the
 * watch list (挂账督办); each action's effect, its record, and refusals that leave nothing behind.
 */
import { ActionLogSchema, AuditLogSchema, NotificationSchema } from '../../platform/entities';
import { newKey, traceOf, useApiStack } from '../helpers/api';
import { uniqueId } from '../helpers/env';
import { dueInWorkingDays, setDue, startItem } from '../helpers/supervision';

const stack = useApiStack();

async function supervisionActions(): Promise<{ id: string; kind: string; result: unknown; filter: unknown; comment: string | null }[]> {
  return stack.t.orm.em.fork().getConnection().execute('select id, kind, result, filter, comment from supervision_action order by at');
}

describe('acting from the supervision board', () => {
  let jyjWf: string;
  let wjwWf: string;

  beforeAll(async () => {
    jyjWf = await startItem(stack.h, uniqueId('fb'), 'jyj');
    wjwWf = await startItem(stack.h, uniqueId('fb'), 'wjw');
    await setDue(stack.t, jyjWf, dueInWorkingDays(-6), { overdue: true, rung: 'warning' });
    await setDue(stack.t, wjwWf, dueInWorkingDays(-1), { overdue: true, rung: 'supervisionNotice' });
  });

  test('a refused bulk urge (not a supervisor, no comment) sends and records nothing', async () => {
    const before = await traceOf(stack.t, jyjWf);
    const staff = await stack.h.call('POST', '/supervision/urge', { token: await stack.h.login('zzb-staff'), key: newKey(), body: { comment: '请抓紧办理' } });
    expect(staff.status).toBe(403);
    const noComment = await stack.h.call('POST', '/supervision/urge', { token: await stack.h.login('dc-supervisor'), key: newKey(), body: { filter: {} } });
    expect(noComment.status).toBe(400);
    expect(noComment.body.message).toMatch(/^comment:/);
    const badFilter = await stack.h.call('POST', '/supervision/urge', { token: await stack.h.login('dc-supervisor'), key: newKey(), body: { comment: 'x', filter: { rung: 'high' } } });
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.message).toMatch(/^filter\.rung:/);
    expect(await traceOf(stack.t, jyjWf)).toEqual(before);
    expect(await supervisionActions()).toEqual([]);
  });

  test('bulk 催办 urges every item under the filter, with one comment, and counts the results', async () => {
    const token = await stack.h.login('dc-supervisor');
    const r = await stack.h.call('POST', '/supervision/urge', { token, key: newKey(), body: { filter: { rung: 'warning' }, comment: '请于本周内办结' } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      matched: 1,
      urged: 1,
      refused: {},
      failed: 0,
      items: [{ workflowId: jyjWf, taskId: expect.stringMatching(new RegExp(`^${jyjWf}:`)), outcome: 'urged', notified: ['jyj-staff'] }],
    });
    const em = stack.t.orm.em.fork();
    // The workflow recorded the urge, and the assignee was notified with the comment; the other unit's item was not urged.
    expect(await em.count(ActionLogSchema, { workflowId: jyjWf, action: 'urge', actorId: 'dc-supervisor', comment: '请于本周内办结' })).toBe(1);
    expect(await em.count(ActionLogSchema, { workflowId: wjwWf, action: 'urge' })).toBe(0);
    const notes = await em.find(NotificationSchema, { userId: 'jyj-staff', workflowId: jyjWf, kind: 'urge' });
    expect(notes.map((n) => n.message)).toEqual([expect.stringContaining('请于本周内办结')]);
    expect(await supervisionActions()).toEqual([
      { id: expect.stringMatching(/^bulkUrge:dc-supervisor:/), kind: 'bulkUrge', filter: { rung: 'warning', dueWithin: 3 }, comment: '请于本周内办结', result: { matched: 1, urged: 1, refused: {}, failed: 0 } },
    ]);
  });

  test('reassigning a task: supervisors only, with a reason; refusals leave no trace; a supervisor’s transfer hands the task on, recorded', async () => {
    const taskId = (await stack.t.orm.em.fork().getConnection().execute<{ id: string }[]>(`select id from task where workflow_id = ? and status = 'pending'`, [wjwWf]))[0]?.id;
    expect(taskId).toBeDefined();
    const before = await traceOf(stack.t, wjwWf);
    const path = `/supervision/tasks/${taskId}/reassign`;
    const head = await stack.h.call('POST', path, { token: await stack.h.login('wjw-head'), key: newKey(), body: { targetUserId: 'jyj-staff', reason: '原经办人调离' } });
    expect(head.status).toBe(403);
    const noReason = await stack.h.call('POST', path, { token: await stack.h.login('dc-supervisor'), key: newKey(), body: { targetUserId: 'jyj-staff' } });
    expect(noReason.status).toBe(400);
    expect(noReason.body.message).toMatch(/^reason:/);
    const nobody = await stack.h.call('POST', path, { token: await stack.h.login('dc-supervisor'), key: newKey(), body: { targetUserId: 'nobody', reason: '原经办人调离' } });
    expect(nobody).toMatchObject({ status: 422, body: { code: 'unknown_user' } });
    // A blank reason is the kernel's refusal (the schema's text() allows whitespace): nothing recorded.
    const blank = await stack.h.call('POST', path, { token: await stack.h.login('dc-supervisor'), key: newKey(), body: { targetUserId: 'jyj-staff', reason: '  ' } });
    expect(blank.status).toBeGreaterThanOrEqual(400);
    expect(blank.status).toBeLessThan(500);
    expect(await traceOf(stack.t, wjwWf)).toEqual(before);
    expect((await supervisionActions()).filter((a) => a.kind === 'reassign')).toEqual([]);

    const sup = await stack.h.call('POST', path, { token: await stack.h.login('dc-supervisor'), key: newKey(), body: { targetUserId: 'wjw-head', reason: '原经办人调离' } });
    expect(sup.status).toBe(200);
    expect(sup.body.nextTask).toMatchObject({ assigneeIds: ['wjw-head'] });
    const em = stack.t.orm.em.fork();
    const [transfer] = await em.find(ActionLogSchema, { workflowId: wjwWf, action: 'transfer' });
    expect(transfer).toMatchObject({ actorId: 'dc-supervisor', comment: '原经办人调离', taskId });
    expect((await supervisionActions()).filter((a) => a.kind === 'reassign')).toEqual([
      expect.objectContaining({ comment: '原经办人调离', result: { from: ['wjw-staff'], to: 'wjw-head' } }),
    ]);
    // The new assignee has it in the inbox; the old one no longer does.
    const inbox = async (u: string) => ((await stack.h.call('GET', '/inbox', { token: await stack.h.login(u) })).body as { workflowId: string }[]).filter((t) => t.workflowId === wjwWf);
    expect(await inbox('wjw-head')).toHaveLength(1);
    expect(await inbox('wjw-staff')).toHaveLength(0);
  });

  test('the watch list (挂账督办): on and off, in the audit chain, on the board; repeats change nothing; refusals leave nothing', async () => {
    const token = await stack.h.login('dc-supervisor');
    const path = `/supervision/watch/${wjwWf}`;
    const auditCount = () => stack.t.orm.em.fork().count(AuditLogSchema, { workflowId: wjwWf });
    const before = await auditCount();

    expect((await stack.h.call('PUT', path, { token: await stack.h.login('jyj-head'), key: newKey(), body: {} })).status).toBe(403);
    expect((await stack.h.call('PUT', '/supervision/watch/rectification-nope-p1-jyj', { token, key: newKey(), body: {} })).status).toBe(404);
    expect(await auditCount()).toBe(before);

    const on = await stack.h.call('PUT', path, { token, key: newKey(), body: { comment: '连续两次逾期' } });
    expect(on).toMatchObject({ status: 200, body: { workflowId: wjwWf, watched: true, changed: true } });
    const again = await stack.h.call('PUT', path, { token, key: newKey(), body: {} });
    expect(again.body).toMatchObject({ watched: true, changed: false });
    expect(await auditCount()).toBe(before + 1);

    const board = await stack.h.call('GET', '/supervision/board?watched=true', { token });
    expect(board.body.groups).toEqual([expect.objectContaining({ unitId: 'wjw', watched: 1 })]);
    const list = await stack.h.call('GET', '/supervision/watch', { token });
    expect(list.body).toEqual([expect.objectContaining({ workflowId: wjwWf, watchedBy: 'dc-supervisor', comment: '连续两次逾期', procedure: expect.objectContaining({ workflowId: wjwWf }) })]);

    const off = await stack.h.call('DELETE', path, { token, key: newKey() });
    expect(off).toMatchObject({ status: 200, body: { watched: false, changed: true } });
    expect((await stack.h.call('GET', '/supervision/board?watched=true', { token })).body.groups).toEqual([]);

    const audit = await stack.h.call('GET', `/procedures/${wjwWf}/audit`, { token });
    expect(audit.body.slice(-2).map((e: { kind: string; actorId: string; payload: unknown }) => [e.kind, e.actorId, e.payload])).toEqual([
      ['supervision:watch', 'dc-supervisor', { comment: '连续两次逾期' }],
      ['supervision:unwatch', 'dc-supervisor', { comment: null }],
    ]);
    const verify = await stack.h.call('GET', `/procedures/${wjwWf}/audit/verify`, { token });
    expect(verify.body).toMatchObject({ ok: true });
    expect((await supervisionActions()).filter((a) => a.kind === 'watch' || a.kind === 'unwatch').map((a) => a.kind)).toEqual(['watch', 'unwatch']);
  });

  test('concurrent repeats of a bulk urge and of a watch under one Idempotency-Key run once and answer alike', async () => {
    const wf = await startItem(stack.h, uniqueId('fb'), 'jyj');
    await setDue(stack.t, wf, dueInWorkingDays(-20), { overdue: true, rung: 'accountability' });
    const token = await stack.h.login('dc-supervisor');
    const alike = (rs: { status: number; body: unknown }[]) => {
      for (const r of rs) expect(r).toMatchObject({ status: 200, body: rs[0]?.body });
    };

    const urgeKey = newKey();
    const urges = await Promise.all(
      Array.from({ length: 8 }, () => stack.h.call('POST', '/supervision/urge', { token, key: urgeKey, body: { filter: { rung: 'accountability' }, comment: '限期办结' } })),
    );
    alike(urges);
    expect(urges[0]?.body).toMatchObject({ matched: 1, urged: 1 });
    const em = stack.t.orm.em.fork();
    expect(await em.count(ActionLogSchema, { workflowId: wf, action: 'urge' })).toBe(1);
    expect((await supervisionActions()).filter((a) => a.id === `bulkUrge:dc-supervisor:${urgeKey}`)).toHaveLength(1);

    const watchKey = newKey();
    const watches = await Promise.all(Array.from({ length: 8 }, () => stack.h.call('PUT', `/supervision/watch/${wf}`, { token, key: watchKey, body: { comment: '问责' } })));
    alike(watches);
    expect(watches[0]?.body).toMatchObject({ watched: true, changed: true });
    expect(await em.count(AuditLogSchema, { workflowId: wf, kind: 'supervision:watch' })).toBe(1);
  });
});
