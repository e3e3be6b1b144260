/**
 * Issue 10's critical finding, inside the workflow: a refusal that quoted a lone surrogate (urge with
 * taskId "\ud800") could not be encoded by the SDK's core, and the worker shut down. The API's edge now
 * refuses such input first (test/api/hostile-input.api.test.ts); this is the second line: whatever a
 * validator puts into a refusal, its message and details are well-formed text without NUL, bounded, and
 * survive the failure converter as they would on the way to the core.
 */
import { defaultFailureConverter, defaultPayloadConverter } from '@temporalio/common';
import { refuse, safeText, unsafeTextPath } from '../../procedures/kernel/refuse';

const strings = (v: unknown, out: string[] = []): string[] => {
  if (typeof v === 'string') out.push(v);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      strings(k, out);
      strings(x, out);
    }
  }
  return out;
};
/** Well-formed UTF-16 (UTF-8 round trip unchanged: a lone surrogate would become U+FFFD) and no NUL. */
const clean = (s: string): boolean => Buffer.from(s, 'utf8').toString('utf8') === s && !s.includes('\u0000');

test('a refusal quoting a lone surrogate or a NUL carries neither, in its message or its details', () => {
  const f = refuse('task_not_found', 'no open task \ud800 for ok\u0000', { taskId: '\ud800', nested: { ['k\udc00']: ['x\u0000', 'fine 中文 😀'] } });
  expect(clean(f.message)).toBe(true);
  expect(f.message).toBe('no open task \ufffd for ok\ufffd');
  const texts = strings(f.details);
  expect(texts.length).toBeGreaterThan(3);
  for (const s of texts) expect([s, clean(s)]).toEqual([s, true]);
  // A well-formed pair (an emoji) and Chinese are kept as they are.
  expect(texts).toContain('fine 中文 😀');

  // As the worker sends it: the failure converted for the core, its payloads decoded again.
  const failure = defaultFailureConverter.errorToFailure(f, defaultPayloadConverter);
  expect(clean(failure.message ?? '')).toBe(true);
  const details = (failure.applicationFailureInfo?.details?.payloads ?? []).map((p) => defaultPayloadConverter.fromPayload(p));
  for (const s of strings(details)) expect(clean(s)).toBe(true);
});

test('long messages and large details are bounded', () => {
  const f = refuse('x', 'm'.repeat(10_000), { list: Array.from({ length: 500 }, (_, i) => `${i}`.repeat(300)) });
  expect(f.message.length).toBeLessThanOrEqual(501);
  const [details] = f.details as [{ list: string[] }];
  expect(details.list).toHaveLength(50);
  expect(Math.max(...details.list.map((s) => s.length))).toBeLessThanOrEqual(201);
});

test('safeText and unsafeTextPath agree: the path of the first unsafe string, null when clean', () => {
  expect(safeText('a\ud83d\ude00b')).toBe('a\ud83d\ude00b');
  expect(unsafeTextPath({ a: 'ok', b: [{ c: 'x' }, { d: 'y\ud800' }] })).toBe('b[1].d');
  expect(unsafeTextPath({ a: 'ok', b: ['中文'] })).toBeNull();
});
