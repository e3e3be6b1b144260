/**
 * A secret (无记名) vote leaves no readable ballot in Temporal's history (issue 10 §4): in production the
 * server keeps histories in PostgreSQL, so reading them must not tell who voted how. The vote goes through
 * the API; the history is then read raw from the server, as anyone with the database would see it, with
 * no codec. The ballots are there (the workflow needs them), but only as ciphertext: with
 * TINGJIN_PAYLOAD_KEYS=off this test fails.
 *
 * Then the codec endpoint (api/routes/codec.ts): off by default, system administrators only, and with it on
 * `temporal workflow show --codec-endpoint` can read the history.
 */
import { temporal } from '@temporalio/proto';
import { workflowIds } from '../helpers/ids';
import { inboxTask, newKey, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { decodedHistory } from '../helpers/histories';
import { addCommittee } from '../helpers/members';

let committee: string[];
const stack = useApiStack(async (t) => {
  committee = await addCommittee(t.orm, 'sbh', 'sbh', 3);
});

const CHOICES = ['agree', 'disagree', 'defer'] as const;
/** Each member's ballot: a different choice each, so a choice would name its voter. */
const ballotOf = (i: number) => [{ candidateId: '王五', choice: CHOICES[i % 3]! }];

/** Every event of a run as the server stores it, without any codec. */
async function rawHistory(workflowId: string): Promise<temporal.api.history.v1.IHistoryEvent[]> {
  const client = stack.t.env.client;
  const events: temporal.api.history.v1.IHistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const r = await client.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId }, nextPageToken });
    events.push(...(r.history?.events ?? []));
    nextPageToken = r.nextPageToken?.length ? r.nextPageToken : undefined;
  } while (nextPageToken);
  return events;
}

/** Every Payload anywhere in the events (inputs, results, markers, memo, headers, search attributes, failures). */
function payloadsIn(node: unknown, out: temporal.api.common.v1.IPayload[] = []): temporal.api.common.v1.IPayload[] {
  if (!node || typeof node !== 'object' || node instanceof Uint8Array) return out;
  const o = node as { metadata?: unknown; data?: unknown };
  if (o.metadata && typeof o.metadata === 'object' && (o.data === undefined || o.data === null || o.data instanceof Uint8Array)) {
    out.push(o as temporal.api.common.v1.IPayload);
    return out;
  }
  for (const v of Array.isArray(node) ? node : Object.values(node)) payloadsIn(v, out);
  return out;
}

const textOf = (p: temporal.api.common.v1.IPayload): string => Buffer.from(p.data ?? []).toString('utf8');
const encodingOf = (p: temporal.api.common.v1.IPayload): string => Buffer.from(p.metadata?.encoding ?? []).toString();

let wf: string;

test('a secret vote through the API: the raw history holds no voter next to a choice, and no choice at all', async () => {
  const rid = uniqueId('sbh');
  wf = workflowIds.approvalRequest(rid);
  const staff = await stack.h.login('zzb-staff');
  const started = await stack.h.call('POST', '/procedures/approvalRequest', {
    token: staff,
    key: newKey(),
    body: {
      requestId: rid,
      title: '无记名票决',
      steps: [{ key: 'decision', name: '票决', mode: 'vote', assignees: { kind: 'role', role: 'approver', unitId: 'sbh' }, candidates: ['王五'] }],
    },
  });
  expect(started.status).toBe(201);
  for (const [i, m] of committee.entries()) {
    const task = await inboxTask(stack.h, m, wf, 'decision');
    const r = await stack.h.call('POST', `/tasks/${task}/actions`, { token: await stack.h.login(m), key: newKey(), body: { action: 'vote', ballots: ballotOf(i), comment: '投票' } });
    expect(r.status).toBe(200);
  }
  // The procedure decided (1 同意 of 3 does not pass), and its live state, read through the codec, has the tally.
  const state = await eventually(async () => {
    const r = await stack.h.call('GET', `/procedures/${wf}`, { token: staff });
    return r.body.procedure?.status && r.body.procedure.status !== 'open' ? r.body : undefined;
  }, 30_000, 'the vote to decide');
  expect(JSON.stringify(state)).toContain('"agree":1,"disagree":1,"defer":1');

  const events = await rawHistory(wf);
  const payloads = payloadsIn(events);
  expect(payloads.length).toBeGreaterThan(5);
  // No payload holds a choice, or a voter's id beside the word "ballots", in clear.
  for (const p of payloads) {
    const text = textOf(p);
    expect(text).not.toMatch(/\b(agree|disagree|defer)\b/);
    for (const m of committee) expect(text.includes(m) && text.includes('ballots')).toBe(false);
  }
  // Every payload is ciphertext but two kinds the SDK writes itself, which hold no ballot: search attributes
  // (Temporal indexes them), and the bookkeeping of markers (a patch's id; a local activity's seq, type and
  // times; its result is under `result`, encrypted).
  const sdkOwn = new Set(
    payloadsIn(
      events.map((e) => [
        e.workflowExecutionStartedEventAttributes?.searchAttributes,
        e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes,
        Object.entries(e.markerRecordedEventAttributes?.details ?? {}).filter(([k]) => k !== 'result'),
      ]),
    ),
  );
  const clear = payloads.filter((p) => !sdkOwn.has(p) && encodingOf(p) !== 'binary/encrypted');
  expect(clear.map(encodingOf)).toEqual([]);
  // The whole history in bytes, whatever field a ballot could hide in.
  const bytes = Buffer.from(temporal.api.history.v1.History.encode({ events }).finish()).toString('latin1');
  expect(bytes).not.toMatch(/\b(agree|disagree|defer)\b/);

  // Not a vacuous pass: the ballots are in the history, next to their voters, once decrypted with the key.
  const decoded = Buffer.from(temporal.api.history.v1.History.encode(await decodedHistory(stack.t.env.client.workflow.getHandle(wf))).finish()).toString('utf8');
  expect(decoded).toMatch(/disagree/);
  expect(decoded).toContain(committee[1]!);
});

