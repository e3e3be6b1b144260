/** The audit anchor's Merkle root: independent of reading order, changed by any head, and never a leaf's own hash. */
import { createHash } from 'node:crypto';
import { leafHash, merkleRoot, type ChainHeadRecord } from '../../platform/anchor';

const heads: ChainHeadRecord[] = Array.from({ length: 7 }, (_, i) => ({ workflowId: `wf-${i}`, seq: i + 1, hash: createHash('sha256').update(String(i)).digest('hex') }));

test('the root does not depend on the order the heads were read in', () => {
  expect(merkleRoot([...heads].reverse())).toBe(merkleRoot(heads));
  expect(merkleRoot(heads)).toMatch(/^[0-9a-f]{64}$/);
});

test('any head changed, added or left out changes the root', () => {
  const root = merkleRoot(heads);
  for (let i = 0; i < heads.length; i++) {
    const h = heads[i] as ChainHeadRecord;
    expect(merkleRoot(heads.map((x, j) => (j === i ? { ...h, hash: 'f'.repeat(64) } : x)))).not.toBe(root);
    expect(merkleRoot(heads.map((x, j) => (j === i ? { ...h, seq: h.seq + 1 } : x)))).not.toBe(root);
    expect(merkleRoot(heads.filter((_, j) => j !== i))).not.toBe(root);
  }
  expect(merkleRoot([...heads, { workflowId: 'wf-9', seq: 1, hash: '0'.repeat(64) }])).not.toBe(root);
});

test('a single head is its leaf; inner nodes are hashed apart from leaves', () => {
  const one = heads[0] as ChainHeadRecord;
  expect(merkleRoot([one])).toBe(leafHash(one));
  const [a, b] = heads as [ChainHeadRecord, ChainHeadRecord];
  expect(merkleRoot([a, b])).toBe(createHash('sha256').update(`node:${leafHash(a)}${leafHash(b)}`).digest('hex'));
  expect(merkleRoot([])).toBe(createHash('sha256').update('').digest('hex'));
});
