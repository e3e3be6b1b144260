/**
 * The audit log over HTTP, with the worker, a real Temporal dev server and a real PostgreSQL behind
 * it: every action and state change is chained, verification holds, and an edit made directly in the
 * database is caught at the edited entry.
 */
import { createActivities } from '../../activities';
import { auditHash, canonicalize, verifyChain } from '../../domain/audit';
import { recordAnchor } from '../../platform/anchor';
import type { Transition } from '../../procedures/kernel/messages';
import { AuditLogSchema, ActionLogSchema, ProcedureSchema, TaskSchema } from '../../platform/entities';
import { workflowIds } from '../helpers/ids';
import { inboxTask as inboxTaskOf, newKey, useApiStack } from '../helpers/api';
import { uniqueId } from '../helpers/env';
import { loadTestYear, testDate } from '../helpers/rectification';


// The feedbacks are dated in the test year (helpers/rectification), so no item is overdue by the real clock.
const stack = useApiStack((t) => loadTestYear(t.orm));

const key = newKey;
const GENESIS = '0'.repeat(64);

interface Entry {
  seq: number;
  kind: string;
  actorId: string;
  at: string;
  payload: Record<string, unknown> | null;
  prevHash: string;
  hash: string;
}

async function startFeedback(feedbackId: string): Promise<string> {
  const r = await stack.h.call('POST', '/procedures/rectification', {
    token: await stack.h.login('zzb-staff'),
    key: key(),
    body: {
      feedbackId,
      title: '市委第一巡察组反馈意见',
      inspectionGroup: '市委第一巡察组',
      feedbackDate: testDate('11-20'),
      problems: [{ no: '1', title: '干部选拔任用程序不规范', leadUnitId: 'zzb', assignments: [{ unitId: 'jyj', dueDate: testDate('12-31') }] }],
    },
  });
  expect(r.status).toBe(201);
  return workflowIds.rectificationItem(feedbackId, '1', 'jyj');
}

const inboxTask = (user: string, workflowId: string, step: string): Promise<string> => inboxTaskOf(stack.h, user, workflowId, step);

async function actAs(user: string, taskId: string, body: unknown) {
  return stack.h.call('POST', `/tasks/${taskId}/actions`, { token: await stack.h.login(user), key: key(), body });
}

async function audit(workflowId: string): Promise<Entry[]> {
  const r = await stack.h.call<Entry[]>('GET', `/procedures/${workflowId}/audit`, { token: await stack.h.login('dc-supervisor') });
  expect(r.status).toBe(200);
  return r.body;
}

async function verify(workflowId: string) {
  return stack.h.call('GET', `/procedures/${workflowId}/audit/verify`, { token: await stack.h.login('dc-supervisor') });
}

const submission = {
  action: 'submit',
  comment: '已完成整改',
  data: { measures: '修订选人用人工作规程', evidence: [{ name: '整改报告', ref: 'doc-001' }] },
};

