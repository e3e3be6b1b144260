/**
 * What the console does with a ballot (票决) besides drawing it (components/BallotForm.vue): the browser's own
 * check that every candidate has a choice, the slate (揭榜出征's one command for the whole meeting) that a
 * ballot per pair stands for, and the principal's "votes last" rule explained where the API refuses it.
 */

/** Said when the principal (主要负责人) votes before the other members present: the rule and what to do. */
export const PRINCIPAL_LAST_EXPLAINED = '按票决规则，主要负责人在其他到会成员都表态之后最后表态，以免影响他人；请待其他成员投票后再提交。';

/** The browser's check before anything is sent: a choice for every candidate. */
export const ballotsIncomplete = (candidates: string[], ballots: Record<string, string>): boolean => candidates.some((c) => !ballots[c]);

/**
 * A ballot per pair as the slate command takes it: the choice most pairs have (the first of CHOICES on a tie),
 * and the pairs voted otherwise as exceptions. It stands for exactly the same ballots.
 */
export function slateOf(candidates: string[], ballots: Record<string, string>, choices: string[]): { choice: string; except?: { candidateId: string; choice: string }[] } {
  const count = (c: string): number => candidates.filter((x) => ballots[x] === c).length;
  const choice = choices.reduce((best, c) => (count(c) > count(best) ? c : best), choices[0]!);
  const except = candidates.filter((c) => ballots[c] !== choice).map((c) => ({ candidateId: c, choice: ballots[c]! }));
  return except.length ? { choice, except } : { choice };
}
