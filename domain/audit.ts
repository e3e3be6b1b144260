/**
 * The audit log's hash chain, as pure functions. Each entry's hash covers its own fields and the
 * previous entry's hash, so editing, reordering or deleting an entry in the middle of a procedure's
 * chain breaks every link after it. Only the canonical form is hashed, so PostgreSQL's jsonb (which
 * reorders keys) returns exactly what was hashed.
 */
import { createHash } from 'node:crypto';
import canonicalizeJson from 'canonicalize';

/** prevHash of a procedure's first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields an entry's hash covers. */
export interface AuditFields {
  workflowId: string;
  seq: number;
  kind: string;
  actorId: string;
  at: Date | string;
  payload: unknown;
}

/** An entry as stored: its fields plus the chain. */
export interface AuditRow extends AuditFields {
  prevHash: string;
  hash: string;
}

export type BrokenReason = 'hash_mismatch' | 'prev_hash_mismatch' | 'sequence_gap';

export interface ChainVerification {
  ok: boolean;
  /** Entries verified intact, from the first one up to (not including) the first broken link. */
  checked: number;
  /** Hash of the last intact entry; null when there is none. */
  headHash: string | null;
  firstBroken?: {
    /** The seq at which the chain breaks. For a gap, the first missing seq. */
    seq: number;
    reason: BrokenReason;
    /** What the chain requires there: a hash, a prevHash, or a seq. */
    expected: string | number;
    /** What the stored entry holds there. */
    actual: string | number;
  };
}

/**
 * RFC 8785 canonical JSON (the `canonicalize` library): object keys sorted at every depth, dates as ISO
 * strings (their toJSON), absent and undefined alike (jsonb keeps neither). Two values that jsonb stores
 * alike serialise alike, whatever their key order.
 */
export function canonicalJson(value: unknown): string {
  return canonicalizeJson(value) ?? 'null';
}

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

/**
 * The hand-written canonical JSON that chains were hashed with until December 2026, kept only to verify
 * them. It equals canonicalJson except where an object has integer-like keys ("9", "10"): JavaScript
 * puts those first, in numeric order, whatever order they are inserted in, so it wrote {"9":…,"10":…}
 * where RFC 8785 writes {"10":…,"9":…} (test/unit/canonical.test.ts).
 */
export function legacyCanonicalJson(value: unknown): string {
  return JSON.stringify(legacyValue(value)) ?? 'null';
}

/** The JSON value that canonicalJson hashes: what to store, so that reading it back hashes the same. */
export function canonicalize<T = unknown>(value: unknown): T {
  return JSON.parse(canonicalJson(value)) as T;
}

function isoOf(at: Date | string): string {
  return (at instanceof Date ? at : new Date(at)).toISOString();
}

/** sha256 (hex) over the canonical JSON of the entry's fields and the previous entry's hash. */
export function auditHash(entry: AuditFields, prevHash: string, serialise: (value: unknown) => string = canonicalJson): string {
  const canonical = serialise({
    workflowId: entry.workflowId,
    seq: entry.seq,
    kind: entry.kind,
    actorId: entry.actorId,
    at: isoOf(entry.at),
    payload: entry.payload ?? null,
    prevHash,
  });
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/**
 * Verifies one procedure's chain. The rows are taken in seq order; seqs start at 1 and have no gaps.
 * Stops at the first broken link: a missing seq (a deleted entry), a prevHash that is not the previous
 * entry's hash, or a hash that does not match the entry's own fields.
 */
export function verifyChain(rows: readonly AuditRow[]): ChainVerification {
  const sorted = [...rows].sort((a, b) => a.seq - b.seq);
  let prevHash = GENESIS_HASH;
  let checked = 0;
  let headHash: string | null = null;
  const broken = (firstBroken: NonNullable<ChainVerification['firstBroken']>): ChainVerification => ({
    ok: false,
    checked,
    headHash,
    firstBroken,
  });
  for (const row of sorted) {
    const expectedSeq = checked + 1;
    if (row.seq !== expectedSeq) return broken({ seq: expectedSeq, reason: 'sequence_gap', expected: expectedSeq, actual: row.seq });
    if (row.prevHash !== prevHash) return broken({ seq: row.seq, reason: 'prev_hash_mismatch', expected: prevHash, actual: row.prevHash });
    const hash = auditHash(row, row.prevHash);
    // An entry written before RFC 8785 (legacyCanonicalJson) verifies with the form it was hashed in.
    if (row.hash !== hash && row.hash !== auditHash(row, row.prevHash, legacyCanonicalJson)) {
      return broken({ seq: row.seq, reason: 'hash_mismatch', expected: hash, actual: row.hash });
    }
    prevHash = row.hash;
    headHash = row.hash;
    checked += 1;
  }
  return { ok: true, checked, headHash };
}
