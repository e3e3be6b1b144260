/**
 * The audit anchor's export (issue 13: "it also exports the root to a file or URL, configured"), through
 * AUDIT_ANCHOR_EXPORT: `npm run ops -- anchor` to a file and to an http URL, a server in this test recording
 * what it receives; the exported root is the anchor row's. A URL that refuses (500, a redirect, no server)
 * keeps the anchor row and says why, without the URL's token; the daily job retries the export of the same
 * anchor until the URL accepts it.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { useApiStack } from '../helpers/api';
import { uniqueId } from '../helpers/env';
import { runOps } from '../helpers/ops';
import { startItem } from '../helpers/supervision';

const stack = useApiStack();

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the receiving end got, and how it answers: by path, /ok 204, /refuse 500, /moved 302 to /ok, /flaky 500 once then 200. */
const received: Received[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  let flaky = 0;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (b: Buffer) => (body += b.toString()));
    req.on('end', () => {
      const p = new URL(req.url ?? '/', 'http://x').pathname;
      received.push({ method: req.method ?? '', path: p, headers: req.headers, body });
      if (p === '/ok') res.writeHead(204).end();
      else if (p === '/moved') res.writeHead(302, { location: '/ok' }).end();
      else if (p === '/flaky') res.writeHead(flaky++ === 0 ? 500 : 200).end('ok');
      else res.writeHead(500).end('no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

interface AnchorRow {
  id: string;
  key: string;
  root: string;
  procedures: number;
  anchored_at: Date;
}

const anchorRow = async (id: string): Promise<AnchorRow | undefined> =>
  (await stack.t.orm.em.fork().getConnection().execute<AnchorRow[]>(`select id, key, root, procedures, anchored_at from audit_anchor where id = ?`, [id]))[0];

const anchorCount = async (): Promise<number> => Number((await stack.t.orm.em.fork().getConnection().execute<{ n: string }[]>(`select count(*) as n from audit_anchor`))[0]?.n);

const opsAnchor = (exportTo: string) => runOps(['anchor'], { DATABASE_URL: stack.t.databaseUrl, AUDIT_ANCHOR_EXPORT: exportTo });

/** The anchor `ops anchor` says it recorded: its id and root, from its first line. */
function recorded(stdout: string): { id: string; root: string } {
  const m = /^anchor (\d+): \d+ chain head\(s\), root ([0-9a-f]{64})/.exec(stdout);
  if (!m) throw new Error(`no anchor line in:\n${stdout}`);
  return { id: m[1] as string, root: m[2] as string };
}

/** The document an export carries, checked against the anchor's row in the database. */
function expectDocumentOf(doc: unknown, row: AnchorRow): void {
  expect(doc).toEqual({ anchorId: String(row.id), anchoredAt: new Date(row.anchored_at).toISOString(), root: row.root, procedures: row.procedures });
}

test('ops anchor exports the root to a file and to a URL: the document carries the anchor row’s root', async () => {
  // Two chains, so the root is a Merkle node over heads and not an empty tree's.
  await startItem(stack.h, uniqueId('fb'), 'jyj');
  await startItem(stack.h, uniqueId('fb'), 'wjw');

  // To a file: one JSON line per anchor.
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'tingjin-anchor-export-')), 'anchors.jsonl');
  const toFile = await opsAnchor(file);
  expect(toFile.stderr).toBe('');
  expect(toFile.status).toBe(0);
  const a = recorded(toFile.stdout);
  const rowA = await anchorRow(a.id);
  if (!rowA) throw new Error(`anchor ${a.id} is not in the database`);
  expect(rowA.procedures).toBeGreaterThanOrEqual(2);
  expect(a.root).toBe(rowA.root);
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expectDocumentOf(JSON.parse(lines[0] as string), rowA);

  // To a URL: POSTed as JSON. The token in its query string is not printed.
  const before = received.length;
  const toUrl = await opsAnchor(`${base}/ok?token=SECRET-TOKEN`);
  expect(toUrl.stderr).toBe('');
  expect(toUrl.status).toBe(0);
  expect(toUrl.stdout).toContain(`exported to ${base}/ok\n`);
  expect(toUrl.stdout).not.toContain('SECRET-TOKEN');
  const b = recorded(toUrl.stdout);
  expect(b.id).not.toBe(a.id);
  const rowB = await anchorRow(b.id);
  if (!rowB) throw new Error(`anchor ${b.id} is not in the database`);
  const posts = received.slice(before);
  expect(posts).toHaveLength(1);
  expect(posts[0]).toMatchObject({ method: 'POST', path: '/ok', headers: { 'content-type': 'application/json' } });
  expectDocumentOf(JSON.parse(posts[0]?.body as string), rowB);
});

test('a URL that refuses (500, a redirect, no server) keeps the anchor row and says why, without the token', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const nobody = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));

  for (const [target, shown, why] of [
    [`${base}/refuse?token=SECRET-TOKEN`, `${base}/refuse`, 'HTTP 500'],
    // A redirect is not followed: a 302 turns the POST into a GET, whose answer would pass for the root delivered.
    [`${base}/moved?token=SECRET-TOKEN`, `${base}/moved`, 'HTTP 302'],
    [`${nobody}/anchors?token=SECRET-TOKEN`, `${nobody}/anchors`, 'ECONNREFUSED'],
  ] as const) {
    const count = await anchorCount();
    const before = received.length;
    const run = await opsAnchor(target);
    expect({ target, status: run.status }).toEqual({ target, status: 1 });
    const a = recorded(run.stdout);
    expect(run.stdout).toContain('recorded, NOT exported');
    expect(run.stderr).toContain(`anchor ${a.id}: export to ${shown} failed: ${why}\n`);
    expect(run.stderr).toContain('the anchor is kept in the database');
    expect(`${run.stdout}${run.stderr}`).not.toContain('SECRET-TOKEN');
    // The anchor is recorded all the same, once, with the root the command printed.
    expect(await anchorCount()).toBe(count + 1);
    expect((await anchorRow(a.id))?.root).toBe(a.root);
    // Nothing reached /ok: the redirect was not followed.
    expect(received.slice(before).filter((r) => r.path === '/ok')).toEqual([]);
  }
});

test('the daily job retries the export of the same anchor until the URL accepts it', async () => {
  const workflowId = uniqueId('anchor-job');
  const before = received.length;
  const count = await anchorCount();
  const result = await stack.t.env.client.workflow.execute('anchorAuditJob', {
    workflowId,
    taskQueue: stack.api.taskQueue,
    args: [{ exportTo: `${base}/flaky` }],
  });
  const anchor = result as { id: string; root: string };
  // One anchor for the run, though its activity ran twice.
  expect(await anchorCount()).toBe(count + 1);
  const row = await anchorRow(anchor.id);
  if (!row) throw new Error(`anchor ${anchor.id} is not in the database`);
  expect(row.key).toBe(workflowId);
  expect(anchor.root).toBe(row.root);
  // The first POST was refused, the retry carried the same document.
  const posts = received.slice(before).filter((r) => r.path === '/flaky');
  expect(posts).toHaveLength(2);
  for (const p of posts) expectDocumentOf(JSON.parse(p.body), row);
});
