/**
 * Smoke test of `npm run cluster` (scripts/cluster.ts), run only with TINGJIN_CLUSTER_SMOKE=1: it
 * builds the Temporal server on first use and brings up a whole stack, minutes of CI time.
 *
 *   TINGJIN_CLUSTER_SMOKE=1 npx jest test/cluster
 *
 * The cluster runs as a child process on its own ports and data directory (a fresh embedded
 * PostgreSQL; DATABASE_URL is removed from its environment): a procedure is started through one API
 * process and acted on through the other, then SIGINT must stop every process it started. Its workers
 * are a Worker Deployment version (--deployment-name, --build-id): the server lists that version, the
 * cluster makes it current (the deployment's first versioned start), and the procedure is pinned to it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { portOpen } from '../../platform/ports';
import { connectClient } from '../../platform/temporal';

const enabled = process.env.TINGJIN_CLUSTER_SMOKE === '1';
const suite = enabled ? describe : describe.skip;

const ROOT = path.resolve(__dirname, '..', '..');
// Away from `npm start`'s and the tests' defaults.
const API_PORT = 3610;
const TEMPORAL_PORT = 17433;
const METRICS_PORT = 17999;
const PG_PORT = 55610;
const DEPLOYMENT = 'tingjin-smoke';
const BUILD_ID = 'smoke-1';

suite('npm run cluster', () => {
  let child: ChildProcess;
  let output = '';
  let dataDir: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tingjin-cluster-'));
    // As root the embedded PostgreSQL runs as `postgres`, which must enter this directory (else it is moved).
    fs.chmodSync(dataDir, 0o755);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TINGJIN_DATA_DIR: dataDir,
      PORT: String(API_PORT),
      TEMPORAL_PORT: String(TEMPORAL_PORT),
      TEMPORAL_METRICS_PORT: String(METRICS_PORT),
      EMBEDDED_PG_PORT: String(PG_PORT),
    };
    delete env.DATABASE_URL;
    delete env.TEMPORAL_ADDRESS;
    child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/cluster.ts', '--workers', '2', '--apis', '2', '--deployment-name', DEPLOYMENT, '--build-id', BUILD_ID], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (output.includes('[cluster] ready')) {
          clearInterval(timer);
          resolve();
        } else if (child.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(`npm run cluster exited with ${child.exitCode}:\n${output}`));
        }
      }, 500);
    });
  }, 900_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const api = (n: 0 | 1) => `http://127.0.0.1:${API_PORT + n}`;

  async function call(n: 0 | 1, method: string, url: string, token?: string, body?: unknown) {
    const res = await fetch(api(n) + url, {
      method,
      headers: {
        'Content-Type': 'application/json',
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(method === 'POST' ? { 'Idempotency-Key': randomUUID() } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function login(n: 0 | 1, username: string): Promise<string> {
    const res = await call(n, 'POST', '/auth/login', undefined, { username, password: 'tingjin2026' });
    expect(res.status).toBe(200);
    return res.body.token as string;
  }

  test('both API processes are ready: database, Temporal and polling workers', async () => {
    for (const n of [0, 1] as const) {
      const res = await fetch(`${api(n)}/ready`);
      expect(res.status).toBe(200);
    }
  });

  test('a procedure started through one API process is acted on through the other', async () => {
    const requestId = `SMOKE-${Date.now()}`;
    const started = await call(0, 'POST', '/procedures/approvalRequest', await login(0, 'zzb-staff'), {
      requestId,
      title: '集群冒烟测试',
      steps: [
        {
          key: 'vote',
          name: '部务会票决',
          mode: 'vote',
          assignees: { kind: 'role', role: 'approver', unitId: 'zzb' },
          candidates: ['张三'],
        },
      ],
    });
    expect(started.status).toBe(201);
    const openTasks = started.body.openTasks as { taskId: string }[];
    expect(openTasks).toHaveLength(1);

    const acted = await call(1, 'POST', `/tasks/${openTasks[0]!.taskId}/actions`, await login(1, 'zzb-head'), {
      action: 'vote',
      ballots: [{ candidateId: '张三', choice: 'agree' }],
    });
    expect(acted.status).toBe(200);
    expect(acted.body).toMatchObject({ status: 'approved', nextTask: null, openTasks: [] });

    // The cluster's workers registered as the version it was given, and the procedure ran on it.
    const client = await connectClient(`127.0.0.1:${TEMPORAL_PORT}`, 'default');
    try {
      const info = (await client.workflowService.describeWorkerDeployment({ namespace: 'default', deploymentName: DEPLOYMENT })).workerDeploymentInfo;
      expect(info?.routingConfig?.currentDeploymentVersion?.buildId).toBe(BUILD_ID);
      expect(info?.versionSummaries?.map((v) => v.deploymentVersion?.buildId)).toEqual([BUILD_ID]);
      const versioning = (await client.workflow.getHandle(started.body.workflowId as string).describe()).raw.workflowExecutionInfo?.versioningInfo;
      expect(versioning?.deploymentVersion).toMatchObject({ deploymentName: DEPLOYMENT, buildId: BUILD_ID });
    } finally {
      await client.connection.close();
    }
    expect(output).toContain(`[cluster] ${DEPLOYMENT}:${BUILD_ID} made current`);
  });

  test('SIGINT stops every process it started', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    for (const port of [API_PORT, API_PORT + 1, TEMPORAL_PORT, METRICS_PORT, PG_PORT]) {
      expect(await portOpen(port)).toBe(false);
    }
    expect(output).toContain('[cluster] stopped');
  }, 120_000);
});
