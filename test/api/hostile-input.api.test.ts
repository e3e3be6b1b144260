/**
 * Hostile input at the API's edge (issue 10, "clean input at the edge"): a string that is not clean text,
 * in a body, a path or a query, and a body nested too deep, are refused with a 400 naming the field,
 * before authentication, idempotency or any procedure sees them. Nothing is recorded, and the engine goes on.
 */
import net from 'node:net';
import { CalendarYearSchema, IdempotencyRecordSchema, ProcedureSchema } from '../../platform/entities';
import { inboxTask, newKey, traceOf, useApiStack } from '../helpers/api';
import { uniqueId } from '../helpers/env';

const stack = useApiStack();

const approval = (requestId: string, title: string) => ({
  requestId,
  title,
  steps: [{ key: 's1', name: '审核', mode: 'sequential', assignees: { kind: 'user', userId: 'zzb-head' } }],
});

test('a start whose title carries NUL or a lone surrogate is a 400 naming the field; nothing starts, the next start runs', async () => {
  const token = await stack.h.login('zzb-staff');
  for (const title of ['标题\u0000', '标题\ud800', '标题\u0007', '标题\u009b2J', '标题\uffff']) {
    const requestId = uniqueId('hx');
    const key = newKey();
    const r = await stack.h.call('POST', '/procedures/approvalRequest', { token, key, body: approval(requestId, title) });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ status: 400, code: 'invalid_text', details: { field: 'title' } });
    expect(JSON.stringify(r.body)).not.toContain(title);
    const em = stack.t.orm.em.fork();
    expect(await em.count(ProcedureSchema, { workflowId: `approval-${requestId}` })).toBe(0);
    expect(await em.count(IdempotencyRecordSchema, { key })).toBe(0);
  }
  const ok = await stack.h.call('POST', '/procedures/approvalRequest', { token, key: newKey(), body: approval(uniqueId('hx'), '干净的标题') });
  expect(ok.status).toBe(201);
  expect(ok.body.openTasks).toHaveLength(1);
});

test('NUL in a path, a query or a login name is a 400 naming the field, not a 500', async () => {
  const token = await stack.h.login('zzb-staff');
  const path = await stack.h.call('GET', '/people/%00', { token });
  expect(path.status).toBe(400);
  expect(path.body).toMatchObject({ code: 'invalid_text', details: { field: 'id' } });
  const query = await stack.h.call('GET', '/procedures?status=%00', { token });
  expect(query.status).toBe(400);
  expect(query.body).toMatchObject({ code: 'invalid_text', details: { field: 'status' } });
  const login = await stack.h.call('POST', '/auth/login', { body: { username: 'zzb-staff\u0000', password: 'x' } });
  expect(login.status).toBe(400);
  expect(login.body).toMatchObject({ code: 'invalid_text', details: { field: 'username' } });
});

