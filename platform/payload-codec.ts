/**
 * Payloads encrypted before they reach Temporal (issue 10 §4). A secret (无记名) vote's Update carries the
 * voter and their ballots; the workflow keeps them to count them and to allow one vote per member, and
 * Temporal stores every input, result, query answer, marker and continue-as-new input in its history, which
 * in production is PostgreSQL. With this codec the history holds only ciphertext, so the database alone does
 * not say who voted how; the key stays with the API and the worker.
 *
 * AES-256-GCM from Node's crypto, the way Temporal's encryption sample does it: the whole Payload (its
 * metadata and data) is serialised and encrypted, and the result is a Payload with `encoding:
 * binary/encrypted` and the key's id in its metadata. Keys rotate through a ring: the first key encrypts,
 * every listed key decrypts, so a key is retired only once no running or retained history needs it.
 * Payloads that are not encrypted pass through decode unchanged: histories recorded before (test/histories/)
 * still replay, and a cluster that turns encryption on keeps its running workflows.
 *
 * Not covered, by Temporal's design: search attributes, workflow/activity/update ids and failure messages are
 * stored as they are. None of them may carry a ballot.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DataConverter, LoadedDataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** The metadata names of Temporal's samples, so their tools (and a codec server written for them) agree. */
const ENCODING_KEY = 'encoding';
const KEY_ID_KEY = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface PayloadKey {
  id: string;
  key: Buffer;
}

/** The keys, newest first: the first encrypts, any of them decrypts. */
export type PayloadKeyRing = readonly PayloadKey[];

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | null | undefined): string | undefined => (b ? new TextDecoder().decode(b) : undefined);