test('every action and state change is chained; an entry edited in PostgreSQL breaks verification at its seq', async () => {
  const wf = await startFeedback(uniqueId('fb'));
  expect((await actAs('jyj-staff', await inboxTask('jyj-staff', wf, 'submit'), submission)).status).toBe(200);
  expect((await actAs('xcb-reviewer', await inboxTask('xcb-reviewer', wf, 'review'), { action: 'pass', comment: '材料齐全' })).status).toBe(200);
  await inboxTask('jyj-head', wf, 'unitHead');

  const entries = await audit(wf);
  const kinds = entries.map((e) => e.kind);
  expect(kinds).toEqual(expect.arrayContaining(['action:start', 'task:opened', 'action:submit', 'action:pass']));
  // Oldest first, numbered from 1, each entry linked to the one before.
  expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
  expect(entries[0]!.prevHash).toBe(GENESIS);
  entries.slice(1).forEach((e, i) => expect(e.prevHash).toBe(entries[i]!.hash));
  // The order of what happened: started, submit opened, submitted, review opened, passed, unitHead opened.
  const order = (kind: string, step?: string) =>
    entries.findIndex((e) => e.kind === kind && (step === undefined || e.payload?.step === step));
  expect(order('action:start')).toBeLessThan(order('task:opened', 'submit'));
  expect(order('task:opened', 'submit')).toBeLessThan(order('action:submit'));
  expect(order('action:submit')).toBeLessThan(order('task:opened', 'review'));
  expect(order('task:opened', 'review')).toBeLessThan(order('action:pass'));
  expect(order('action:pass')).toBeLessThan(order('task:opened', 'unitHead'));
  const submitted = entries.find((e) => e.kind === 'action:submit')!;
  expect(submitted).toMatchObject({ actorId: 'jyj-staff', payload: { step: 'submit', comment: '已完成整改' } });
  // The action's data is chained as recorded, whatever shape the workflow gives it.
  expect(JSON.stringify(submitted.payload)).toContain('修订选人用人工作规程');
  expect(entries.find((e) => e.kind === 'task:opened' && e.payload?.step === 'review')!.payload).toMatchObject({ assigneeIds: ['xcb-reviewer'], round: 1 });

  const good = await verify(wf);
  expect(good.status).toBe(200);
  expect(good.body).toEqual({ workflowId: wf, ok: true, checked: expect.any(Number), headHash: expect.stringMatching(/^[0-9a-f]{64}$/), anchor: null });
  expect(good.body.checked).toBeGreaterThanOrEqual(5);

  // Tamper with the submission's comment directly in the database, leaving its hash as it was.
  const conn = stack.t.orm.em.fork().getConnection();
  const updated = await conn.execute<{ seq: number }[]>(
    `update audit_log set payload = jsonb_set(payload, '{comment}', '"没有整改"') where workflow_id = ? and kind = 'action:submit' returning seq`,
    [wf],
  );
  expect(updated).toHaveLength(1);
  const tamperedSeq = updated[0]!.seq;
  expect(tamperedSeq).toBe(submitted.seq);

  const bad = await verify(wf);
  expect(bad.status).toBe(200);
  expect(bad.body).toMatchObject({
    workflowId: wf,
    ok: false,
    checked: tamperedSeq - 1,
    headHash: entries[tamperedSeq - 2]!.hash,
    firstBroken: { seq: tamperedSeq, reason: 'hash_mismatch', actual: submitted.hash },
  });
  expect(bad.body.firstBroken.expected).not.toBe(submitted.hash);
});

