/**
 * A fan-out opens its children in bulk (kernel/fanout.ts `open`): every item's first task is in its inbox
 * before the items have started, an action or a read on an item not started yet has its parent start it
 * then, and each item runs on the very tasks its parent projected.
 */
import { temporal } from '@temporalio/proto';
import type { TaskView } from '../../procedures/kernel/messages';
import { stateQuery } from '../../procedures/kernel/messages';
import { workflowIds } from '../helpers/ids';
import { inboxTask, newKey, useApiStack } from '../helpers/api';
import { decodedHistory, maybeRecordHistory } from '../helpers/histories';
import { eventually, uniqueId } from '../helpers/env';
import { insertUnits } from '../helpers/units';
import { loadTestYear, testDate } from '../helpers/rectification';

/** Enough that the last items start seconds after the first tasks are all written (batches of 100). */
const UNITS = 300;
const PREFIX = 'fo-open-';
let units: string[] = [];
const stack = useApiStack(async (t) => {
  // The feedbacks are dated in the test year (helpers/rectification), so no item is overdue by the real clock.
  await loadTestYear(t.orm);
  units = await insertUnits(t.orm.em.fork(), PREFIX, UNITS);
});

const pendingSubmits = async (feedbackId: string): Promise<{ id: string; workflow_id: string; assignee_ids: string[] }[]> =>
  stack.t.orm.em
    .getConnection()
    .execute(`select id, workflow_id, assignee_ids from task where step = 'submit' and status = 'pending' and starts_with(workflow_id, ?) order by workflow_id`, [`rectification-${feedbackId}-`]);

const { EventType } = temporal.api.enums.v1;

/** The workflow's history events of one type. */
async function events(workflowId: string, type: temporal.api.enums.v1.EventType): Promise<temporal.api.history.v1.IHistoryEvent[]> {
  const h = await decodedHistory(stack.t.env.client.workflow.getHandle(workflowId));
  return (h.events ?? []).filter((e) => e.eventType === type);
}

test('every first task is in its inbox before the items start; acting on one not started yet starts it, once, on the same task', async () => {
  const fid = uniqueId('fb');
  const feedback = workflowIds.rectification(fid);
  const r = await stack.h.call('POST', '/procedures/rectification', {
    token: await stack.h.login('zzb-staff'),
    key: newKey(),
    body: {
      feedbackId: fid,
      title: '全覆盖整改',
      inspectionGroup: '市委第一巡察组',
      feedbackDate: testDate('11-20'),
      problems: [{ no: '1', title: '全覆盖整改', difficulty: 'normal', leadUnitId: 'zzb', assignments: units.map((unitId) => ({ unitId, dueDate: testDate('12-31') })) }],
      report: false,
    },
  });
  expect(r.status).toBe(201);

  const tasks = await eventually(async () => {
    const rows = await pendingSubmits(fid);
    return rows.length === UNITS ? rows : undefined;
  }, 60_000, 'every item\'s first task');

  // The last unit's item: its first task is in the inbox, and (in batches of 100) it has not started yet.
  const lastUnit = units[UNITS - 1] as string;
  const last = workflowIds.rectificationItem(fid, '1', lastUnit);
  const task = tasks.find((x) => x.workflow_id === last);
  expect(task?.assignee_ids).toEqual([`${lastUnit}-staff`]);
  const inbox = await stack.h.call('GET', '/inbox', { token: await stack.h.login(`${lastUnit}-staff`) });
  expect((inbox.body as { id: string }[]).map((x) => x.id)).toContain(task?.id);

  const acted = await stack.h.call('POST', `/tasks/${task?.id}/actions`, {
    token: await stack.h.login(`${lastUnit}-staff`),
    key: newKey(),
    body: { action: 'submit', comment: '已完成整改', data: { measures: '修订制度', evidence: [{ name: '整改报告', ref: 'doc-1' }], noRuleReason: '已有制度' } },
  });
  expect(acted.status).toBe(200);
  expect(acted.body).toMatchObject({ taskId: task?.id, stage: 'review' });

  // The parent started it ahead of its turn, at the action's request.
  const asked = await events(feedback, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
  expect(asked.map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name)).toContain('startChild');

  // A read of another item not started yet answers its live state too.
  const other = workflowIds.rectificationItem(fid, '1', units[UNITS - 2] as string);
  const read = await stack.h.call('GET', `/procedures/${other}`, { token: await stack.h.login('zzb-staff') });
  expect(read.status).toBe(200);
  expect((read.body as { state: { workflowId: string } }).state.workflowId).toBe(other);

  // Every item starts in the end, each once, and runs on the task its parent projected: same id, same assignees.
  await eventually(async () => {
    const s = (await stack.t.env.client.workflow.getHandle(feedback).query(stateQuery)) as { progress: { started: number; total: number } };
    return s.progress.started >= s.progress.total ? true : undefined;
  }, 120_000, 'every item started');
  const first = workflowIds.rectificationItem(fid, '1', units[0] as string);
  const live = (await stack.t.env.client.workflow.getHandle(first).query(stateQuery)) as { openTasks: TaskView[]; actions: unknown[] };
  const projected = tasks.find((x) => x.workflow_id === first);
  expect(live.openTasks.map((x) => [x.taskId, x.assigneeIds])).toEqual([[projected?.id, projected?.assignee_ids]]);
  expect(await events(first, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)).toHaveLength(1);
  // The acted item: one action row, and its audit chain (the start and the task written by the parent, the
  // action by the item) verifies.
  const actions = await stack.h.call('GET', `/procedures/${last}/actions`, { token: await stack.h.login('zzb-staff') });
  expect((actions.body as { action: string }[]).map((a) => a.action)).toEqual(['start', 'submit']);
  const verify = await stack.h.call('GET', `/procedures/${last}/audit/verify`, { token: await stack.h.login('zzb-staff') });
  expect(verify.status).toBe(200);
  expect(verify.body).toMatchObject({ ok: true });
});