test('a body nested 20,000 deep is a 400 too_deep on an idempotent route, and the API still answers', async () => {
  const token = await stack.h.login('zzb-staff');
  const deep = `{"requestId":"x","title":"t","steps":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
  const r = await stack.h.call('POST', '/procedures/approvalRequest', { token, key: newKey(), rawBody: deep });
  expect(r.status).toBe(400);
  expect(r.body).toMatchObject({ code: 'too_deep', details: { field: expect.stringMatching(/^steps/) } });
  expect((await stack.h.call('GET', '/inbox', { token })).status).toBe(200);
});

// The requests of issue 10's "What was found", each as it was sent; and what the fuzzer
// (test/api/fuzz.api.test.ts) found since.

test('issue 10: urge with a lone surrogate as taskId, and approve with a NUL in the comment, on an approval: 400s naming the field, no trace, the worker goes on', async () => {
  const token = await stack.h.login('zzb-staff');
  const started = await stack.h.call('POST', '/procedures/approvalRequest', { token, key: newKey(), body: approval(uniqueId('hx'), '催办测试') });
  expect(started.status).toBe(201);
  const wf: string = started.body.workflowId;
  const taskId = await inboxTask(stack.h, 'zzb-head', wf, 's1');
  const before = await traceOf(stack.t, wf);
  const urge = await stack.h.call('POST', `/procedures/${wf}/actions`, { token, key: newKey(), body: { action: 'urge', taskId: '\ud800', comment: 'c' } });
  expect(urge.status).toBe(400);
  expect(urge.body).toMatchObject({ status: 400, code: 'invalid_text', details: { field: 'taskId' } });
  const head = await stack.h.login('zzb-head');
  const nul = await stack.h.call('POST', `/tasks/${taskId}/actions`, { token: head, key: newKey(), body: { action: 'approve', comment: 'ok\u0000' } });
  expect(nul.status).toBe(400);
  expect(nul.body).toMatchObject({ status: 400, code: 'invalid_text', details: { field: 'comment' } });
  // Neither refusal carries the raw text, escaped or not.
  expect(JSON.stringify([urge.body, nul.body])).not.toMatch(/\\u0000|\\ud800/);
  expect(await traceOf(stack.t, wf)).toEqual(before);
  // The worker still runs, and the task is not stuck: the same approval goes through at once.
  expect(stack.api.worker.getState()).toBe('RUNNING');
  const ok = await stack.h.call('POST', `/tasks/${taskId}/actions`, { token: head, key: newKey(), body: { action: 'approve', comment: 'ok' } });
  expect(ok.status).toBe(200);
});

test('issue 10: NUL in /procedures/%00 and in ?q=%00 is a 400 naming the field, not a 500', async () => {
  const token = await stack.h.login('zzb-staff');
  const path = await stack.h.call('GET', '/procedures/%00', { token });
  expect(path.status).toBe(400);
  expect(path.body).toMatchObject({ status: 400, code: 'invalid_text', details: { field: 'workflowId' } });
  const q = await stack.h.call('GET', '/people?q=%00', { token });
  expect(q.status).toBe(400);
  expect(q.body).toMatchObject({ status: 400, code: 'invalid_text', details: { field: 'q' } });
});

test('issue 10: PUT /calendar/years/2096 with a lone surrogate in source is a 400, and the year is not saved', async () => {
  const token = await stack.h.login('zzb-staff');
  const r = await stack.h.call('PUT', '/calendar/years/2096', {
    token,
    key: newKey(),
    body: { source: '国办发明电\ud800', days: [{ date: '2096-01-01', workday: false, name: '元旦' }] },
  });
  expect(r.status).toBe(400);
  expect(r.body).toMatchObject({ status: 400, code: 'invalid_text', details: { field: 'source' } });
  expect(await stack.t.orm.em.fork().count(CalendarYearSchema, { year: 2096 })).toBe(0);
  expect((await stack.h.call('GET', '/calendar/years/2096', { token })).status).toBe(404);
});

test('issue 10: a body of 50,000 "[" on an idempotent route is a 400, and the API still answers', async () => {
  const token = await stack.h.login('zzb-staff');
  const r = await stack.h.call('POST', '/procedures/approvalRequest', { token, key: newKey(), rawBody: '['.repeat(50_000) });
  expect(r.status).toBe(400);
  expect(['malformed_json', 'too_deep']).toContain(r.body.code);
  expect((await stack.h.call('GET', '/inbox', { token })).status).toBe(200);
});

test('fuzzer: a path parameter that is not percent-encoded UTF-8 is a 400 that does not quote it', async () => {
  const token = await stack.h.login('zzb-staff');
  for (const bad of ['FZmark%ED%A0%80', 'FZmark%FF', 'FZmark%C0%AE']) {
    const r = await stack.h.call('GET', `/procedures/${bad}`, { token });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ status: 400, code: 'invalid_text', details: { field: 'params' } });
    expect(JSON.stringify(r.body)).not.toContain('FZmark');
  }
});

test('a path no route serves is a 404 that does not quote the path', async () => {
  const token = await stack.h.login('zzb-staff');
  for (const [method, path] of [
    ['GET', '/FZmark/%3Cscript%3Ealert(1)%3C%2Fscript%3E'],
    ['POST', `/FZmark-${'x'.repeat(4000)}`],
    ['DELETE', '/procedures/FZmark/%E2%80%AE%00'],
  ] as const) {
    const r = await stack.h.call(method, path, { token });
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ status: 404, code: 'not_found' });
    expect(JSON.stringify(r.body)).not.toMatch(/FZmark|script|xxxx/);
  }
});

test('fuzzer: a body that is not JSON is a 400 malformed_json that does not quote the body', async () => {
  const token = await stack.h.login('zzb-staff');
  for (const raw of ['"\u0000FZmark"', '{"title": FZmark}', 'FZmark']) {
    const r = await stack.h.call('POST', '/procedures/approvalRequest', { token, key: newKey(), rawBody: raw });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ status: 400, code: 'malformed_json' });
    expect(JSON.stringify(r.body)).not.toContain('FZmark');
  }
});

// Found by the fuzzer in a route that reads its path parameters itself, outside defineRoute (the letter
// download, procedures/redeployment/index.ts): the NUL reached PostgreSQL, which broke off with 08P01. The
// route now runs the same edge check (assertCleanRequest).
test('fuzzer (redeployment letter route): NUL in a letter download path is a 400 naming the field', async () => {
  const token = await stack.h.login('zzb-staff');
  const r = await stack.h.call('GET', '/procedures/approval-x/redeployment/letters/%00', { token });
  expect(r.status).toBe(400);
  expect(r.body).toMatchObject({ status: 400, code: 'invalid_text' });
});

test('fuzzer: a NUL that reaches PostgreSQL (08P01, protocol violation) is not reported as the database being unavailable', async () => {
  const token = await stack.h.login('zzb-staff');
  const r = await stack.h.call('GET', '/procedures/%00/redeployment/letters/x', { token });
  expect(r.body.code).not.toBe('database_unavailable');
  expect(r.status).not.toBe(503);
});

test('fuzzer: an unknown key is named only when it is a plain identifier; a hostile or 100 KB key is not echoed', async () => {
  const token = await stack.h.login('zzb-staff');
  const longKey = `FZmark${'x'.repeat(100_000)}`;
  const body = { ...approval(uniqueId('hx'), '标题'), [longKey]: 1 };
  const long = await stack.h.call('POST', '/procedures/approvalRequest', { token, key: newKey(), body });
  expect(long.status).toBe(400);
  expect(long.body).toMatchObject({ status: 400, code: 'validation_error' });
  expect(JSON.stringify(long.body)).not.toContain('FZmark');
  const query = await stack.h.call('GET', '/people?FZmark%ED%A0%80=1', { token });
  expect(query.status).toBe(400);
  expect(JSON.stringify(query.body)).not.toContain('FZmark');
  // A plain misspelt field is still named, so the client can fix it.
  const typo = await stack.h.call('POST', '/procedures/approvalRequest', { token, key: newKey(), body: { ...approval(uniqueId('hx'), '标题'), titel: 'x' } });
  expect(typo.status).toBe(400);
  expect(typo.body.message).toContain('titel');
});

/** Sends raw bytes to the API and reads the answer until the server closes the connection. */
function rawRequest(baseUrl: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(bytes));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (answer += d));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

test("a request Node's own parser refuses (bad header line, headers too large) gets a JSON problem that quotes nothing sent, and the API goes on", async () => {
  const marker = 'ZZ-HOSTILE-MARKER';
  const bad = await rawRequest(stack.api.baseUrl, `GET /health HTTP/1.1\r\nHost: x\r\n${marker} no colon\r\n\r\n`);
  expect(bad).toMatch(/^HTTP\/1\.1 400 /);
  expect(bad).toMatch(/content-type: application\/problem\+json/i);
  expect(JSON.parse(bad.slice(bad.indexOf('\r\n\r\n') + 4))).toEqual({ status: 400, code: 'malformed_request', message: 'the request is not valid HTTP' });
  expect(bad).not.toContain(marker);

  const big = await rawRequest(stack.api.baseUrl, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${marker}${'a'.repeat(64 * 1024)}\r\n\r\n`);
  expect(big).toMatch(/^HTTP\/1\.1 431 /);
  expect(JSON.parse(big.slice(big.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 431, code: 'headers_too_large' });
  expect(big).not.toContain(marker);

  expect((await stack.h.call('GET', '/health')).status).toBe(200);
});
