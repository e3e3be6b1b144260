/**
 * The audit chain's canonical JSON moved from a hand-written recursion to RFC 8785 (`canonicalize`).
 * Chains already written were hashed with the old one. The two give the same string for the payload
 * shapes in use and for every generated JSON value without integer-like keys; with such keys ("9",
 * "10") they differ (JavaScript orders those keys numerically first), so verifyChain also accepts an
 * entry's hash in the old form, and a chain written the old way still verifies.
 */
import { createHash } from 'node:crypto';
import { auditHash, canonicalJson, GENESIS_HASH, verifyChain, type AuditRow } from '../../domain/audit';
import { fingerprint } from '../../api/idempotency';

/** The hand-written canonical JSON as it stood in domain/audit.ts (commit 912628d), copied here as the reference. */
function legacyValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => (v === undefined || typeof v === 'function' ? null : legacyValue(v)));
  if (value !== null && typeof value === 'object') {
    const withToJson = value as { toJSON?: () => unknown };
    if (typeof withToJson.toJSON === 'function') return legacyValue(withToJson.toJSON());
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined || typeof v === 'function') continue;
      out[key] = legacyValue(v);
    }
    return out;
  }
  return value;
}
const legacyJson = (value: unknown): string => JSON.stringify(legacyValue(value)) ?? 'null';

/** Whether any object in the value has a key JavaScript treats as an array index. */
function hasIndexKey(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasIndexKey);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    return Object.entries(v).some(([k, x]) => /^(0|[1-9]\d*)$/.test(k) || hasIndexKey(x));
  }
  return false;
}

/** The payloads activities/projection.ts writes, and the entry fields auditHash covers. */
const SHAPES: unknown[] = [
  { step: 'submit', taskId: 'rectification-fb-1-p1-jyj:3', comment: '已整改，附件见材料', data: { measures: '建立台账', evidence: [{ name: '会议纪要.pdf', ref: 'r1' }], institutionalRule: null } },
  { step: 'decision', taskId: 'approvalRequest-r1:7', comment: null, data: { ballots: [{ candidateId: '张三', choice: 'agree' }, { candidateId: '李四', choice: 'abstain' }] } },
  { taskId: 'x:1', action: 'approve' },
  { taskId: 'x:2', step: 'countersign', round: 2, assigneeIds: ['ld-1', 'ld-2'], dueAt: '2026-12-01T16:00:00.000Z' },
  { taskId: 'x:2', step: 'review', round: 1, assigneeIds: [], dueAt: null },
  { rung: 3, overdueDays: 12.5, notified: ['zzb-head', 'dc-1'], units: { jyj: true, wjw: false } },
  { score: -0, ratio: 0.1 + 0.2, big: 1e21, small: 1e-7, neg: -42, max: Number.MAX_SAFE_INTEGER },
  { text: 'tab\tnewline\n引号" 反斜杠\\ emoji 🎉 \u2028 é', empty: '', 'key with space': 1, 'ключ': 2, '1a': 'a', '-1': 'b', '01': 'c', Z: 1, a: 2 },
  { workflowId: 'w', seq: 1, kind: 'action:submit', actorId: 'jyj-staff', at: '2026-11-20T08:01:00.000Z', payload: null, prevHash: GENESIS_HASH },
  { nested: [[[]], {}, [{}], [null, true, false, 0]] },
  null,
  [],
  'just a string',
  0,
];

/** A small deterministic generator of JSON values (mulberry32), so a failure reproduces. */
function generator(seed: number) {
  let a = seed;
  const rnd = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const chars = ['a', 'B', 'z', '0', '_', ' ', '"', '\\', '\n', '\u00e9', '\u4e2d', '\u6587', '\ud83c\udf89', '\u2028', '\u007f', '\u0001'];
  const str = (): string => Array.from({ length: Math.floor(rnd() * 6) }, () => chars[Math.floor(rnd() * chars.length)]).join('');
  const num = (): number => {
    const k = Math.floor(rnd() * 5);
    if (k === 0) return Math.floor(rnd() * 2000) - 1000;
    if (k === 1) return (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20);
    if (k === 2) return rnd();
    if (k === 3) return Number.MAX_SAFE_INTEGER - Math.floor(rnd() * 10);
    return -0;
  };
  const value = (depth: number): unknown => {
    const k = Math.floor(rnd() * (depth > 4 ? 5 : 7));
    if (k === 0) return null;
    if (k === 1) return rnd() < 0.5;
    if (k === 2) return num();
    if (k === 3 || k === 4) return str();
    if (k === 5) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(rnd() * 5) }, () => [str(), value(depth + 1)]));
  };
  return value;
}

