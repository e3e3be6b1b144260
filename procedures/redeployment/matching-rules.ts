/**
 * Rules of 揭榜出征's two-way matching (双向选择, `redeployment`, DOMAIN.md §3): the department's stable
 * matching of cadres to tasks from the host units' rankings and the cadres' preferences, and the staff's
 * adjustments to the proposal, each with its reason. Pure and deterministic; bundled into the workflow.
 */
import {
  RedeploymentRefusal,
  type Adjustment,
  type Application,
  type ChallengeTask,
  type EligibilityCheck,
  type Pair,
  type Proposal,
} from './messages';
import { problem, type RuleProblem } from './list-rules';

// --- the two-way matching (双向选择) ---------------------------------------------------------------

export interface MatchingInput {
  /** Capacity = the task's number of people; ranking = the host unit's order, best first (unranked = not acceptable). */
  tasks: { taskId: string; capacity: number; ranking: readonly string[] }[];
  /** Preferences in order, best first. */
  cadres: { personId: string; preferences: readonly string[] }[];
}

export interface MatchingOutput {
  /** In task order, each task's cadres in the host unit's order. */
  pairs: Pair[];
  unmatchedTasks: { taskId: string; open: number }[];
  unmatchedCadres: string[];
}

/**
 * Deferred acceptance (Gale–Shapley), cadre-proposing, with capacities: each free cadre proposes to
 * their next preferred task; a task holds the best applicants up to its capacity by the host unit's
 * ranking and lets the worst go. The result is stable (no cadre and task who both prefer each other to
 * what they got) and the best stable result for every cadre; it does not depend on the order cadres are
 * processed in, so it is deterministic. O(total preferences × capacity).
 */
export function stableMatch(input: MatchingInput): MatchingOutput {
  const rank = new Map<string, Map<string, number>>();
  const cap = new Map<string, number>();
  const held = new Map<string, string[]>();
  for (const t of input.tasks) {
    rank.set(t.taskId, new Map(t.ranking.map((p, i) => [p, i] as const)));
    cap.set(t.taskId, t.capacity);
    held.set(t.taskId, []);
  }
  const prefs = new Map(input.cadres.map((c) => [c.personId, c.preferences] as const));
  const next = new Map<string, number>();
  const queue = input.cadres.map((c) => c.personId);
  for (let q = 0; q < queue.length; q++) {
    const p = queue[q] as string;
    const list = prefs.get(p) ?? [];
    let i = next.get(p) ?? 0;
    while (i < list.length) {
      const t = list[i++] as string;
      const r = rank.get(t)?.get(p);
      const c = cap.get(t) ?? 0;
      if (r === undefined || c < 1) continue;
      const h = held.get(t) as string[];
      if (h.length < c) {
        h.push(p);
        break;
      }
      let worst = 0;
      for (let k = 1; k < h.length; k++) if ((rank.get(t)?.get(h[k] as string) ?? 0) > (rank.get(t)?.get(h[worst] as string) ?? 0)) worst = k;
      const w = h[worst] as string;
      if (r < (rank.get(t)?.get(w) ?? Infinity)) {
        h[worst] = p;
        queue.push(w);
        break;
      }
    }
    next.set(p, i);
  }
  const pairs: Pair[] = [];
  const matched = new Set<string>();
  for (const t of input.tasks) {
    const r = rank.get(t.taskId) as Map<string, number>;
    for (const p of [...(held.get(t.taskId) ?? [])].sort((a, b) => (r.get(a) ?? 0) - (r.get(b) ?? 0))) {
      pairs.push({ taskId: t.taskId, personId: p });
      matched.add(p);
    }
  }
  return { pairs, ...unmatchedOf(input, pairs) };
}

/** Tasks with places left and cadres without a task, given pairs. */
export function unmatchedOf(input: MatchingInput, pairs: readonly Pair[]): Pick<MatchingOutput, 'unmatchedTasks' | 'unmatchedCadres'> {
  const taken = new Map<string, number>();
  for (const p of pairs) taken.set(p.taskId, (taken.get(p.taskId) ?? 0) + 1);
  const matched = new Set(pairs.map((p) => p.personId));
  return {
    unmatchedTasks: input.tasks.filter((t) => (taken.get(t.taskId) ?? 0) < t.capacity).map((t) => ({ taskId: t.taskId, open: t.capacity - (taken.get(t.taskId) ?? 0) })),
    unmatchedCadres: input.cadres.filter((c) => !matched.has(c.personId)).map((c) => c.personId),
  };
}

