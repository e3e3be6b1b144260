/**
 * The API over HTTP, with the worker, a real Temporal dev server and a real PostgreSQL behind it:
 * a rectification driven to 销号 through the inbox, and every error case of the API.
 */
import { ActionLogSchema, ProcedureSchema } from '../../platform/entities';
import { rectificationReportWorkflowId } from '../../procedures/rectification/messages';
import { workflowIds } from '../helpers/ids';
import { traceOf, inboxTask as inboxTaskOf, newKey, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { loadTestYear, testDate, testYear } from '../helpers/rectification';

const stack = useApiStack();
// Dated in the test year (helpers/rectification.ts), so no due date has passed whenever the test runs.
beforeAll(() => loadTestYear(stack.t.orm));

const key = newKey;

function startBody(feedbackId: string, overrides: Record<string, unknown> = {}) {
  return {
    feedbackId,
    title: '市委第一巡察组反馈意见',
    inspectionGroup: '市委第一巡察组',
    feedbackDate: testDate('11-20'),
    problems: [
      {
        no: '1',
        title: '干部选拔任用程序不规范',
        leadUnitId: 'zzb',
        assignments: [{ unitId: 'jyj', dueDate: testDate('12-31') }],
      },
    ],
    ...overrides,
  };
}

async function startFeedback(feedbackId: string): Promise<string> {
  const r = await stack.h.call('POST', '/procedures/rectification', { token: await stack.h.login('zzb-staff'), key: key(), body: startBody(feedbackId) });
  expect(r.status).toBe(201);
  return workflowIds.rectificationItem(feedbackId, '1', 'jyj');
}

const inboxTask = (user: string, workflowId: string, step: string): Promise<string> => inboxTaskOf(stack.h, user, workflowId, step);

async function actAs(user: string, taskId: string, body: unknown, k = key()) {
  return stack.h.call('POST', `/tasks/${taskId}/actions`, { token: await stack.h.login(user), key: k, body });
}

const submission = {
  action: 'submit',
  comment: '已完成整改',
  data: {
    measures: '修订选人用人工作规程',
    evidence: [{ name: '整改报告', ref: 'doc-001' }],
    institutionalRule: { title: '选人用人工作规程', documentRef: '教党〔2026〕12号' },
  },
};

describe('a rectification driven to 销号 over HTTP', () => {
  test('staff start it, the unit submits, the office reviews, three leaders sign; lists and history follow', async () => {
    const fid = uniqueId('fb');
    const feedbackWf = workflowIds.rectification(fid);
    const wf = await startFeedback(fid);

    const r1 = await actAs('jyj-staff', await inboxTask('jyj-staff', wf, 'submit'), submission);
    expect(r1.status).toBe(200);
    expect(r1.body).toMatchObject({ action: 'submit', status: 'open', stage: 'review', nextTask: { step: 'review', assigneeIds: ['xcb-reviewer'] } });
    // The next assignee's inbox is current when the action returns.
    const inbox = await stack.h.call('GET', '/inbox', { token: await stack.h.login('xcb-reviewer') });
    expect(inbox.body.map((x: { id: string }) => x.id)).toContain(r1.body.nextTask.taskId);

    expect((await actAs('xcb-reviewer', await inboxTask('xcb-reviewer', wf, 'review'), { action: 'pass', comment: '材料齐全' })).status).toBe(200);
    expect((await actAs('jyj-head', await inboxTask('jyj-head', wf, 'unitHead'), { action: 'sign' })).status).toBe(200);
    expect((await actAs('zzb-head', await inboxTask('zzb-head', wf, 'leadDepartment'), { action: 'sign' })).status).toBe(200);
    const last = await actAs('xcb-director', await inboxTask('xcb-director', wf, 'inspectionOffice'), { action: 'sign', comment: '同意销号' });
    expect(last.status).toBe(200);
    expect(last.body).toMatchObject({ status: 'signedOff', stage: 'signedOff', nextTask: null });

    // The 整改报告 is on by default: the feedback closes once jyj's head (jyj has no Party secretary) has reported too.
    const token = await stack.h.login('dc-supervisor');
    const report = rectificationReportWorkflowId(fid, 'jyj');
    expect((await stack.h.call('GET', `/procedures/${feedbackWf}`, { token })).body.procedure.status).toBe('open');
    expect((await actAs('jyj-head', await inboxTask('jyj-head', report, 'report'), { action: 'report', data: { documentRef: '教党〔2026〕13号' } })).status).toBe(200);
    const closed = await eventually(async () => {
      const r = await stack.h.call('GET', `/procedures/${feedbackWf}`, { token });
      return r.body.procedure?.status === 'closed' ? r.body : undefined;
    }, 30_000, 'the feedback to close');
    expect(closed.state).toMatchObject({
      type: 'rectification',
      status: 'closed',
      summary: { items: 1, signedOff: 1, onTime: 1, onTimeRate: 1, reports: { units: 1, submitted: 1, onTime: 1 } },
    });
    expect(closed.procedure.result).toMatchObject({ items: 1, perUnit: [{ unitId: 'jyj', items: 1, onTime: 1 }] });
    expect(closed.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ workflowId: wf, status: 'signedOff', stage: 'signedOff', overdue: false }),
        expect.objectContaining({ workflowId: report, status: 'submitted' }),
      ]),
    );
    expect(closed.items).toHaveLength(2);

    const item = await stack.h.call('GET', `/procedures/${wf}`, { token });
    expect(item.status).toBe(200);
    expect(item.body.state).toMatchObject({ type: 'rectificationItem', status: 'signedOff', institutionalRule: { documentRef: '教党〔2026〕12号' } });

    const history = await stack.h.call('GET', `/procedures/${wf}/actions`, { token });
    expect(history.body.map((a: { actorId: string; action: string }) => `${a.actorId}:${a.action}`)).toEqual([
      'zzb-staff:start',
      'jyj-staff:submit',
      'xcb-reviewer:pass',
      'jyj-head:sign',
      'zzb-head:sign',
      'xcb-director:sign',
    ]);
    expect(history.body[1]).toMatchObject({ step: 'submit', comment: '已完成整改', data: { measures: '修订选人用人工作规程' } });

    const items = await stack.h.call('GET', `/procedures?type=rectificationItem&unit=jyj&status=signedOff&parent=${feedbackWf}`, { token });
    expect(items.body).toMatchObject({ total: 1, items: [{ workflowId: wf, status: 'signedOff', overdue: false }] });
    const none = await stack.h.call('GET', `/procedures?type=rectificationItem&unit=wjw&parent=${feedbackWf}`, { token });
    expect(none.body.total).toBe(0);
    const notOverdue = await stack.h.call('GET', `/procedures?overdue=true&parent=${feedbackWf}`, { token });
    expect(notOverdue.body.total).toBe(0);
  });

  test('the overdue list is for supervisors and staff', async () => {
    const sup = await stack.h.call('GET', '/supervision/overdue', { token: await stack.h.login('dc-supervisor') });
    expect(sup.status).toBe(200);
    expect(Array.isArray(sup.body)).toBe(true);
    const other = await stack.h.call('GET', '/supervision/overdue', { token: await stack.h.login('jyj-head') });
    expect(other.status).toBe(403);
    expect(other.body).toMatchObject({ status: 403, code: 'forbidden' });
  });

  test('the overdue list shows an item the projection marks overdue', async () => {
    const fid = uniqueId('fb');
    const wf = await startFeedback(fid);
    await inboxTask('jyj-staff', wf, 'submit');
    // The deadline itself is covered by the workflow tests; here only the listing is under test.
    await stack.t.orm.em
      .fork()
      .nativeUpdate(ProcedureSchema, { workflowId: wf }, { overdue: true, escalation: { rung: 'warning', at: '2027-01-08T01:00:00.000Z', finalDate: '2027-01-22' } });
    const r = await stack.h.call('GET', '/supervision/overdue', { token: await stack.h.login('dc-supervisor') });
    expect(r.body.find((p: { workflowId: string }) => p.workflowId === wf)).toMatchObject({
      overdue: true,
      escalation: { rung: 'warning', finalDate: '2027-01-22' },
    });
    const listed = await stack.h.call('GET', `/procedures?overdue=true&type=rectificationItem`, { token: await stack.h.login('dc-supervisor') });
    expect(listed.body.items.map((p: { workflowId: string }) => p.workflowId)).toContain(wf);
  });
});