describe('appends are idempotent and serialised per procedure', () => {
  const acts = () => createActivities({ orm: stack.t.orm });
  const at = (seq: number) => new Date(Date.UTC(2026, 10, 25, 1, seq)).toISOString();
  const transition = (workflowId: string, seq: number, over: Partial<Transition> = {}): Transition => ({
    workflowId,
    seq,
    at: at(seq),
    procedure: {
      workflowId,
      type: 'rectificationItem',
      parentWorkflowId: null,
      title: 'audit',
      unitIds: ['jyj'],
      status: 'open',
      stage: 'review',
      overdue: false,
      dueAt: null,
      startedBy: 'zzb-staff',
      startedAt: at(0),
      closedAt: null,
      result: null,
      escalation: null,
    },
    action: { taskId: `${workflowId}:${seq}`, step: 'review', actorId: 'xcb-reviewer', action: 'pass', comment: `第 ${seq} 次` },
    closed: [],
    opened: [],
    notifications: [],
    audit: [],
    ...over,
  });
  const count = (workflowId: string, where: Record<string, unknown> = {}) => stack.t.orm.em.fork().count(AuditLogSchema, { workflowId, ...where });

  test('a retried transition, sequentially or concurrently, writes one row and one audit entry per event', async () => {
    const a = acts();
    const wf = uniqueId('audit-retry');
    const t1 = transition(wf, 1);
    expect(await a.project([t1])).toBe(1);
    expect(await a.project([t1])).toBe(0);
    await Promise.all([a.project([t1]), a.project([t1])]);
    expect(await count(wf)).toBe(1);
    expect(await stack.t.orm.em.fork().count(ActionLogSchema, { workflowId: wf })).toBe(1);

    // The same holds for tasks opened and the close.
    const task = { taskId: `${wf}:2`, step: 'submit', seq: 2, round: 2, assigneeIds: ['jyj-staff'], openedAt: at(2), dueAt: null };
    const t2 = transition(wf, 2, { action: null, opened: [task] });
    const t3 = transition(wf, 3, { action: null, audit: [{ key: `closed:${wf}`, kind: 'procedure:closed', actorId: 'system', payload: { onTime: true } }] });
    await a.project([t2, t3]);
    await a.project([t3, t2]);
    expect(await count(wf, { kind: 'task:opened' })).toBe(1);
    expect(await count(wf, { kind: 'procedure:closed' })).toBe(1);
    expect(await count(wf)).toBe(3);

    const r = await verify(wf);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ workflowId: wf, ok: true, checked: 3 });
    expect((await audit(wf)).map((e) => e.kind)).toEqual(['action:pass', 'task:opened', 'procedure:closed']);
  });

  test("a procedure's first write (its seq 0, written without reading first) retried, concurrently, or after a later seq writes each row once and one chain", async () => {
    const a = acts();
    const start = (wf: string) => transition(wf, 0, { action: { taskId: null, step: null, actorId: 'zzb-staff', action: 'start', data: null } });
    const wf = uniqueId('audit-first');
    expect(await a.project([start(wf), transition(wf, 1)])).toBe(2);
    expect(await a.project([start(wf), transition(wf, 1)])).toBe(0);
    await Promise.all(Array.from({ length: 4 }, () => a.project([start(wf)])));
    expect(await count(wf)).toBe(2);
    expect(await stack.t.orm.em.fork().count(ActionLogSchema, { workflowId: wf })).toBe(2);
    expect((await verify(wf)).body).toMatchObject({ ok: true, checked: 2 });

    // Seq 1 first (the API wrote an answer before the activity wrote the start): the start's optimistic
    // write meets the chain's seq 1, changes nothing, and the next attempt appends after it.
    const late = uniqueId('audit-first-late');
    expect(await a.project([transition(late, 1)])).toBe(1);
    expect(await a.project([start(late)])).toBe(1);
    expect((await audit(late)).map((e) => [e.seq, e.kind])).toEqual([
      [1, 'action:pass'],
      [2, 'action:start'],
    ]);
    expect((await verify(late)).body).toMatchObject({ ok: true, checked: 2 });
  });

  test("the projector's writes pass the chain's head on instead of reading it; a head that no longer holds (stale, or past the real one) is read again, never a gap or a fork", async () => {
    const a = acts();
    const wf = uniqueId('audit-head');
    const first = await a.project([transition(wf, 1)], null);
    expect(first).toMatchObject({ written: 1, head: { workflowId: wf, seq: 1 } });
    const second = await a.project([transition(wf, 2)], typeof first === 'object' ? first.head : null);
    expect(second).toMatchObject({ written: 1, head: { workflowId: wf, seq: 2 } });
    const headAt2 = typeof second === 'object' ? second.head : null;
    // Someone else appends (the API writing what the projector did not): the head at 2 is stale.
    expect(await a.project([transition(wf, 3)])).toBe(1);
    expect(await a.project([transition(wf, 4)], headAt2)).toMatchObject({ written: 1, head: { seq: 4 } });
    // A head past the real one (a database restored to an earlier point while the procedure ran).
    expect(await a.project([transition(wf, 5)], { workflowId: wf, seq: 9, hash: 'f'.repeat(64) })).toMatchObject({ written: 1, head: { seq: 5 } });
    // The same transition again with a head: already applied, nothing written twice.
    expect(await a.project([transition(wf, 5)], { workflowId: wf, seq: 5, hash: 'f'.repeat(64) })).toMatchObject({ written: 0 });
    expect((await audit(wf)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect((await verify(wf)).body).toMatchObject({ ok: true, checked: 5 });
  });

  test('transitions written out of order leave the row at the highest seq and a closed task closed', async () => {
    const a = acts();
    const wf = uniqueId('audit-order');
    const task = { taskId: `${wf}:1`, step: 'review', seq: 1, round: 1, assigneeIds: ['xcb-reviewer'], openedAt: at(1), dueAt: null };
    const opened = transition(wf, 1, { action: null, opened: [task] });
    const done = transition(wf, 2, { closed: [{ task, at: at(2), by: 'xcb-reviewer', action: 'pass', byAction: true }] });
    done.procedure = { ...done.procedure, stage: 'unitHead' };
    await a.project([done]);
    await a.project([opened]);
    const em = stack.t.orm.em.fork();
    expect(await em.findOne(TaskSchema, { id: task.taskId })).toMatchObject({ status: 'done', action: 'pass' });
    expect(await em.findOne(ProcedureSchema, { workflowId: wf })).toMatchObject({ stage: 'unitHead' });
  });

  test('concurrent appends to one procedure form one unbroken chain', async () => {
    const a = acts();
    const wf = uniqueId('audit-race');
    await Promise.all(Array.from({ length: 8 }, (_, i) => a.project([transition(wf, i + 1)])));
    const entries = await audit(wf);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Set(entries.map((e) => e.payload?.taskId)).size).toBe(8);
    expect((await verify(wf)).body).toMatchObject({ ok: true, checked: 8 });
  });

  test('a row deleted from the middle is reported as a sequence gap', async () => {
    const a = acts();
    const wf = uniqueId('audit-gap');
    for (let seq = 1; seq <= 4; seq++) await a.project([transition(wf, seq)]);
    expect(await stack.t.orm.em.fork().nativeDelete(AuditLogSchema, { workflowId: wf, seq: 2 })).toBe(1);
    expect((await verify(wf)).body).toMatchObject({ ok: false, checked: 1, firstBroken: { seq: 2, reason: 'sequence_gap', expected: 2, actual: 3 } });
  });

  test('a tail rewritten by SQL with every hash recomputed holds as a chain, and the endpoint reports it against the anchor; so is a tail cut off', async () => {
    const a = acts();
    const wf = uniqueId('audit-anchor');
    const cut = uniqueId('audit-anchor-cut');
    for (let seq = 1; seq <= 4; seq++) await a.project([transition(wf, seq), transition(cut, seq)]);
    const anchor = await recordAnchor(stack.t.orm.em.fork(), uniqueId('anchor'));
    const held = await verify(wf);
    expect(held.body).toEqual({ workflowId: wf, ok: true, checked: 4, headHash: expect.any(String), anchor: { id: anchor.id, anchoredAt: anchor.anchoredAt, checked: 1, rootMatches: true } });
    // A chain begun after the anchor has no anchored head: it holds, with nothing to compare.
    const later = uniqueId('audit-anchor-later');
    await a.project([transition(later, 1)]);
    expect((await verify(later)).body).toMatchObject({ ok: true, checked: 1, anchor: { id: anchor.id, checked: 0, rootMatches: true } });

    // Rewrite entries 3 and 4: a forged comment, each hash recomputed from the one before.
    const conn = stack.t.orm.em.fork().getConnection();
    const rows = await conn.execute<{ seq: number; kind: string; actor_id: string; at: Date; payload: unknown; hash: string }[]>(`select * from audit_log where workflow_id = ? order by seq`, [wf]);
    let prevHash = (rows[1] as { hash: string }).hash;
    for (const r of rows.slice(2)) {
      const payload = r.seq === 3 ? canonicalize({ ...(r.payload as object), comment: '伪造' }) : r.payload;
      const hash = auditHash({ workflowId: wf, seq: r.seq, kind: r.kind, actorId: r.actor_id, at: r.at, payload }, prevHash);
      await conn.execute(`update audit_log set payload = ?::jsonb, prev_hash = ?, hash = ? where workflow_id = ? and seq = ?`, [JSON.stringify(payload), prevHash, hash, wf, r.seq]);
      prevHash = hash;
    }
    const rewritten = await conn.execute<{ seq: number; kind: string; actor_id: string; at: Date; payload: unknown; prev_hash: string; hash: string }[]>(`select * from audit_log where workflow_id = ? order by seq`, [wf]);
    expect(verifyChain(rewritten.map((r) => ({ workflowId: wf, seq: r.seq, kind: r.kind, actorId: r.actor_id, at: r.at, payload: r.payload, prevHash: r.prev_hash, hash: r.hash }))).ok).toBe(true);
    const forged = await verify(wf);
    expect(forged.status).toBe(200);
    expect(forged.body).toEqual({
      workflowId: wf,
      ok: false,
      checked: 4,
      headHash: prevHash,
      firstBroken: { seq: 4, reason: 'tail_rewritten', expected: (rows[3] as { hash: string }).hash, actual: prevHash },
      anchor: { id: anchor.id, anchoredAt: anchor.anchoredAt, checked: 1, rootMatches: true },
    });

    // The last two entries cut off: what is left holds as a chain, but ends before the anchored head.
    await conn.execute(`delete from audit_log where workflow_id = ? and seq > 2`, [cut]);
    expect((await verify(cut)).body).toMatchObject({ ok: false, checked: 2, firstBroken: { seq: 4, reason: 'truncated', expected: 4, actual: 2 } });
    // The chains the anchor holds unchanged still verify.
    expect((await verify(later)).body).toMatchObject({ ok: true });
  });
});

test('unknown procedures give 404 and the endpoints need a token', async () => {
  const token = await stack.h.login('dc-supervisor');
  for (const path of ['/procedures/rectification-nope/audit', '/procedures/rectification-nope/audit/verify']) {
    const r = await stack.h.call('GET', path, { token });
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ status: 404, code: 'procedure_not_found' });
    expect((await stack.h.call('GET', path)).status).toBe(401);
  }
});

test('the OpenAPI document lists the audit endpoints and their schemas', async () => {
  const doc = await stack.h.call('GET', '/openapi.json');
  expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/procedures/{workflowId}/audit', '/procedures/{workflowId}/audit/verify']));
  expect(doc.body.components.schemas.AuditVerification.required).toEqual(expect.arrayContaining(['workflowId', 'ok', 'checked', 'headHash']));
  expect(doc.body.components.schemas.AuditEntry.required).toEqual(expect.arrayContaining(['seq', 'kind', 'prevHash', 'hash']));
});