export function isEncrypted(p: Payload): boolean {
  return text(p.metadata?.[ENCODING_KEY]) === ENCRYPTED_ENCODING;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly byId: ReadonlyMap<string, Buffer>;
  private readonly current: PayloadKey;

  constructor(ring: PayloadKeyRing) {
    const [current] = ring;
    if (!current) throw new Error('a payload key ring needs at least one key');
    for (const k of ring) {
      if (!KEY_ID.test(k.id)) throw new Error('a payload key id is 1 to 64 letters, digits, dots, dashes or underscores');
      if (k.key.length !== 32) throw new Error(`payload key ${k.id} must be 32 bytes (AES-256), got ${k.key.length}`);
    }
    if (new Set(ring.map((k) => k.id)).size !== ring.length) throw new Error('payload key ids must differ');
    this.current = current;
    this.byId = new Map(ring.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
      // The key id is authenticated too: a payload relabelled with another key's id fails to decrypt.
      cipher.setAAD(Buffer.from(this.current.id));
      const plain = temporal.api.common.v1.Payload.encode(p).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { [ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [KEY_ID_KEY]: utf8(this.current.id) }, data };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      if (!isEncrypted(p)) return p;
      const id = text(p.metadata?.[KEY_ID_KEY]);
      const key = id === undefined ? undefined : this.byId.get(id);
      // The id is ours (a key id), never a user's input, so naming it helps the operator and leaks nothing.
      if (!key || id === undefined) throw new Error(`payload encrypted with key ${JSON.stringify(id ?? null)}, which is not in the key ring`);
      const data = Buffer.from(p.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new Error('encrypted payload too short');
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/** `id:base64key` entries, separated by commas, spaces or new lines (the env value and the key file alike). */
export function parseKeyRing(raw: string, source: string): PayloadKey[] {
  const entries = raw.split(/[\s,]+/).filter(Boolean);
  if (entries.length === 0) throw new Error(`${source}: no key`);
  return entries.map((entry, i) => {
    const at = entry.indexOf(':');
    const id = at > 0 ? entry.slice(0, at) : '';
    const b64 = at > 0 ? entry.slice(at + 1) : '';
    // Never echo the entry: it is a key.
    if (!KEY_ID.test(id)) throw new Error(`${source}: entry ${i + 1} must be id:base64key (id of letters, digits, . _ -)`);
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64)) throw new Error(`${source}: key ${id} is not base64`);
    const key = Buffer.from(b64, 'base64');
    if (key.length !== 32) throw new Error(`${source}: key ${id} must be 32 bytes (AES-256), got ${key.length}`);
    return { id, key };
  });
}

export const newKeyEntry = (id: string): string => `${id}:${randomBytes(32).toString('base64')}`;

/** Where `npm start` keeps its generated key when TINGJIN_PAYLOAD_KEYS is unset. */
export const keyFileOf = (dataDir: string): string => path.join(dataDir, 'payload-keys');

/**
 * The key ring, or null when encryption is off. TINGJIN_PAYLOAD_KEYS wins; `off` turns encryption off (for
 * comparisons only: histories then hold ballots in clear). Unset: the key file in the data directory,
 * created on first use (mode 600, like the other local state there), so `npm start` works on a fresh
 * machine. The API and the worker must share the key: separate processes share TINGJIN_DATA_DIR or the env.
 */
export function payloadKeyRing(env: NodeJS.ProcessEnv, dataDir: string): PayloadKeyRing | null {
  const raw = env.TINGJIN_PAYLOAD_KEYS?.trim();
  if (raw === 'off') return null;
  if (raw) return parseKeyRing(raw, 'TINGJIN_PAYLOAD_KEYS');
  const file = keyFileOf(dataDir);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    const stamp = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    // Written aside, then linked into place: the API and a worker may start together on a fresh data
    // directory, and neither may read a half-written file. The first link wins; the other reads the winner's key.
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    fs.writeFileSync(tmp, `${newKeyEntry(`local-${stamp}`)}\n`, { mode: 0o600, flag: 'wx' });
    try {
      fs.linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.unlinkSync(tmp);
    }
  }
  return parseKeyRing(fs.readFileSync(file, 'utf8'), file);
}

export function dataConverterFor(ring: PayloadKeyRing | null): DataConverter {
  return ring ? { payloadCodecs: [new EncryptionCodec(ring)] } : {};
}

const DEFAULT_DATA_DIR = path.resolve(__dirname, '..', '.data');
let cached: { signature: string; converter: DataConverter } | null = null;

/**
 * The data converter of every Temporal client, worker and replayer in this process, from the environment
 * (TINGJIN_PAYLOAD_KEYS, TINGJIN_DATA_DIR as platform/config.ts reads it). One instance per configuration.
 */
export function payloadDataConverter(env: NodeJS.ProcessEnv = process.env): DataConverter {
  const dataDir = path.resolve(env.TINGJIN_DATA_DIR || DEFAULT_DATA_DIR);
  const signature = `${env.TINGJIN_PAYLOAD_KEYS ?? ''}\n${dataDir}`;
  if (cached?.signature !== signature) cached = { signature, converter: dataConverterFor(payloadKeyRing(env, dataDir)) };
  return cached.converter;
}

/** A raw Payload anywhere in a proto message: an object with metadata of bytes and data. */
function isPayload(o: unknown): o is Payload {
  if (!o || typeof o !== 'object') return false;
  const m = (o as { metadata?: unknown }).metadata;
  return !!m && typeof m === 'object' && ((o as { data?: unknown }).data === undefined || (o as { data?: unknown }).data instanceof Uint8Array || (o as { data?: unknown }).data === null);
}

/**
 * Decrypts, in place, every encrypted payload in a history (or any proto message read from the server):
 * for recording histories as readable JSON and for tests that read inputs. Payloads that are not
 * encrypted (search attributes, those of another codec) are left as they are.
 */
export async function decodePayloadsIn<T extends object>(message: T, converter: Pick<LoadedDataConverter, 'payloadCodecs'> | DataConverter): Promise<T> {
  const codecs = converter.payloadCodecs ?? [];
  if (codecs.length === 0) return message;
  const slots: { owner: Record<string, unknown> | unknown[]; key: string | number; payload: Payload }[] = [];
  const seen = new Set<object>();
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object' || seen.has(node) || node instanceof Uint8Array) return;
    seen.add(node);
    const entries: [string | number, unknown][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
    for (const [key, value] of entries) {
      if (isPayload(value) && isEncrypted(value)) slots.push({ owner: node as Record<string, unknown>, key, payload: value });
      else walk(value);
    }
  };
  walk(message);
  if (slots.length === 0) return message;
  let payloads = slots.map((s) => s.payload);
  // Codecs decode in the reverse order of encoding, as the SDK does.
  for (const codec of [...codecs].reverse()) payloads = await codec.decode(payloads);
  slots.forEach((s, i) => {
    (s.owner as Record<string | number, unknown>)[s.key] = payloads[i];
  });
  return message;
}