describe('the library gives the hand-written canonical JSON', () => {
  test.each(SHAPES.map((s, i) => [i, s]))('payload shape %i', (_i, shape) => {
    expect(canonicalJson(shape)).toBe(legacyJson(shape));
  });

  test('for 5,000 generated JSON values without integer-like keys, as given and as read back from JSON', () => {
    const value = generator(20261202);
    let compared = 0;
    for (let i = 0; i < 5000; i++) {
      const v = value(0);
      if (hasIndexKey(v)) continue;
      compared++;
      expect(canonicalJson(v)).toBe(legacyJson(v));
      const readBack: unknown = JSON.parse(JSON.stringify(v));
      expect(canonicalJson(readBack)).toBe(legacyJson(readBack));
    }
    expect(compared).toBeGreaterThan(3000);
  });

  test('integer-like keys are where they differ: RFC 8785 sorts them as strings', () => {
    const v = { '10': 'a', '9': 'b', x: 1 };
    expect(canonicalJson(v)).toBe('{"10":"a","9":"b","x":1}');
    expect(legacyJson(v)).toBe('{"9":"b","10":"a","x":1}');
  });

  test('for what activities pass before it is JSON: dates and absent fields', () => {
    const at = new Date(Date.UTC(2026, 10, 20, 8, 0, 0, 5));
    const v = { at, gone: undefined, list: [undefined, at, 1], nested: { when: at, none: undefined } };
    expect(canonicalJson(v)).toBe(legacyJson(v));
    expect(canonicalJson(undefined)).toBe(legacyJson(undefined));
  });
});

describe('chains written before the switch', () => {
  /** A chain of 20 entries hashed the old way (payloads cycling through SHAPES, plus `extra`). */
  function legacyChain(extra: unknown[] = []): AuditRow[] {
    const payloads = [...SHAPES, ...extra];
    const rows: AuditRow[] = [];
    let prevHash = GENESIS_HASH;
    for (let seq = 1; seq <= 20; seq++) {
      const fields = { workflowId: 'approvalRequest-r1', seq, kind: 'action:vote', actorId: `cw-${seq}`, at: new Date(Date.UTC(2026, 10, 20, 8, seq)), payload: payloads[seq % payloads.length] };
      const hash = createHash('sha256')
        .update(legacyJson({ workflowId: fields.workflowId, seq, kind: fields.kind, actorId: fields.actorId, at: fields.at.toISOString(), payload: fields.payload ?? null, prevHash }), 'utf8')
        .digest('hex');
      rows.push({ ...fields, prevHash, hash });
      prevHash = hash;
    }
    return rows;
  }

  test('with the shapes in use: every entry hashes the same with RFC 8785', () => {
    for (const row of legacyChain()) expect(auditHash(row, row.prevHash)).toBe(row.hash);
    expect(verifyChain(legacyChain())).toMatchObject({ ok: true, checked: 20 });
  });

  test('with integer-like keys in a payload: verifies through the old form, and a change is still caught', () => {
    const rows = legacyChain([{ tally: { '9': 1, '10': 2 } }]);
    const odd = rows.find((r) => hasIndexKey(r.payload))!;
    expect(auditHash(odd, odd.prevHash)).not.toBe(odd.hash);
    expect(verifyChain(rows)).toMatchObject({ ok: true, checked: 20 });
    const edited = rows.map((r) => (r === odd ? { ...r, payload: { tally: { '9': 1, '10': 3 } } } : r));
    expect(verifyChain(edited).firstBroken).toMatchObject({ seq: odd.seq, reason: 'hash_mismatch' });
  });
});

test('the idempotency fingerprint does not depend on key order, and does on values', () => {
  const a = { title: 't', steps: [{ key: 's', assignees: { kind: 'role', role: 'approver', unitId: 'ld' } }] };
  const b = { steps: [{ assignees: { unitId: 'ld', role: 'approver', kind: 'role' }, key: 's' }], title: 't' };
  expect(fingerprint('POST', '/p', a)).toBe(fingerprint('POST', '/p', b));
  expect(fingerprint('POST', '/p', a)).not.toBe(fingerprint('POST', '/p', { ...a, title: 'u' }));
  expect(fingerprint('POST', '/p', a)).not.toBe(fingerprint('POST', '/q', a));
});
