import { auditHash, canonicalJson, GENESIS_HASH, verifyChain, type AuditRow } from '../../domain/audit';

/** A well-formed chain of n entries for one procedure. */
function chain(n: number, workflowId = 'rectification-fb-1-p1-jyj'): AuditRow[] {
  const rows: AuditRow[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const fields = {
      workflowId,
      seq,
      kind: seq % 2 ? 'task:opened' : 'action:submit',
      actorId: seq % 2 ? 'system' : 'jyj-staff',
      at: new Date(Date.UTC(2026, 10, 20, 8, seq)),
      payload: { step: 'submit', seq, data: { measures: `措施 ${seq}`, evidence: [{ name: 'a', ref: `r${seq}` }] } },
    };
    const hash = auditHash(fields, prevHash);
    rows.push({ ...fields, prevHash, hash });
    prevHash = hash;
  }
  return rows;
}

describe('canonical JSON', () => {
  test('does not depend on key order, at any depth', () => {
    const a = { b: 1, a: { y: [1, { q: 2, p: 1 }], x: 'x' }, c: null };
    const b = { c: null, a: { x: 'x', y: [1, { p: 1, q: 2 }] }, b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"x":"x","y":[1,{"p":1,"q":2}]},"b":1,"c":null}');
  });

  test('writes dates as ISO strings and drops undefined like JSON does', () => {
    expect(canonicalJson({ at: new Date('2026-11-20T08:00:00Z'), gone: undefined })).toBe('{"at":"2026-11-20T08:00:00.000Z"}');
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
    expect(canonicalJson(undefined)).toBe('null');
  });

  test('array order matters', () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });
});

describe('auditHash', () => {
  const fields = { workflowId: 'w', seq: 1, kind: 'action:start', actorId: 'zzb-staff', at: '2026-11-20T08:00:00.000Z', payload: { a: 1, b: 2 } };

  test('is sha256 hex, the same for a Date or its ISO string and for reordered payload keys', () => {
    const h = auditHash(fields, GENESIS_HASH);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(auditHash({ ...fields, at: new Date(fields.at), payload: { b: 2, a: 1 } }, GENESIS_HASH)).toBe(h);
  });

  test('changes with every field and with the previous hash', () => {
    const h = auditHash(fields, GENESIS_HASH);
    const variants = [
      { ...fields, workflowId: 'w2' },
      { ...fields, seq: 2 },
      { ...fields, kind: 'action:submit' },
      { ...fields, actorId: 'jyj-staff' },
      { ...fields, at: '2026-11-20T08:00:00.001Z' },
      { ...fields, payload: { a: 1, b: 3 } },
    ];
    for (const v of variants) expect(auditHash(v, GENESIS_HASH)).not.toBe(h);
    expect(auditHash(fields, 'f'.repeat(64))).not.toBe(h);
  });
});

describe('verifyChain', () => {
  test('an intact chain verifies, in any row order', () => {
    const rows = chain(6);
    expect(verifyChain(rows)).toEqual({ ok: true, checked: 6, headHash: rows[5]!.hash });
    expect(verifyChain([...rows].reverse())).toEqual({ ok: true, checked: 6, headHash: rows[5]!.hash });
    expect(rows[0]!.prevHash).toBe(GENESIS_HASH);
  });

  test('an empty chain verifies, with no head', () => {
    expect(verifyChain([])).toEqual({ ok: true, checked: 0, headHash: null });
  });

  test('an altered payload is a hash mismatch at its seq', () => {
    const rows = chain(6);
    const payload = rows[2]!.payload as { data: { measures: string } };
    rows[2] = { ...rows[2]!, payload: { ...payload, data: { ...payload.data, measures: '改过的' } } };
    const r = verifyChain(rows);
    expect(r).toMatchObject({ ok: false, checked: 2, headHash: rows[1]!.hash, firstBroken: { seq: 3, reason: 'hash_mismatch', actual: rows[2].hash } });
    expect(r.firstBroken?.expected).not.toBe(rows[2].hash);
  });

  test('altered actor, kind or time are hash mismatches too', () => {
    for (const change of [{ actorId: 'someone' }, { kind: 'action:sign' }, { at: new Date(0) }]) {
      const rows = chain(4);
      rows[1] = { ...rows[1]!, ...change };
      expect(verifyChain(rows).firstBroken).toMatchObject({ seq: 2, reason: 'hash_mismatch' });
    }
  });

  test('an altered hash is a hash mismatch at its own seq, not at the next one', () => {
    const rows = chain(6);
    rows[3] = { ...rows[3]!, hash: 'a'.repeat(64) };
    expect(verifyChain(rows)).toMatchObject({
      ok: false,
      checked: 3,
      firstBroken: { seq: 4, reason: 'hash_mismatch', expected: chain(6)[3]!.hash, actual: 'a'.repeat(64) },
    });
  });

  test('an altered prevHash is a prev-hash mismatch', () => {
    const rows = chain(6);
    rows[4] = { ...rows[4]!, prevHash: 'b'.repeat(64) };
    expect(verifyChain(rows)).toMatchObject({
      ok: false,
      checked: 4,
      firstBroken: { seq: 5, reason: 'prev_hash_mismatch', expected: rows[3]!.hash, actual: 'b'.repeat(64) },
    });
  });

  test('a first entry that does not start from the genesis hash is a prev-hash mismatch', () => {
    const rows = chain(2, 'w');
    const forged = { ...rows[0]!, prevHash: 'c'.repeat(64) };
    forged.hash = auditHash(forged, forged.prevHash);
    expect(verifyChain([forged]).firstBroken).toMatchObject({ seq: 1, reason: 'prev_hash_mismatch', expected: GENESIS_HASH });
  });

  test('a deleted middle row is a sequence gap at the missing seq', () => {
    const rows = chain(6);
    rows.splice(2, 1);
    expect(verifyChain(rows)).toMatchObject({ ok: false, checked: 2, firstBroken: { seq: 3, reason: 'sequence_gap', expected: 3, actual: 4 } });
  });

  test('a deleted and renumbered row is still caught, by the broken link', () => {
    const rows = chain(6);
    rows.splice(2, 1);
    const renumbered = rows.map((r, i) => ({ ...r, seq: i + 1 }));
    // Renumbering changes what each later entry's hash covers; the first renumbered entry no longer links.
    expect(verifyChain(renumbered).firstBroken).toMatchObject({ seq: 3, reason: 'prev_hash_mismatch' });
  });

  test('a deleted first row is a sequence gap at seq 1', () => {
    const rows = chain(3).slice(1);
    expect(verifyChain(rows)).toMatchObject({ ok: false, checked: 0, headHash: null, firstBroken: { seq: 1, reason: 'sequence_gap', actual: 2 } });
  });
});
