/**
 * Histories recorded from earlier versions of the workflows must still replay: a rectification can
 * run for a year, across many deploys. A change to a workflow's commands without `patched()`
 * makes this test fail with a nondeterminism error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { bundleWorkflowCode } from '@temporalio/worker';

const dir = path.join(__dirname, '..', 'histories');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));

test('recorded histories exist for every procedure type', () => {
  expect(files).toEqual(expect.arrayContaining(['rectification-feedback-v1.json', 'rectification-item-v1.json', 'approval-request-vote-v1.json', 'cadre-selection-v1.json']));
});

test.each(files)('%s replays on the current workflow code', async (file) => {
  const history = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  const noop = (): void => undefined;
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error },
  });
  // runReplayHistory throws DeterminismViolationError when the code no longer matches the history.
  // Replay under the recorded workflow id: task ids are derived from it.
  const workflowId: string = history.events[0].workflowExecutionStartedEventAttributes.workflowId;
  await expect(Worker.runReplayHistory({ workflowBundle }, history, workflowId)).resolves.toBeUndefined();
});
