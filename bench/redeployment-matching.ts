/**
 * The two-way matching (双向选择) of 揭榜出征 at the size the issue names: 600 cadres × 600 tasks. Prints
 * the time of stableMatch (procedures/redeployment/rules.ts), the median of several runs, and checks the
 * result is stable. Run: npx tsx bench/redeployment-matching.ts [cadres] [tasks] [preferences]
 * It must stay under a second; jest never times it.
 */
import { performance } from 'node:perf_hooks';
import { blockingPairs, stableMatch, type MatchingInput } from '../procedures/redeployment/rules';

const [cadres = 600, tasks = 600, prefs = 2] = process.argv.slice(2).map(Number);

function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function market(seed: number): MatchingInput {
  const r = rng(seed);
  const ids = Array.from({ length: tasks }, (_, i) => `T${i}`);
  // A few popular tasks draw most applications, as a real list does.
  const pick = (): string => ids[Math.floor(tasks * r() ** 2)] as string;
  const cs = Array.from({ length: cadres }, (_, i) => {
    const p: string[] = [];
    while (p.length < Math.min(prefs, tasks)) {
      const t = pick();
      if (!p.includes(t)) p.push(t);
    }
    return { personId: `P${i}`, preferences: p };
  });
  const applicants = new Map<string, string[]>();
  for (const c of cs) for (const t of c.preferences) applicants.set(t, [...(applicants.get(t) ?? []), c.personId]);
  return { cadres: cs, tasks: ids.map((taskId) => ({ taskId, capacity: 1 + Math.floor(r() * 2), ranking: [...(applicants.get(taskId) ?? [])].sort(() => r() - 0.5) })) };
}

const input = market(2026);
const times: number[] = [];
let out = stableMatch(input);
for (let i = 0; i < 7; i++) {
  const t0 = performance.now();
  out = stableMatch(input);
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)] as number;
const blocking = blockingPairs(input, out.pairs).length;
console.log(`matching ${cadres} cadres × ${tasks} tasks, ${prefs} preferences each: median ${median.toFixed(2)} ms, worst ${(times[times.length - 1] as number).toFixed(2)} ms over ${times.length} runs`);
console.log(`pairs ${out.pairs.length}, unmatched tasks ${out.unmatchedTasks.length}, unmatched cadres ${out.unmatchedCadres.length}, blocking pairs ${blocking}`);
if (median >= 1000 || blocking > 0) process.exitCode = 1;
