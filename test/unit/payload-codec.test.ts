/**
 * The payload codec (platform/payload-codec.ts): what Temporal stores is ciphertext under a key id; the ring
 * rotates (newest encrypts, any listed key decrypts); payloads that were never encrypted pass through.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { decodePayloadsIn, EncryptionCodec, keyFileOf, parseKeyRing, payloadKeyRing, type PayloadKey } from '../../platform/payload-codec';

const key = (id: string): PayloadKey => ({ id, key: randomBytes(32) });
const ballot = { actorId: 'cw-3', ballots: [{ candidateId: '张三', choice: 'disagree' }] };
const plain = (): Payload => defaultPayloadConverter.toPayload(ballot);
const text = (p: Payload): string => Buffer.from(JSON.stringify({ m: Object.values(p.metadata ?? {}).map((v) => Buffer.from(v).toString()), d: Buffer.from(p.data ?? []).toString('latin1') })).toString();

test('round trip: the stored payload is ciphertext under the key id, and decodes to the original', async () => {
  const codec = new EncryptionCodec([key('k1')]);
  const [enc] = await codec.encode([plain()]);
  expect(Buffer.from(enc!.metadata!.encoding!).toString()).toBe('binary/encrypted');
  expect(Buffer.from(enc!.metadata!['encryption-key-id']!).toString()).toBe('k1');
  expect(text(enc!)).not.toMatch(/cw-3|disagree|json\/plain/);
  const [dec] = await codec.decode([enc!]);
  expect(defaultPayloadConverter.fromPayload(dec!)).toEqual(ballot);
  // A fresh IV each time: the same ballot twice is not the same ciphertext.
  const [again] = await codec.encode([plain()]);
  expect(Buffer.from(again!.data!).equals(Buffer.from(enc!.data!))).toBe(false);
});

test('another key, a relabelled key id, or a changed byte fails to decrypt', async () => {
  const [enc] = await new EncryptionCodec([key('k1')]).encode([plain()]);
  // The same id with other key material: authentication fails.
  await expect(new EncryptionCodec([key('k1')]).decode([enc!])).rejects.toThrow();
  // An id the ring does not have.
  await expect(new EncryptionCodec([key('k2')]).decode([enc!])).rejects.toThrow(/"k1", which is not in the key ring/);
  // A flipped bit in the ciphertext.
  const k = key('k1');
  const codec = new EncryptionCodec([k]);
  const [good] = await codec.encode([plain()]);
  const data = Buffer.from(good!.data!);
  data[20] = (data[20] ?? 0) ^ 1;
  await expect(codec.decode([{ ...good!, data }])).rejects.toThrow();
  // The key id is authenticated: relabelling a payload with another listed key's id fails.
  const other = key('k0');
  const ring = new EncryptionCodec([k, other]);
  const relabelled = { ...good!, metadata: { ...good!.metadata, 'encryption-key-id': Buffer.from('k0') } };
  await expect(ring.decode([relabelled])).rejects.toThrow();
});

test('rotation: the newest key encrypts, and a payload under an older listed key still decodes', async () => {
  const old = key('2025');
  const [before] = await new EncryptionCodec([old]).encode([plain()]);
  const rotated = new EncryptionCodec([key('2026'), old]);
  const [after] = await rotated.encode([plain()]);
  expect(Buffer.from(after!.metadata!['encryption-key-id']!).toString()).toBe('2026');
  const decoded = await rotated.decode([before!, after!]);
  expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([ballot, ballot]);
});

test('payloads that were never encrypted pass through decode unchanged (recorded histories replay)', async () => {
  const codec = new EncryptionCodec([key('k1')]);
  const p = plain();
  expect(await codec.decode([p])).toEqual([p]);
  const binary: Payload = { metadata: { encoding: Buffer.from('binary/null') } };
  expect(await codec.decode([binary])).toEqual([binary]);
});

test('decodePayloadsIn decrypts every encrypted payload in a message and leaves the others', async () => {
  const codec = new EncryptionCodec([key('k1')]);
  const [enc] = await codec.encode([plain()]);
  const searchAttr = defaultPayloadConverter.toPayload('open');
  const history = {
    events: [
      { workflowExecutionStartedEventAttributes: { input: { payloads: [enc] }, searchAttributes: { indexedFields: { Status: searchAttr } }, memo: { fields: { k: enc } } } },
    ],
  };
  await decodePayloadsIn(history, { payloadCodecs: [codec] });
  const attrs = history.events[0]!.workflowExecutionStartedEventAttributes;
  expect(defaultPayloadConverter.fromPayload(attrs.input.payloads[0]!)).toEqual(ballot);
  expect(defaultPayloadConverter.fromPayload(attrs.memo.fields.k!)).toEqual(ballot);
  expect(attrs.searchAttributes.indexedFields.Status).toBe(searchAttr);
});

describe('key configuration', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tingjin-keys-'));
    dirs.push(d);
    return path.join(d, 'data');
  };

  test('TINGJIN_PAYLOAD_KEYS lists id:base64 keys, newest first; off turns encryption off', () => {
    const a = randomBytes(32).toString('base64');
    const b = randomBytes(32).toString('base64');
    const ring = payloadKeyRing({ TINGJIN_PAYLOAD_KEYS: `new:${a}, old:${b}` }, tmp());
    expect(ring?.map((k) => k.id)).toEqual(['new', 'old']);
    expect(ring?.[0]?.key.toString('base64')).toBe(a);
    expect(payloadKeyRing({ TINGJIN_PAYLOAD_KEYS: 'off' }, tmp())).toBeNull();
  });

  test('a bad key is refused without echoing it', () => {
    const short = Buffer.from('too short').toString('base64');
    expect(() => parseKeyRing(`k1:${short}`, 'TINGJIN_PAYLOAD_KEYS')).toThrow('TINGJIN_PAYLOAD_KEYS: key k1 must be 32 bytes (AES-256), got 9');
    const secret = randomBytes(32).toString('base64');
    for (const raw of [secret, `bad id:${secret}`, `k1:${secret}!!`]) {
      let message = '';
      try {
        parseKeyRing(raw, 'TINGJIN_PAYLOAD_KEYS');
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/^TINGJIN_PAYLOAD_KEYS: /);
      expect(message).not.toContain(secret.slice(0, 12));
    }
    const k = randomBytes(32).toString('base64');
    expect(() => new EncryptionCodec(parseKeyRing(`k1:${k},k1:${k}`, 'x'))).toThrow(/must differ/);
  });

  test('unset: a key is generated once in the data directory (mode 600) and kept', () => {
    const dataDir = tmp();
    const first = payloadKeyRing({}, dataDir);
    const file = keyFileOf(dataDir);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const second = payloadKeyRing({}, dataDir);
    expect(first).toHaveLength(1);
    expect(second?.[0]?.id).toBe(first?.[0]?.id);
    expect(second?.[0]?.key.equals(first![0]!.key)).toBe(true);
  });
});