test('an item its feedback opened runs to 销号 like any other, and the feedback closes (histories recorded for replay)', async () => {
  const fid = uniqueId('fb');
  const feedback = workflowIds.rectification(fid);
  const unit = units[0] as string;
  const item = workflowIds.rectificationItem(fid, '1', unit);
  const started = await stack.h.call('POST', '/procedures/rectification', {
    token: await stack.h.login('zzb-staff'),
    key: newKey(),
    body: {
      feedbackId: fid,
      title: '巡察反馈',
      inspectionGroup: '市委第一巡察组',
      feedbackDate: testDate('11-20'),
      problems: [{ no: '1', title: '干部选拔任用程序不规范', difficulty: 'normal', leadUnitId: 'zzb', assignments: [{ unitId: unit, dueDate: testDate('12-31') }] }],
      report: false,
    },
  });
  expect(started.status).toBe(201);
  const act = async (user: string, step: string, body: Record<string, unknown>): Promise<void> => {
    const taskId = await inboxTask(stack.h, user, item, step);
    const r = await stack.h.call('POST', `/tasks/${taskId}/actions`, { token: await stack.h.login(user), key: newKey(), body });
    expect(r.status).toBe(200);
  };
  await act(`${unit}-staff`, 'submit', { action: 'submit', comment: '已完成整改', data: { measures: '修订制度', evidence: [{ name: '整改报告', ref: 'doc-1' }], noRuleReason: '已有制度' } });
  await act('xcb-reviewer', 'review', { action: 'pass', comment: '材料齐全' });
  await act(`${unit}-head`, 'unitHead', { action: 'sign', comment: '同意' });
  await act('zzb-head', 'leadDepartment', { action: 'sign', comment: '同意' });
  await act('xcb-director', 'inspectionOffice', { action: 'sign', comment: '销号' });

  const closed = await stack.t.env.client.workflow.getHandle(feedback).result();
  expect(closed).toMatchObject({ items: 1, signedOff: 1 });
  // The item's opening was its feedback's: its first task was never opened by the item itself.
  const itemStart = (await events(item, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED))[0];
  const data = itemStart?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
  const input = JSON.parse(Buffer.from(data ?? []).toString()) as { opened?: { step: { key: string } } };
  expect(input.opened?.step.key).toBe('submit');
  const actions = await stack.h.call('GET', `/procedures/${item}/actions`, { token: await stack.h.login('zzb-staff') });
  expect((actions.body as { action: string }[]).map((a) => a.action)).toEqual(['start', 'submit', 'pass', 'sign', 'sign', 'sign']);
  await maybeRecordHistory('rectification-feedback-opened.json', stack.t.env.client.workflow.getHandle(feedback));
  await maybeRecordHistory('rectification-item-opened.json', stack.t.env.client.workflow.getHandle(item));
});
