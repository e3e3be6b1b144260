/**
 * Hostile input at the API's edge (issue 10, "clean input at the edge"): a string that is not clean text,
 * in a body, a path or a query, and a body nested too deep, are refused with a 400 naming the field,
 * before authentication, idempotency or any procedure sees them. Nothing is recorded, and the engine goes on.
 */
import { IdempotencyRecordSchema, ProcedureSchema } from '../../platform/entities';
import { newKey, useApiStack } from '../helpers/api';
import { uniqueId } from '../helpers/env';

const stack = useApiStack();

const approval = (requestId: string, title: string) => ({
  requestId,
  title,
  steps: [{ key: 's1', name: '审核', mode: 'sequential', assignees: { kind: 'user', userId: 'zzb-head' } }],
});

test('a start whose title carries NUL or a lone surrogate is a 400 naming the field; nothing starts, the next start runs', async () => {
  const token = await stack.h.login('zzb-staff');
  for (const title of ['标题\u0000', '标题\ud800', '标题\u0007']) {
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