describe('idempotency', () => {
  test('a repeated start returns the first result and starts nothing new', async () => {
    const fid = uniqueId('fb');
    const token = await stack.h.login('zzb-staff');
    const k = key();
    const first = await stack.h.call('POST', '/procedures/rectification', { token, key: k, body: startBody(fid) });
    const again = await stack.h.call('POST', '/procedures/rectification', { token, key: k, body: startBody(fid) });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // Without the key, a second start of the same feedback is a conflict.
    const dup = await stack.h.call('POST', '/procedures/rectification', { token, key: key(), body: startBody(fid) });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ status: 409, code: 'procedure_exists' });
    // The same key for a different request is refused.
    const reused = await stack.h.call('POST', '/procedures/rectification', { token, key: k, body: startBody(uniqueId('fb')) });
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('idempotency_key_reused');
  });

  test('a repeated action returns the first result and writes one row', async () => {
    const wf = await startFeedback(uniqueId('fb'));
    const taskId = await inboxTask('jyj-staff', wf, 'submit');
    const k = key();
    const first = await actAs('jyj-staff', taskId, submission, k);
    const again = await actAs('jyj-staff', taskId, submission, k);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const em = stack.t.orm.em.fork();
    expect(await em.count(ActionLogSchema, { workflowId: wf, action: 'submit' })).toBe(1);
    // Another key for the same task: the task is no longer pending.
    const other = await actAs('jyj-staff', taskId, submission);
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('task_not_pending');
  });
});

