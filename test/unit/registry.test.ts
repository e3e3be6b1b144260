/**
 * The registry is the one list of procedure types: every workflow the bundle exports has a
 * descriptor, and every descriptor a workflow, with statuses and histories. A descriptor missing a
 * capability does not compile (checked by `npm run typecheck` through the @ts-expect-error below).
 */
import { defineProcedure, type Capabilities } from '../../procedures/descriptor';
import { PROCEDURES } from '../../procedures/registry';
import * as workflows from '../../workflows';
import * as operatorJobs from '../../workflows/operations';

test('every workflow in the bundle has a descriptor, and every descriptor a workflow', () => {
  // The operator jobs that Schedules run (the reconciler, the audit anchor) are not procedures.
  const procedures = Object.keys(workflows).filter((name) => !(name in operatorJobs));
  expect(procedures).toHaveLength(Object.keys(workflows).length - Object.keys(operatorJobs).length);
  expect(PROCEDURES.map((p) => p.type).sort()).toEqual(procedures.sort());
});

test('every descriptor states its statuses, all five capabilities and at least one recorded history', () => {
  const keys: (keyof Capabilities)[] = ['withdraw', 'urge', 'copy', 'closeVote', 'overdue'];
  for (const p of PROCEDURES) {
    expect(p.statuses).toContain('open');
    expect(Object.keys(p.capabilities).sort()).toEqual([...keys].sort());
    expect(p.histories.length).toBeGreaterThan(0);
  }
});

test('refusal codes of different modules never map one code to two statuses', () => {
  const seen = new Map<string, number>();
  for (const p of PROCEDURES) {
    for (const [code, status] of Object.entries(p.refusals)) {
      expect(seen.get(code) ?? status).toBe(status);
      seen.set(code, status);
    }
  }
});

test('a descriptor without a capability is a type error', () => {
  const incomplete = defineProcedure({
    type: 'example',
    label: '示例',
    statuses: ['open'],
    // @ts-expect-error `overdue` is missing: every capability must be stated.
    capabilities: { withdraw: true, urge: true, copy: true, closeVote: false },
    refusals: {},
    historiesDir: '.',
    histories: [],
  });
  expect(incomplete.capabilities).not.toHaveProperty('overdue');
});
