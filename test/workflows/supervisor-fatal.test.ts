/**
 * The worker supervisor (worker/supervisor.ts) over real SDK workers on a real dev server. The unit test uses a
 * fake worker; this one shows what the fake cannot: what SDK 1.24 does on a fatal error. When the core refuses a
 * workflow's completion (here a failure message with a lone surrogate, test/fixtures/poison-workflows.ts), the
 * worker leaves RUNNING and its run() never settles. Before the state watch, the supervisor waited on run()
 * for ever and no worker polled again. The supervised workers run in a process of their own
 * (test/fixtures/supervised-poison-worker.ts), since an abandoned worker keeps its native threads.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { eventually, uniqueId } from '../helpers/env';

const root = path.join(__dirname, '..', '..');
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  const cli = process.env.TINGJIN_TEST_TEMPORAL_CLI;
  if (!cli) throw new Error('run the tests through jest: the global setup provides the Temporal CLI');
  env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: cli }, extraArgs: ['--log-level', 'error'] } });
});

afterAll(async () => {
  await env?.teardown();
});

interface Event {
  event: string;
  attempt?: number;
  line?: string;
  restarts?: number;
  abandoned?: number;
}

function spawnSupervised(taskQueue: string): { child: ChildProcess; events: Event[]; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test', 'fixtures', 'supervised-poison-worker.ts')], {
    cwd: root,
    env: { ...process.env, TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: taskQueue },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: Event[] = [];
  let output = '';
  let partial = '';
  child.stdout?.on('data', (b: Buffer) => {
    output += b.toString();
    partial += b.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) if (l.startsWith('{')) events.push(JSON.parse(l) as Event);
  });
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  return { child, events, output: () => output };
}

test('a worker stuck after a fatal SDK error is abandoned and replaced, and the new one runs workflows', async () => {
  const taskQueue = uniqueId('supervised');
  const p = spawnSupervised(taskQueue);
  try {
    const running = (n: number) => p.events.filter((e) => e.event === 'running').length >= n;
    await eventually(async () => (running(1) ? true : undefined), 60_000, `the first worker\n${p.output()}`);

    const poison = await env.client.workflow.start('poisoned', { taskQueue, workflowId: uniqueId('poisoned') });
    await eventually(async () => (running(2) ? true : undefined), 60_000, `a second worker\n${p.output()}`);
    // The core's refusal, as the SDK logs it: the fatal error really happened.
    expect(p.output()).toMatch(/Cannot decode Completion/);
    const restart = p.events.find((e) => e.event === 'log' && /restarting in/.test(e.line ?? ''));
    expect(restart?.line).toMatch(/stopped by itself after .* it stayed (STOPPING|DRAINING) for .* abandoned/);

    // The poisoned workflow would stop every new worker too; an operator terminates it, and work goes on.
    await poison.terminate('poisoned on purpose by the test');
    const result = await env.client.workflow.execute('healthy', { taskQueue, workflowId: uniqueId('healthy'), args: [41] });
    expect(result).toBe(42);

    // A signal is a shutdown, not a failure: the supervisor ends and the process exits 0.
    const exited = new Promise<number | null>((resolve) => p.child.once('exit', (code) => resolve(code)));
    p.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const done = p.events.find((e) => e.event === 'done');
    expect(done?.abandoned).toBeGreaterThanOrEqual(1);
  } finally {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  }
});
