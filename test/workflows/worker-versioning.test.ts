/**
 * Safe deploys with Worker Versioning, on the real dev server: two builds of one Worker Deployment poll
 * one task queue. A procedure started while v1 is current is pinned to v1 and finishes there after v2
 * has become current, while a procedure started afterwards runs on v2. The proof is the server's
 * record: describe()'s versioning info and the worker identity of every completed workflow task.
 */
import type { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import type { WorkflowHandle } from '@temporalio/client';
import { createWorker } from '../../worker/worker';
import { resolveAssignees } from '../../api/assignees';
import type { approvalRequest } from '../../procedures/approval-request/approval-request.workflow';
import type { ApprovalRequestState, ApprovalStepInput } from '../../procedures/approval-request/messages';
import { actUpdate, stateQuery } from '../../procedures/kernel/messages';
import { workflowIds } from '../helpers/ids';
import { eventually, setupTestEnv, uniqueId, type TestEnv } from '../helpers/env';

const { EventType } = temporal.api.enums.v1;
const { VersioningBehavior } = temporal.api.enums.v1;

let t: TestEnv;
const taskQueue = uniqueId('tq');
const deploymentName = uniqueId('tingjin');
const running: { worker: Worker; done: Promise<void> }[] = [];

beforeAll(async () => {
  t = await setupTestEnv();
});
afterAll(async () => {
  for (const r of running) if (r.worker.getState() === 'RUNNING') r.worker.shutdown();
  await Promise.all(running.map((r) => r.done));
  await t?.teardown();
});

/** A worker of build `buildId`, named after it in every history it writes to. */
async function startVersion(buildId: string): Promise<Worker> {
  const worker = await createWorker({
    connection: t.env.nativeConnection,
    namespace: 'default',
    taskQueue,
    orm: t.orm,
    workflowBundle: t.bundle,
    identity: `worker-${buildId}`,
    deployment: { deploymentName, buildId, defaultVersioningBehavior: 'PINNED' },
  });
  running.push({ worker, done: worker.run() });
  return worker;
}

const describeDeployment = async () => (await t.env.client.workflowService.describeWorkerDeployment({ namespace: 'default', deploymentName })).workerDeploymentInfo;

/**
 * `temporal worker deployment set-current-version`: refused until the server has seen the build's
 * pollers on the task queue, so it waits for the version to be listed and retries until it is accepted.
 */
async function makeCurrent(buildId: string): Promise<void> {
  await eventually(async () => ((await describeDeployment().catch(() => null))?.versionSummaries?.some((v) => v.deploymentVersion?.buildId === buildId) ? true : undefined), 30_000, `${buildId} listed`);
  await eventually(
    async () => {
      try {
        await t.env.client.workflowService.setWorkerDeploymentCurrentVersion({ namespace: 'default', deploymentName, buildId, identity: 'worker-versioning.test' });
        return true;
      } catch {
        return undefined;
      }
    },
    30_000,
    `${buildId} current`,
  );
  expect((await describeDeployment())?.routingConfig?.currentDeploymentVersion?.buildId).toBe(buildId);
}

/** Two signatures of the head of 组织部: an action while v2 is current, then the last one. */
const twoSteps: ApprovalStepInput[] = [
  { key: 'first', name: '初审', mode: 'sequential', assignees: { kind: 'unitHead', unitId: 'zzb' } },
  { key: 'final', name: '终审', mode: 'sequential', assignees: { kind: 'unitHead', unitId: 'zzb' } },
];

async function start(): Promise<WorkflowHandle<typeof approvalRequest>> {
  const requestId = uniqueId('req');
  return t.env.client.workflow.start<typeof approvalRequest>('approvalRequest', {
    taskQueue,
    workflowId: workflowIds.approvalRequest(requestId),
    args: [{ requestId, title: '版本部署测试', initiatorId: 'zzb-staff', steps: twoSteps, assignees: await resolveAssignees(t.orm.em.fork(), twoSteps.map((s, i) => ({ rule: s.assignees, field: `steps[${i}]` }))) }],
  });
}

/** The open task of zzb-head, once the workflow has run its first task and answers queries. */
const openTask = (h: WorkflowHandle) =>
  eventually(async () => {
    try {
      return ((await h.query(stateQuery)) as ApprovalRequestState).openTasks.find((x) => x.assigneeIds.includes('zzb-head'))?.taskId;
    } catch {
      return undefined;
    }
  }, 30_000, 'an open task');

const approve = async (h: WorkflowHandle) => h.executeUpdate(actUpdate, { args: [{ taskId: await openTask(h), actorId: 'zzb-head', action: 'approve' }] });

/** What the server records of the workflow's version: its behavior and the build it is on. */
async function versioning(h: WorkflowHandle) {
  const info = (await h.describe()).raw.workflowExecutionInfo?.versioningInfo;
  return { behavior: info?.behavior, buildId: info?.deploymentVersion?.buildId };
}

/** The worker identity of every completed workflow task: who ran the workflow code. */
async function taskIdentities(h: WorkflowHandle): Promise<string[]> {
  const { events } = await h.fetchHistory();
  return (events ?? []).filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).map((e) => e.workflowTaskCompletedEventAttributes?.identity ?? '');
}

/** Open workflows pinned to a build, as an operator checks that an old build has drained (README). */
const pinnedOpen = (buildId: string) =>
  t.env.client.workflow.count(`TemporalWorkerDeploymentVersion = '${deploymentName}:${buildId}' AND ExecutionStatus = 'Running'`).then((c) => c.count);

test('a procedure pinned to v1 finishes on v1 after v2 became current; a new one starts on v2', async () => {
  await startVersion('v1');
  await makeCurrent('v1');
  const old = await start();
  await openTask(old);
  expect(await versioning(old)).toEqual({ behavior: VersioningBehavior.VERSIONING_BEHAVIOR_PINNED, buildId: 'v1' });

  // The deploy: v2 comes up beside v1 and becomes current; v1 keeps running for what is pinned to it.
  await startVersion('v2');
  await makeCurrent('v2');
  const fresh = await start();
  await openTask(fresh);
  expect(await versioning(fresh)).toEqual({ behavior: VersioningBehavior.VERSIONING_BEHAVIOR_PINNED, buildId: 'v2' });

  // The running procedure is acted on while v2 is current, and completes: every task of it ran on v1.
  expect(await approve(old)).toMatchObject({ status: 'open', stage: 'final' });
  expect(await versioning(old)).toEqual({ behavior: VersioningBehavior.VERSIONING_BEHAVIOR_PINNED, buildId: 'v1' });
  expect(await eventually(async () => ((await pinnedOpen('v1')) === 1 ? true : undefined), 15_000, 'v1 listed with one open workflow')).toBe(true);
  expect(await approve(old)).toMatchObject({ status: 'approved' });
  expect((await old.result()).status).toBe('approved');
  const oldTasks = await taskIdentities(old);
  expect(oldTasks.length).toBeGreaterThanOrEqual(3);
  expect(new Set(oldTasks)).toEqual(new Set(['worker-v1']));

  // v1 has drained: nothing open is pinned to it any more, so its workers may stop.
  expect(await eventually(async () => ((await pinnedOpen('v1')) === 0 ? true : undefined), 15_000, 'v1 drained')).toBe(true);

  expect(await approve(fresh)).toMatchObject({ status: 'open', stage: 'final' });
  expect(await approve(fresh)).toMatchObject({ status: 'approved' });
  expect(new Set(await taskIdentities(fresh))).toEqual(new Set(['worker-v2']));
});
