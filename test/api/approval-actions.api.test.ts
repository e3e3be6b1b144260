/**
 * The approval actions on a rectification item over HTTP: transfer (转办), add a signer (加签),
 * return to an earlier step, urge (催办), copy (抄送) and withdraw (撤回), with their refusals.
 */
import { NotificationSchema } from '../../platform/entities';
import { maybeRecordHistory } from '../helpers/histories';
import { workflowIds } from '../helpers/ids';
import { inboxTask as inboxTaskOf, newKey, useApiStack } from '../helpers/api';
import { uniqueId } from '../helpers/env';
import { loadTestYear, testDate } from '../helpers/rectification';


// The feedbacks are dated in the test year (helpers/rectification), so no item is overdue by the real clock.
const stack = useApiStack((t) => loadTestYear(t.orm));

const key = newKey;

async function startItem(): Promise<string> {
  const fid = uniqueId('fb');
  const r = await stack.h.call('POST', '/procedures/rectification', {
    token: await stack.h.login('zzb-staff'),
    key: key(),
    body: {
      feedbackId: fid,
      title: '审批动作',
      inspectionGroup: '市委第四巡察组',
      feedbackDate: testDate('11-20'),
      problems: [{ no: '1', title: '问题', leadUnitId: 'zzb', assignments: [{ unitId: 'jyj', dueDate: testDate('12-31') }] }],
    },
  });
  expect(r.status).toBe(201);
  return workflowIds.rectificationItem(fid, '1', 'jyj');
}

const inboxTask = (user: string, workflowId: string, step: string): Promise<string> => inboxTaskOf(stack.h, user, workflowId, step);

const act = async (user: string, taskId: string, body: unknown) => stack.h.call('POST', `/tasks/${taskId}/actions`, { token: await stack.h.login(user), key: key(), body });
const manage = async (user: string, wf: string, body: unknown) => stack.h.call('POST', `/procedures/${wf}/actions`, { token: await stack.h.login(user), key: key(), body });
const submission = { action: 'submit', data: { measures: '措施', evidence: [{ name: '报告', ref: 'doc-1' }], noRuleReason: '已有制度' } };

test('transfer, add a signer and return to an earlier step, over HTTP', async () => {
  const wf = await startItem();
  expect((await act('jyj-staff', await inboxTask('jyj-staff', wf, 'submit'), submission)).status).toBe(200);
  expect((await act('xcb-reviewer', await inboxTask('xcb-reviewer', wf, 'review'), { action: 'pass' })).status).toBe(200);
  const head = await inboxTask('jyj-head', wf, 'unitHead');

  const toSelf = await act('jyj-head', head, { action: 'transfer', targetUserId: 'jyj-head' });
  expect(toSelf.status).toBe(422);
  expect(toSelf.body.code).toBe('invalid_target');
  const nobody = await act('jyj-head', head, { action: 'transfer', targetUserId: 'no-such-user' });
  expect(nobody.status).toBe(422);
  expect(nobody.body).toMatchObject({ code: 'unknown_user', details: { field: 'targetUserId' } });
  const noPosition = await act('jyj-head', head, { action: 'addSigner', targetUserId: 'wjw-head' });
  expect(noPosition.status).toBe(400);
  expect(noPosition.body.message).toMatch(/^position:/);

  const added = await act('jyj-head', head, { action: 'addSigner', targetUserId: 'wjw-head', position: 'before', comment: '请分管领导先签' });
  expect(added.status).toBe(200);
  expect(added.body.openTasks.map((x: { assigneeIds: string[] }) => x.assigneeIds)).toEqual([['wjw-head']]);
  const back = await act('wjw-head', await inboxTask('wjw-head', wf, 'unitHead'), { action: 'transfer', targetUserId: 'zzb-head' });
  expect(back.status).toBe(200);
  expect(back.body.nextTask).toMatchObject({ step: 'unitHead', assigneeIds: ['zzb-head'] });

  const ret = await act('zzb-head', back.body.nextTask.taskId, { action: 'return', returnTo: 'review', comment: '请复核' });
  expect(ret.status).toBe(200);
  expect(ret.body.nextTask).toMatchObject({ step: 'review', round: 2 });

  const history = await stack.h.call('GET', `/procedures/${wf}/actions`, { token: await stack.h.login('dc-supervisor') });
  expect(history.body.map((a: { actorId: string; action: string }) => `${a.actorId}:${a.action}`)).toEqual([
    'zzb-staff:start',
    'jyj-staff:submit',
    'xcb-reviewer:pass',
    'jyj-head:addSigner',
    'wjw-head:transfer',
    'zzb-head:return',
  ]);

  // On to 销号, so that the recorded history (转办, 加签 and a return, replayed by test/workflows/replay.test.ts) runs to completion.
  for (const [user, step, action] of [
    ['xcb-reviewer', 'review', 'pass'],
    ['jyj-head', 'unitHead', 'sign'],
    ['zzb-head', 'leadDepartment', 'sign'],
    ['xcb-director', 'inspectionOffice', 'sign'],
  ] as const) {
    expect((await act(user, await inboxTask(user, wf, step), { action })).status).toBe(200);
  }
  const handle = stack.t.env.client.workflow.getHandle(wf);
  await handle.result();
  await maybeRecordHistory('rectification-item-reassigned.json', handle);
});