/** The pairs (cadre, task) that block a matching: both acceptable, each prefers the other to what it has. */
export function blockingPairs(input: MatchingInput, pairs: readonly Pair[]): Pair[] {
  const taskOf = new Map(pairs.map((p) => [p.personId, p.taskId] as const));
  const out: Pair[] = [];
  for (const c of input.cadres) {
    const mine = taskOf.get(c.personId);
    const limit = mine === undefined ? c.preferences.length : c.preferences.indexOf(mine);
    for (const t of c.preferences.slice(0, limit)) {
      const task = input.tasks.find((x) => x.taskId === t);
      if (!task) continue;
      const r = task.ranking.indexOf(c.personId);
      if (r < 0) continue;
      const holders = pairs.filter((p) => p.taskId === t).map((p) => task.ranking.indexOf(p.personId));
      if (holders.length < task.capacity || holders.some((h) => h > r)) out.push({ taskId: t, personId: c.personId });
    }
  }
  return out;
}

/** What the department's matching runs on: open tasks with their rankings, and eligible applicants' preferences. */
export function matchingInputOf(s: { tasks: readonly ChallengeTask[]; applications: readonly Application[]; checks: readonly EligibilityCheck[]; rankings: Record<string, { personIds: string[] }> }): MatchingInput {
  const ok = new Set(s.checks.filter((c) => c.eligible).map((c) => `${c.taskId}/${c.personId}`));
  const open = s.tasks.filter((t) => t.status === 'open');
  const openIds = new Set(open.map((t) => t.taskId));
  const prefs = new Map<string, string[]>();
  // The cadre's own applications first, in their order; nominations after, in the order made.
  for (const a of [...s.applications.filter((x) => x.source === 'application'), ...s.applications.filter((x) => x.source === 'nomination')]) {
    const list = prefs.get(a.personId) ?? [];
    for (const t of a.taskIds) if (openIds.has(t) && ok.has(`${t}/${a.personId}`) && !list.includes(t)) list.push(t);
    prefs.set(a.personId, list);
  }
  return {
    tasks: open.map((t) => ({ taskId: t.taskId, capacity: t.people, ranking: (s.rankings[t.taskId]?.personIds ?? []).filter((p) => ok.has(`${t.taskId}/${p}`)) })),
    cadres: [...prefs].filter(([, l]) => l.length > 0).map(([personId, preferences]) => ({ personId, preferences })),
  };
}

/** Why an adjustment of the proposal is refused, or null. */
export function adjustmentProblem(proposal: Proposal, input: MatchingInput, eligible: (taskId: string, personId: string) => boolean, a: Pick<Adjustment, 'action' | 'taskId' | 'personId' | 'reason'>): RuleProblem | null {
  const bad = (field: string, message: string): RuleProblem => problem(RedeploymentRefusal.invalidAdjustment, field, message);
  if (!a.reason.trim()) return bad('reason', 'every change to the proposal needs its reason');
  const task = input.tasks.find((t) => t.taskId === a.taskId);
  if (!task) return bad('taskId', 'is not an open task of the list');
  if (a.action === 'unassign') return proposal.pairs.some((p) => p.taskId === a.taskId && p.personId === a.personId) ? null : bad('personId', 'is not matched to this task');
  if (proposal.pairs.some((p) => p.personId === a.personId)) return bad('personId', 'is already matched; unassign them first');
  if (!eligible(a.taskId, a.personId)) return bad('personId', 'is not an eligible applicant or nominee of this task');
  if (proposal.pairs.filter((p) => p.taskId === a.taskId).length >= task.capacity) return bad('taskId', `the task takes ${task.capacity} ${task.capacity === 1 ? 'person' : 'people'} and is full`);
  return null;
}

/** The proposal after an adjustment, with the unmatched lists recomputed and the change recorded with its reason. */
export function adjusted(proposal: Proposal, input: MatchingInput, a: Adjustment): Proposal {
  const pairs = a.action === 'assign' ? [...proposal.pairs, { taskId: a.taskId, personId: a.personId }] : proposal.pairs.filter((p) => !(p.taskId === a.taskId && p.personId === a.personId));
  // An assigned cadre who never applied in the matching input is still listed as a cadre of the list.
  const cadres = input.cadres.some((c) => c.personId === a.personId) ? input.cadres : [...input.cadres, { personId: a.personId, preferences: [a.taskId] }];
  return { ...proposal, pairs, ...unmatchedOf({ tasks: input.tasks, cadres }, pairs), adjustments: [...proposal.adjustments, a] };
}
