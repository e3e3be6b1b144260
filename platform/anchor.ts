/**
 * Audit anchoring (issue 13). A procedure's chain (domain/audit.ts) shows an entry edited in the middle,
 * but not a tail rewritten with every hash recomputed: that chain verifies on its own. So a daily job
 * (the anchor Schedule, platform/schedules.ts) records every chain's head, and the Merkle root over the
 * heads, in the append-only audit_anchor tables, and exports the root outside the database (a file or a
 * URL). verify-audit then checks that each anchored head is still in its chain: a rewritten tail has
 * another hash at that seq, a cut one has no entry there. The root exported elsewhere covers the anchor
 * tables themselves (a superuser could drop the trigger): the heads recorded must still hash to it.
 *
 * Every hash of this module is here: sha256 (node:crypto) over the audit chain's canonical JSON.
 */
import { createHash } from 'node:crypto';
import { appendFile, readFile } from 'node:fs/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import { canonicalJson, verifyChain, type AuditRow, type ChainVerification } from '../domain/audit';
import { pgTextArray } from '../activities/sql';

/** A procedure's chain head: its last entry's seq and hash. */
export interface ChainHeadRecord {
  workflowId: string;
  seq: number;
  hash: string;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * A leaf is the hash of a head's canonical JSON, an inner node the hash of its two children; the prefixes
 * keep a leaf from ever being read as a node (second preimages). Leaves go in workflow id order (code
 * point order, as JavaScript compares), so the root does not depend on the order they were read in.
 */
export function leafHash(head: ChainHeadRecord): string {
  return sha256(`leaf:${canonicalJson({ workflowId: head.workflowId, seq: head.seq, hash: head.hash })}`);
}

/** The root of the heads; a level of odd length carries its last node up unchanged. No heads: sha256 of "". */
export function merkleRoot(heads: readonly ChainHeadRecord[]): string {
  let level = [...heads].sort((a, b) => (a.workflowId < b.workflowId ? -1 : a.workflowId > b.workflowId ? 1 : 0)).map(leafHash);
  if (level.length === 0) return sha256('');
  while (level.length > 1) {
    const up: string[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i] as string;
      const right = level[i + 1];
      up.push(right === undefined ? left : sha256(`node:${left}${right}`));
    }
    level = up;
  }
  return level[0] as string;
}

export interface Anchor {
  id: string;
  key: string;
  anchoredAt: string;
  root: string;
  procedures: number;
}

interface AnchorRow {
  id: string;
  key: string;
  anchored_at: Date;
  root: string;
  procedures: number;
}

const anchorOf = (r: AnchorRow): Anchor => ({ id: String(r.id), key: r.key, anchoredAt: new Date(r.anchored_at).toISOString(), root: r.root, procedures: r.procedures });

/**
 * Records an anchor: every chain's head and their root, in one transaction. `key` names the run (the
 * scheduled workflow's id), so a retried activity finds its anchor instead of writing a second one.
 */
export async function recordAnchor(em: EntityManager, key: string): Promise<Anchor> {
  return em.transactional(async (tx) => {
    const [existing] = await tx.execute<AnchorRow[]>(`select * from audit_anchor where key = ?`, [key]);
    if (existing) return anchorOf(existing);
    const heads = await tx.execute<{ workflow_id: string; seq: number; hash: string }[]>(
      `select distinct on (workflow_id) workflow_id, seq, hash from audit_log order by workflow_id, seq desc`,
    );
    const root = merkleRoot(heads.map((h) => ({ workflowId: h.workflow_id, seq: h.seq, hash: h.hash })));
    const [row] = await tx.execute<AnchorRow[]>(`insert into audit_anchor (key, root, procedures) values (?, ?, ?) returning *`, [key, root, heads.length]);
    const anchor = anchorOf(row as AnchorRow);
    // The heads as read and hashed above, not read again: the root covers exactly these rows.
    await tx.execute(
      `insert into audit_anchor_head (anchor_id, workflow_id, seq, hash) select ?, w, s, h from unnest(?::text[], ?::int[], ?::text[]) as x(w, s, h)`,
      [anchor.id, pgTextArray(heads.map((h) => h.workflow_id)), `{${heads.map((h) => h.seq).join(',')}}`, pgTextArray(heads.map((h) => h.hash))],
    );
    return anchor;
  });
}