describe('the codec endpoint', () => {
  const firstInput = async () => {
    const [started] = await rawHistory(wf);
    return started!.workflowExecutionStartedEventAttributes!.input!.payloads!.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      data: Buffer.from(p.data ?? []).toString('base64'),
    }));
  };
  afterEach(() => {
    delete process.env.TINGJIN_CODEC_ENDPOINT;
  });

  test('is off by default, and only for system administrators', async () => {
    const payloads = await firstInput();
    const admin = await stack.h.login('admin');
    const off = await stack.h.call('POST', '/codec/decode', { token: admin, body: { payloads } });
    expect(off.status).toBe(404);
    expect(off.body).toMatchObject({ code: 'codec_disabled' });
    process.env.TINGJIN_CODEC_ENDPOINT = 'on';
    for (const user of ['zzb-staff', 'zzb-head', 'dc-supervisor']) {
      const r = await stack.h.call('POST', '/codec/decode', { token: await stack.h.login(user), body: { payloads } });
      expect(r.status).toBe(403);
    }
    expect((await stack.h.call('POST', '/codec/decode', { body: { payloads } })).status).toBe(401);
  });

  test('when on, it decodes a history payload for an administrator and encodes one back; bad input is a 4xx that echoes nothing', async () => {
    process.env.TINGJIN_CODEC_ENDPOINT = 'on';
    const admin = await stack.h.login('admin');
    const payloads = await firstInput();
    const r = await stack.h.call('POST', '/codec/decode', { token: admin, body: { payloads } });
    expect(r.status).toBe(200);
    const [input] = r.body.payloads as { metadata: Record<string, string>; data: string }[];
    expect(Buffer.from(input!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(input!.data, 'base64').toString())).toMatchObject({ title: '无记名票决' });
    const back = await stack.h.call('POST', '/codec/encode', { token: admin, body: { payloads: r.body.payloads } });
    expect(back.status).toBe(200);
    expect(Buffer.from(back.body.payloads[0].metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    // Under another key id, or altered: a 422 that names neither the id nor the data.
    const forged = { metadata: { ...payloads[0]!.metadata, 'encryption-key-id': Buffer.from('stolen-key-7').toString('base64') }, data: payloads[0]!.data };
    const refused = await stack.h.call('POST', '/codec/decode', { token: admin, body: { payloads: [forged] } });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ status: 422, code: 'payload_not_decodable' });
    expect(JSON.stringify(refused.body)).not.toContain('stolen-key-7');
    // Not base64, an unknown field, too many payloads: 400s naming the field.
    for (const body of [{ payloads: [{ data: 'not base64!' }] }, { payloads: [], extra: 1 }, { payloads: Array(1_001).fill({}) }]) {
      const bad = await stack.h.call('POST', '/codec/decode', { token: admin, body });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).not.toContain('not base64!');
    }
  });
});