test('urge and copy notify people; withdraw works only before anyone acts', async () => {
  const wf = await startItem();
  const submit = await inboxTask('jyj-staff', wf, 'submit');

  const notSupervisor = await manage('jyj-head', wf, { action: 'urge', taskId: submit });
  expect(notSupervisor.status).toBe(403);
  expect(notSupervisor.body.code).toBe('not_allowed');
  const urged = await manage('dc-supervisor', wf, { action: 'urge', taskId: submit, comment: '请尽快提交' });
  expect(urged.status).toBe(200);
  expect(urged.body).toMatchObject({ action: 'urge', status: 'open', notified: ['jyj-staff'] });
  const notes = await stack.h.call('GET', '/notifications', { token: await stack.h.login('jyj-staff') });
  expect(notes.body.filter((n: { workflowId: string; kind: string }) => n.workflowId === wf && n.kind === 'urge')).toHaveLength(1);

  const copied = await manage('jyj-staff', wf, { action: 'copy', userIds: ['jyj-head'] });
  expect(copied.status).toBe(200);
  expect(await stack.t.orm.em.fork().count(NotificationSchema, { workflowId: wf, kind: 'copy', userId: 'jyj-head' })).toBe(1);
  const badCopy = await manage('jyj-staff', wf, { action: 'copy', userIds: [] });
  expect(badCopy.status).toBe(400);
  expect(badCopy.body.message).toMatch(/^userIds:/);
  // A user master data does not have: 422 naming the field, not the id; nobody is notified.
  expect((await manage('jyj-staff', wf, { action: 'copy', userIds: ['jyj-head', 'nobody'] })).body).toMatchObject({ status: 422, code: 'unknown_user', message: 'userIds: a user does not exist', details: { field: 'userIds' } });
  expect(await stack.t.orm.em.fork().count(NotificationSchema, { workflowId: wf, kind: 'copy', userId: 'jyj-head' })).toBe(1);

  const notInitiator = await manage('jyj-staff', wf, { action: 'withdraw' });
  expect(notInitiator.status).toBe(409);
  expect(notInitiator.body.code).toBe('cannot_withdraw');
  const withdrawn = await manage('zzb-staff', wf, { action: 'withdraw', comment: '并入其他问题' });
  expect(withdrawn.status).toBe(200);
  expect(withdrawn.body.status).toBe('withdrawn');
  const afterwards = await act('jyj-staff', submit, submission);
  expect(afterwards.status).toBe(409);
  const handle = stack.t.env.client.workflow.getHandle(wf);
  await handle.result();
  await maybeRecordHistory('rectification-item-withdrawn.json', handle);

  const unknown = await manage('zzb-staff', 'rectification-nope', { action: 'withdraw' });
  expect(unknown.status).toBe(404);
});