/**
 * Where an export goes, as a message may show it: a URL without its user, password, query or fragment (a
 * token is often put there, and the message reaches the activity's failure in the Temporal history and the
 * operator's terminal); a file path as it is (the operator's own configuration).
 */
export function exportTargetLabel(target: string): string {
  if (!/^https?:\/\//i.test(target)) return target;
  try {
    const u = new URL(target);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'an http(s) URL that does not parse';
  }
}

/**
 * Exports an anchor's root outside the database: appended as a JSON line to a file (once per anchor, so a
 * retry adds nothing), or POSTed as JSON to an http(s) URL, which must answer 2xx. A failure throws, naming
 * the target (exportTargetLabel) and why; the anchor stays recorded either way, so a retry exports the same one.
 */
export async function exportAnchor(anchor: Anchor, target: string): Promise<void> {
  const record = { anchorId: anchor.id, anchoredAt: anchor.anchoredAt, root: anchor.root, procedures: anchor.procedures };
  if (/^https?:\/\//i.test(target)) {
    const label = exportTargetLabel(target);
    const failed = (why: string): Error => new Error(`anchor ${anchor.id}: export to ${label} failed: ${why}`);
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw failed('the URL does not parse');
    }
    // fetch refuses a URL with credentials, in a message that repeats them.
    if (url.username || url.password) throw failed('a user or password in the URL is not sent; put the token in its path or query');
    let res: Response;
    try {
      // No redirect followed: a 301/302 turns a POST into a GET, whose 200 would pass for a root delivered.
      res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(record), redirect: 'manual', signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      // fetch says only "fetch failed"; the reason is its cause: a code (ECONNREFUSED, ENOTFOUND, …) or a
      // message ("bad port"). A message is passed on without the URL, which one can carry whole.
      const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
      const text = typeof cause?.message === 'string' ? cause.message.split(target).join(label).replace(/\s+/g, ' ').slice(0, 200) : '';
      const why =
        typeof cause?.code === 'string' ? cause.code : err instanceof Error && err.name === 'TimeoutError' ? 'no answer within 30 s' : text || `the request failed (${err instanceof Error ? err.name : typeof err})`;
      throw failed(why);
    }
    // The body is not read; cancelled, so the connection is not held open.
    await res.body?.cancel().catch(() => undefined);
    if (res.status < 200 || res.status > 299) throw failed(`HTTP ${res.status}`);
    return;
  }
  const existing = await readFile(target, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  if (exportedRoots(existing).has(anchor.id)) return;
  await appendFile(target, `${JSON.stringify(record)}\n`, 'utf8');
}

/** The roots an export file holds, by anchor id. */
function exportedRoots(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as { anchorId?: unknown; root?: unknown };
      if (typeof r.anchorId === 'string' && typeof r.root === 'string') out.set(r.anchorId, r.root);
    } catch {
      /* a line that is not ours */
    }
  }
  return out;
}

export interface AnchorFinding {
  workflowId: string;
  /** tail_rewritten: the entry at the anchored seq has another hash; truncated: there is none. */
  kind: 'tail_rewritten' | 'truncated';
  seq: number;
  anchored: string;
  actual: string | null;
}

export interface AnchorVerification {
  /** The latest anchor, or null when none has been recorded. */
  anchor: Anchor | null;
  /** Anchored heads checked. */
  checked: number;
  findings: AnchorFinding[];
  /** The recorded heads still hash to the anchor's root. */
  rootMatches: boolean;
  /** The root exported to a file, when one was given: null when the file has no line for this anchor. */
  exportedRootMatches?: boolean | null;
}

/**
 * Checks chains against the latest anchor (one procedure's, or all): each anchored head must still be an
 * entry of its chain. `exportFile`: also compare the root with the one exported there.
 */
