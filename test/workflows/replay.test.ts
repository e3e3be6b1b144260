/**
 * Histories recorded from v0.2.0 of the workflows must still replay: a selection can run for a year,
 * across many deploys. A change to a workflow's commands without `patched()` makes this fail with a
 * nondeterminism error, as the negative case below shows. Every history the registry lists is replayed,
 * and each must really reach the end its descriptor states, so a truncated history cannot pass.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { payloadDataConverter } from '../../platform/payload-codec';
import type { ProcedureDescriptor } from '../../procedures/descriptor';
import { PROCEDURES } from '../../procedures/registry';

const noop = (): void => undefined;
const logger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };
const cases = (PROCEDURES as readonly ProcedureDescriptor[]).flatMap((p) => p.histories.map((h) => ({ type: p.type, file: path.join(p.historiesDir, h.file), name: h.file, endsAt: h.endsAt })));

interface HistoryEvent {
  eventType: string;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
  workflowExecutionStartedEventAttributes?: { workflowId: string };
}
const load = (file: string): { events: HistoryEvent[] } => JSON.parse(fs.readFileSync(file, 'utf8'));

let bundle: Awaited<ReturnType<typeof bundleWorkflowCode>>;
beforeAll(async () => {
  bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger });
});

test('every procedure type lists at least one recorded history, and every file exists', () => {
  for (const p of PROCEDURES as readonly ProcedureDescriptor[]) expect(p.histories.length).toBeGreaterThan(0);
  for (const c of cases) expect(fs.existsSync(c.file)).toBe(true);
});

test.each(cases)('$name replays on the current workflow code, to the end it states', async ({ file, endsAt }) => {
  const history = load(file);
  const types = history.events.map((e) => e.eventType);
  if (endsAt === 'completed') {
    expect(types).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
  } else if (endsAt === 'continuedAsNew') {
    expect(types).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW');
  } else {
    const activities = history.events.flatMap((e) => {
      const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
      return name ? [name] : [];
    });
    expect(activities).toContain(endsAt.activity);
  }
  // Replay under the recorded workflow id: task ids are derived from it. With the production codec: the
  // recorded histories are not encrypted, and it passes them through.
  const workflowId = history.events[0]?.workflowExecutionStartedEventAttributes?.workflowId ?? '';
  await expect(Worker.runReplayHistory({ workflowBundle: bundle, dataConverter: payloadDataConverter() }, history, workflowId)).resolves.toBeUndefined();
});

test('a workflow whose commands changed fails to replay with a determinism error', async () => {
  const approval = cases.find((c) => c.type === 'approvalRequest');
  if (!approval) throw new Error('no approval history');
  const history = load(approval.file);
  const changed = await bundleWorkflowCode({ workflowsPath: require.resolve('../fixtures/changed-workflows'), logger });
  const workflowId = history.events[0]?.workflowExecutionStartedEventAttributes?.workflowId ?? '';
  await expect(Worker.runReplayHistory({ workflowBundle: changed }, history, workflowId)).rejects.toBeInstanceOf(DeterminismViolationError);
});
