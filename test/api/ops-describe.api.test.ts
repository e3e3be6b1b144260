/**
 * `npm run ops -- describe <workflowId>` (scripts/ops.ts), run as the operator runs it, against a real
 * procedure: it prints the procedure's projection row, its pending tasks with their assignees, the live state
 * the workflow's query answers, and the procedure's link in the Temporal Web UI. An id no procedure has is a
 * clear error; a hostile id (terminal escapes, a forged line, a lone surrogate, too long) is refused before
 * anything is asked, and is never echoed.
 */
import { useApiStack } from '../helpers/api';
import { uniqueId } from '../helpers/env';
import { runOps } from '../helpers/ops';
import { startItem } from '../helpers/supervision';

const stack = useApiStack();

/** A port no server listens on: the command only prints it, so the link's port is the configured one. */
const UI_PORT = '18345';

const describe_ = (id: string) =>
  runOps(['describe', id], { DATABASE_URL: stack.t.databaseUrl, TEMPORAL_ADDRESS: stack.t.address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_UI_PORT: UI_PORT });

/** The four parts of describe's output, each after its label. */
function parts(stdout: string): { projection: unknown; tasks: unknown; live: unknown; link: string } {
  const m = /^projection: ([\s\S]*?)\npending tasks: ([\s\S]*?)\nlive state: ([\s\S]*?)\nTemporal UI: (\S+)\n$/.exec(stdout);
  if (!m) throw new Error(`describe's output is not the four labelled parts:\n${stdout}`);
  return { projection: JSON.parse(m[1] as string), tasks: JSON.parse(m[2] as string), live: JSON.parse(m[3] as string), link: m[4] as string };
}

test('describe prints the projection, the pending tasks with their assignees, the live state and the Web UI link', async () => {
  const wf = await startItem(stack.h, uniqueId('fb'), 'jyj');
  const conn = stack.t.orm.em.fork().getConnection();
  const [task] = await conn.execute<{ id: string; assignee_ids: string[] }[]>(`select id, assignee_ids from task where workflow_id = ? and status = 'pending'`, [wf]);
  expect(task?.assignee_ids.length).toBeGreaterThan(0);

  const run = await describe_(wf);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const out = parts(run.stdout);

  // The row as PostgreSQL has it (read after the command, as JSON: dates as ISO strings).
  const [row] = await conn.execute<Record<string, unknown>[]>(`select * from procedure where workflow_id = ?`, [wf]);
  expect(out.projection).toMatchObject({ workflow_id: wf, type: 'rectificationItem', status: 'open', stage: 'submit' });
  expect(out.projection).toEqual(JSON.parse(JSON.stringify(row)));

  // The one pending task, the submit step, with the unit's staff as assignees.
  expect(out.tasks).toEqual([expect.objectContaining({ id: task?.id, step: 'submit', assignee_ids: task?.assignee_ids })]);
  expect(task?.assignee_ids).toContain('jyj-staff');

  // The live state is the workflow's own answer to its state query, not the projection read again.
  const state = await stack.t.env.client.workflow.getHandle(wf).query<unknown>('state');
  expect(out.live).toEqual(JSON.parse(JSON.stringify(state)));
  expect(out.live).toMatchObject({ workflowId: wf, stage: 'submit' });

  // The Web UI on the frontend's host, at TEMPORAL_UI_PORT, in the namespace, this workflow.
  const host = stack.t.address.slice(0, stack.t.address.lastIndexOf(':'));
  expect(out.link).toBe(`http://${host}:${UI_PORT}/namespaces/default/workflows/${encodeURIComponent(wf)}`);
});

test('an id no procedure has: a clear error on stderr, exit 1, and the id is not repeated', async () => {
  const unknown = uniqueId('no-such-procedure');
  const run = await describe_(unknown);
  expect(run.status).toBe(1);
  expect(run.stdout).toBe('');
  expect(run.stderr).toBe('describe: no procedure has that workflow id (no projection row, no workflow in Temporal)\n');
});

test('a hostile id is refused before anything is asked, with exit 2, and never echoed', async () => {
  const hostile = [
    'MARK\u001b[31m-red', // a terminal escape
    'MARK\nprojection: null', // a forged line of the output
    'MARK\u009b2J', // C1 CSI: clears the screen on some terminals
    'MARK\ud800', // a lone surrogate: arrives as U+FFFD, the id asked for cannot be known
    'MARK\u0007bell',
    `MARK${'x'.repeat(300)}`, // longer than any workflow id the API accepts
  ];
  for (const id of hostile) {
    const run = await describe_(id);
    expect({ id, status: run.status, stdout: run.stdout }).toEqual({ id, status: 2, stdout: '' });
    expect(run.stderr).toMatch(/^describe: refused, a workflow id is .*; the argument is not shown\n$/);
    expect(run.stderr).not.toContain('MARK');
  }
});