export async function verifyAgainstAnchor(em: EntityManager, opts: { workflowId?: string; exportFile?: string } = {}): Promise<AnchorVerification> {
  const [latest] = await em.execute<AnchorRow[]>(`select * from audit_anchor order by id desc limit 1`);
  if (!latest) return { anchor: null, checked: 0, findings: [], rootMatches: true };
  const anchor = anchorOf(latest);
  const heads = await em.execute<{ workflow_id: string; seq: number; hash: string; actual: string | null }[]>(
    `select h.workflow_id, h.seq, h.hash, a.hash as actual
     from audit_anchor_head h left join audit_log a on a.workflow_id = h.workflow_id and a.seq = h.seq
     where h.anchor_id = ?`,
    [anchor.id],
  );
  const rootMatches = merkleRoot(heads.map((h) => ({ workflowId: h.workflow_id, seq: h.seq, hash: h.hash }))) === anchor.root && heads.length === anchor.procedures;
  const mine = opts.workflowId === undefined ? heads : heads.filter((h) => h.workflow_id === opts.workflowId);
  const findings: AnchorFinding[] = mine
    .filter((h) => h.actual !== h.hash)
    .map((h) => ({ workflowId: h.workflow_id, kind: h.actual === null ? 'truncated' : 'tail_rewritten', seq: h.seq, anchored: h.hash, actual: h.actual }));
  findings.sort((a, b) => a.workflowId.localeCompare(b.workflowId));
  const out: AnchorVerification = { anchor, checked: mine.length, findings, rootMatches };
  if (opts.exportFile !== undefined && !/^https?:\/\//i.test(opts.exportFile)) {
    const exported = exportedRoots(await readFile(opts.exportFile, 'utf8').catch(() => '')).get(anchor.id);
    out.exportedRootMatches = exported === undefined ? null : exported === anchor.root;
  }
  return out;
}

/** One procedure's chain verified on its own (domain/audit.ts verifyChain). */
export interface ChainCheck {
  workflowId: string;
  chain: ChainVerification;
}

/** verify-audit's whole answer: each chain on its own, and the chains against the latest anchor. */
export interface AuditCheck {
  chains: ChainCheck[];
  anchor: AnchorVerification;
  /** Nothing found: every chain intact, no anchored head rewritten or cut, the root (and its export) intact. */
  ok: boolean;
}

/** An audit_log row as PostgreSQL returns it. */
export interface AuditLogRow {
  workflow_id: string;
  seq: number;
  kind: string;
  actor_id: string;
  at: Date;
  payload: unknown;
  prev_hash: string;
  hash: string;
}

/** An audit_log row as domain/audit.ts verifies it. */
export const auditRowOf = (r: AuditLogRow): AuditRow => ({ workflowId: r.workflow_id, seq: r.seq, kind: r.kind, actorId: r.actor_id, at: r.at, payload: r.payload, prevHash: r.prev_hash, hash: r.hash });

/**
 * The audit verification, written once for `npm run ops -- verify-audit` and the API's
 * GET /procedures/:id/audit/verify: every chain (or one) recomputed on its own, which shows an entry edited in
 * the middle, and then against the latest anchor, which shows a tail rewritten with its hashes recomputed or
 * cut off since. A chain that verifies alone is not intact when its anchored head is gone.
 */
export async function verifyAudit(em: EntityManager, opts: { workflowId?: string; exportFile?: string } = {}): Promise<AuditCheck> {
  const ids =
    opts.workflowId !== undefined
      ? [opts.workflowId]
      : (await em.execute<{ workflow_id: string }[]>('select distinct workflow_id from audit_log order by workflow_id')).map((r) => r.workflow_id);
  const chains: ChainCheck[] = [];
  for (const workflowId of ids) {
    const rows = await em.execute<AuditLogRow[]>('select * from audit_log where workflow_id = ? order by seq', [workflowId]);
    const chain = verifyChain(rows.map(auditRowOf));
    chains.push({ workflowId, chain });
  }
  const anchor = await verifyAgainstAnchor(em, opts);
  const ok = chains.every((c) => c.chain.ok) && anchor.findings.length === 0 && anchor.rootMatches && anchor.exportedRootMatches !== false;
  return { chains, anchor, ok };
}