describe('errors are JSON problems and never 500s', () => {
  test('authentication', async () => {
    const none = await stack.h.call('GET', '/inbox');
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ status: 401, code: 'unauthenticated', message: expect.any(String) });
    expect((await stack.h.call('GET', '/inbox', { token: 'not-a-token' })).status).toBe(401);
    const wrong = await stack.h.call('POST', '/auth/login', { body: { username: 'zzb-staff', password: 'wrong' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('unauthenticated');
    const missing = await stack.h.call('POST', '/auth/login', { body: { username: 'zzb-staff' } });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toMatch(/^password:/);
  });

  test('malformed bodies give 400 naming the field', async () => {
    const token = await stack.h.login('zzb-staff');
    const post = (body: unknown, rawBody?: string) => stack.h.call('POST', '/procedures/rectification', { token, key: key(), body, rawBody });

    const json = await post(undefined, '{"feedbackId": ');
    expect(json.status).toBe(400);
    expect(json.body.code).toBe('malformed_json');

    const noTitle = await post({ ...startBody(uniqueId('fb')), title: undefined });
    expect(noTitle.status).toBe(400);
    expect(noTitle.body).toMatchObject({ status: 400, code: 'validation_error' });
    expect(noTitle.body.message).toMatch(/^title:/);

    const badDate = await post(startBody(uniqueId('fb'), { feedbackDate: '2026-02-30' }));
    expect(badDate.status).toBe(400);
    expect(badDate.body.message).toMatch(/^feedbackDate:/);

    const nested = await post(startBody(uniqueId('fb'), { problems: [{ no: '1', title: 'x', leadUnitId: 'zzb', assignments: [] }] }));
    expect(nested.status).toBe(400);
    expect(nested.body.message).toMatch(/^problems\[0\]\.assignments:/);

    const extra = await post({ ...startBody(uniqueId('fb')), surprise: 1 });
    expect(extra.status).toBe(400);

    const noKey = await stack.h.call('POST', '/procedures/rectification', { token, body: startBody(uniqueId('fb')) });
    expect(noKey.status).toBe(400);
    expect(noKey.body.code).toBe('idempotency_key_required');

    const badQuery = await stack.h.call('GET', '/procedures?overdue=maybe', { token });
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.message).toMatch(/^overdue:/);
  });

  test('rules refuse well-formed starts with 422 naming the field, and nothing starts', async () => {
    const token = await stack.h.login('zzb-staff');
    const fid = uniqueId('fb');
    const post = (body: unknown) => stack.h.call('POST', '/procedures/rectification', { token, key: key(), body });
    const assignment = (a: Record<string, unknown>) =>
      startBody(fid, { problems: [{ no: '1', title: '问题', leadUnitId: 'zzb', assignments: [{ unitId: 'jyj', ...a }] }] });

    const unknownUnit = await post(assignment({ unitId: 'nope', dueDate: testDate('12-31') }));
    expect(unknownUnit.status).toBe(422);
    expect(unknownUnit.body).toMatchObject({ code: 'unknown_unit', details: { field: 'problems[0].assignments[0].unitId' } });

    const beforeFeedback = await post(assignment({ dueDate: testDate('11-01') }));
    expect(beforeFeedback.status).toBe(422);
    expect(beforeFeedback.body).toMatchObject({ code: 'invalid_due_date', details: { field: 'problems[0].assignments[0].dueDate' } });

    // The default for a 'normal' problem is 6 months on, in the year after the test year, for which the calendar has no data.
    const uncovered = await post(assignment({}));
    expect(uncovered.status).toBe(422);
    expect(uncovered.body.code).toBe('calendar_not_covered');
    expect(uncovered.body.message).toContain(String(testYear() + 1));

    const notStaff = await stack.h.call('POST', '/procedures/rectification', { token: await stack.h.login('jyj-head'), key: key(), body: startBody(fid) });
    expect(notStaff.status).toBe(403);

    const list = await stack.h.call('GET', `/procedures?parent=${workflowIds.rectification(fid)}`, { token });
    expect(list.body.total).toBe(0);
    expect(await stack.t.orm.em.fork().count(ProcedureSchema, { workflowId: workflowIds.rectification(fid) })).toBe(0);
  });

  test('unknown ids give 404', async () => {
    const token = await stack.h.login('dc-supervisor');
    const proc = await stack.h.call('GET', '/procedures/rectification-nope', { token });
    expect(proc.status).toBe(404);
    expect(proc.body).toMatchObject({ status: 404, code: 'procedure_not_found' });
    expect((await stack.h.call('GET', '/procedures/rectification-nope/actions', { token })).status).toBe(404);
    const task = await actAs('jyj-staff', 'rectification-nope:1', submission);
    expect(task.status).toBe(404);
    expect(task.body.code).toBe('task_not_found');
    const route = await stack.h.call('GET', '/no/such/route', { token });
    expect(route.status).toBe(404);
    expect(route.body.code).toBe('not_found');
  });

  test('refused actions give 4xx and leave nothing in the database', async () => {
    const wf = await startFeedback(uniqueId('fb'));
    const taskId = await inboxTask('jyj-staff', wf, 'submit');
    const before = await traceOf(stack.t, wf);

    // Another unit's staff do not see the item at all (api/authz.ts): 404, as for an unknown task.
    const otherUnit = await actAs('wjw-staff', taskId, submission);
    expect(otherUnit.status).toBe(404);
    expect(otherUnit.body.code).toBe('task_not_found');
    // The organization department sees it, but the task is not theirs: the workflow's validator refuses.
    const notYours = await actAs('zzb-staff', taskId, submission);
    expect(notYours.status).toBe(403);
    expect(notYours.body.code).toBe('not_assignee');

    const wrongAction = await actAs('jyj-staff', taskId, { action: 'pass' });
    expect(wrongAction.status).toBe(422);
    expect(wrongAction.body).toMatchObject({ code: 'action_not_allowed', details: { step: 'submit', allowed: ['submit', 'transfer'] } });

    const noReason = await actAs('jyj-staff', taskId, { action: 'return' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.message).toMatch(/^comment:/);

    const noEvidence = await actAs('jyj-staff', taskId, { action: 'submit', data: { measures: 'x', evidence: [] } });
    expect(noEvidence.status).toBe(400);
    expect(noEvidence.body.message).toMatch(/^data\.evidence:/);

    // No action row, audit entry, history event or idempotency record.
    expect(await traceOf(stack.t, wf)).toEqual(before);
    const state = await stack.h.call('GET', `/procedures/${wf}`, { token: await stack.h.login('jyj-staff') });
    expect(state.body.state.actions.map((a: { action: string }) => a.action)).toEqual(['start']);
    expect(state.body.state.currentTask.taskId).toBe(taskId);
  });

  test('a list filter naming an unknown type or status is a 400 naming the field, not an empty list', async () => {
    const token = await stack.h.login('zzb-staff');
    const type = await stack.h.call('GET', '/procedures?type=rectificationItems', { token });
    expect(type.status).toBe(400);
    expect(type.body).toMatchObject({ code: 'validation_error', details: { field: 'type' } });
    const status = await stack.h.call('GET', '/procedures?type=rectificationItem&status=approved', { token });
    expect(status.status).toBe(400);
    expect(status.body).toMatchObject({ code: 'validation_error', details: { field: 'status' } });
    expect((await stack.h.call('GET', '/procedures?type=approvalRequest&status=approved', { token })).status).toBe(200);
  });

  test('a NUL or a lone surrogate is refused before anything is recorded, and the worker keeps running', async () => {
    const wf = await startFeedback(uniqueId('fb'));
    const taskId = await inboxTask('jyj-staff', wf, 'submit');
    const before = await traceOf(stack.t, wf);
    // Either string, echoed into a refusal or accepted into a projection, used to stop the worker or the item.
    const surrogate = await stack.h.call('POST', `/procedures/${wf}/actions`, { token: await stack.h.login('zzb-staff'), key: key(), body: { action: 'urge', taskId: '\ud800', comment: 'c' } });
    expect(surrogate.status).toBe(400);
    expect(surrogate.body).toMatchObject({ code: 'invalid_text', details: { field: 'taskId' } });
    const nul = await actAs('jyj-staff', taskId, { ...submission, comment: 'ok\u0000' });
    expect(nul.status).toBe(400);
    expect(nul.body).toMatchObject({ code: 'invalid_text', details: { field: 'comment' } });
    expect(JSON.stringify([surrogate.body, nul.body])).not.toMatch(/\\u0000|\\ud800/);
    expect(await traceOf(stack.t, wf)).toEqual(before);
    // The worker is still there: the same task can be acted on.
    expect((await actAs('jyj-staff', taskId, submission)).status).toBe(200);
  });

  test('销号 without an institutional rule or a reason is refused with 422', async () => {
    const wf = await startFeedback(uniqueId('fb'));
    const { institutionalRule: _omit, ...dataWithoutRule } = submission.data;
    await actAs('jyj-staff', await inboxTask('jyj-staff', wf, 'submit'), { ...submission, data: dataWithoutRule });
    await actAs('xcb-reviewer', await inboxTask('xcb-reviewer', wf, 'review'), { action: 'pass' });
    await actAs('jyj-head', await inboxTask('jyj-head', wf, 'unitHead'), { action: 'sign' });
    await actAs('zzb-head', await inboxTask('zzb-head', wf, 'leadDepartment'), { action: 'sign' });
    const final = await inboxTask('xcb-director', wf, 'inspectionOffice');
    const refused = await actAs('xcb-director', final, { action: 'sign' });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('institutional_rule_required');
    const ok = await actAs('xcb-director', final, { action: 'sign', data: { noRuleReason: '现行制度已覆盖' } });
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('signedOff');
  });
});

test('the OpenAPI document is generated from the validation schemas, and the docs page is served', async () => {
  const doc = await stack.h.call('GET', '/openapi.json');
  expect(doc.status).toBe(200);
  expect(doc.body.openapi).toBe('3.1.0');
  expect(Object.keys(doc.body.paths)).toEqual(
    expect.arrayContaining(['/auth/login', '/procedures/rectification', '/procedures', '/procedures/{workflowId}', '/inbox', '/tasks/{taskId}/actions']),
  );
  const startSchema = doc.body.components.schemas.StartRectification;
  expect(startSchema.required).toEqual(expect.arrayContaining(['feedbackId', 'title', 'feedbackDate', 'problems']));
  const docs = await fetch(`${stack.api.baseUrl}/docs/`);
  expect(docs.status).toBe(200);
  expect(await docs.text()).toMatch(/swagger/i);
});
