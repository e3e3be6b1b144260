/**
 * Vote rules (票决) for a collective decision (讨论决定, DOMAIN.md §1 step 5): each member votes 同意
 * ('agree'), 不同意 ('disagree') or 缓议 ('defer') on each candidate separately.
 *
 * Pure and deterministic, because workflows run it and replay must reach the same result: no imports
 * at run time, no I/O, no clock. Shares are integer ratios and every comparison is a cross-
 * multiplication in BigInt (`count * den` against `num * total`), never a division, so 2/3 of 300 is
 * exactly 200 and a result never depends on floating-point rounding.
 *
 * The rules are data with defaults, because local practice differs (DOMAIN.md: encode rules as data).
 */

/** A share `num / den` of a group, in integers. Valid when den > 0 and 0 <= num <= den. */
export interface Ratio {
  readonly num: number;
  readonly den: number;
}

export interface VoteRule {
  /** Share of the members who must be present for the meeting to decide at all; met inclusively (>=). */
  readonly quorum: Ratio;
  /**
   * Share of the members who should attend (应到) whose 同意 a candidate needs; met strictly (>).
   * Counted against 应到, not against those present, so an absent member counts as not agreeing.
   */
  readonly pass: Ratio;
  /** The principal leader (主要负责人), who votes last on each candidate so as not to sway the others. */
  readonly principalId?: string;
  /**
   * 无记名 (secret): what is stored and shown links no ballot to its voter; only who took part and the
   * counts are kept. Absent means secret (the default for 票决); false is a 记名 (open) vote.
   */
  readonly secret?: boolean;
}

export const isSecret = (rule: Pick<VoteRule, 'secret'>): boolean => rule.secret !== false;

/**
 * What a member's vote records with its action (the action log and the audit chain): the ballots in an open
 * vote; in a secret one only that a vote was cast (the workflow keeps the ballots to count them and to
 * allow one vote per member, and they leave it only as the tally).
 */
export function voteRecord(rule: Pick<VoteRule, 'secret'>, cast: unknown): unknown {
  return isSecret(rule) ? { secret: true } : cast;
}

/** The regulation's defaults: at least 2/3 present; 同意 from more than half of 应到. */
export const DEFAULT_VOTE_RULE: VoteRule = Object.freeze({
  quorum: Object.freeze({ num: 2, den: 3 }),
  pass: Object.freeze({ num: 1, den: 2 }),
});

export const VOTE_CHOICES = ['agree', 'disagree', 'defer'] as const;
/** 同意, 不同意, 缓议. */
export type VoteChoice = (typeof VOTE_CHOICES)[number];

export function isVoteChoice(v: unknown): v is VoteChoice {
  return typeof v === 'string' && (VOTE_CHOICES as readonly string[]).includes(v);
}

export interface Ballot {
  readonly memberId: string;
  readonly candidateId: string;
  readonly choice: VoteChoice;
}

export interface VoteState {
  /** Every member who should attend (应到). */
  readonly members: readonly string[];
  /** Who is present (实到). Left out when attendance is not tracked: every member then counts as present. */
  readonly present?: readonly string[];
  readonly candidates: readonly string[];
  /** The ballots cast so far, in the order they were cast. */
  readonly ballots: readonly Ballot[];
  /** Present members whose vote was closed without a ballot (closeVote): the principal no longer waits for them. */
  readonly closed?: readonly string[];
}

export type BallotProblemCode = 'not_member' | 'not_present' | 'unknown_candidate' | 'already_voted' | 'principal_votes_last';

export interface BallotProblem {
  readonly code: BallotProblemCode;
  readonly message: string;
}

/**
 * - passed: 同意 meets the pass share;
 * - rejected: 不同意 alone exceeds the pass share, so the candidate cannot pass at this meeting;
 * - notPassed: neither (divided opinions, or too many 缓议 or missing votes): 未通过, since passing needs more than
 *   the share of 应到会 (暂缓表决 is a decision taken before a vote, not the result of one);
 * - invalid: no quorum, and a decision taken without quorum is invalid, whatever the votes.
 */
export type VoteOutcome = 'passed' | 'rejected' | 'notPassed' | 'invalid';

export interface CandidateTally {
  readonly candidateId: string;
  readonly agree: number;
  readonly disagree: number;
  readonly defer: number;
  /** Members (present or not) with no ballot on this candidate. They count against passing, like 缓议. */
  readonly notVoted: number;
  readonly passed: boolean;
  readonly outcome: VoteOutcome;
}

export interface VoteTally {
  /** 应到: the number of members. */
  readonly shouldAttend: number;
  /** 实到: the number present. */
  readonly present: number;
  readonly quorumMet: boolean;
  /** In the order of the input's candidates. */
  readonly candidates: readonly CandidateTally[];
}

/** Why a ratio is unusable, or null. */
export function ratioProblem(r: Ratio): string | null {
  if (!Number.isSafeInteger(r.num) || !Number.isSafeInteger(r.den)) return `${r.num}/${r.den} must be made of whole numbers`;
  if (r.den <= 0) return `${r.num}/${r.den} needs a positive denominator`;
  if (r.num < 0 || r.num > r.den) return `${r.num}/${r.den} must be between 0 and 1`;
  return null;
}

/**
 * Why a rule is unusable, or null. Workflows check a configured rule with this at their input and
 * refuse it there (as an ApplicationFailure): the functions below throw a plain RangeError on a bad rule,
 * which inside a workflow would fail the workflow task and retry forever.
 */
export function voteRuleProblem(rule: VoteRule): string | null {
  const q = ratioProblem(rule.quorum);
  if (q) return `quorum: ${q}`;
  const p = ratioProblem(rule.pass);
  if (p) return `pass: ${p}`;
  if (rule.principalId !== undefined && rule.principalId.length === 0) return 'principalId: must not be empty';
  return null;
}

function assertRule(rule: VoteRule): void {
  const problem = voteRuleProblem(rule);
  if (problem) throw new RangeError(`invalid vote rule: ${problem}`);
}

function assertCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a whole number >= 0, got ${n}`);
}

/** count/total >= r, exactly. */
function atLeast(count: number, total: number, r: Ratio): boolean {
  return BigInt(count) * BigInt(r.den) >= BigInt(r.num) * BigInt(total);
}

/** count/total > r, exactly. */
function moreThan(count: number, total: number, r: Ratio): boolean {
  return BigInt(count) * BigInt(r.den) > BigInt(r.num) * BigInt(total);
}

/**
 * Whether enough members are present: present * den >= num * shouldAttend. Inclusive, because the
 * regulation says "at least" 2/3 (6 of 9 is enough). A body with no members has no quorum.
 */
export function meetsQuorum(rule: VoteRule, shouldAttend: number, present: number): boolean {
  assertRule(rule);
  assertCount(shouldAttend, 'shouldAttend');
  assertCount(present, 'present');
  if (present > shouldAttend) throw new RangeError(`present (${present}) exceeds the members who should attend (${shouldAttend})`);
  return shouldAttend > 0 && atLeast(present, shouldAttend, rule.quorum);
}

/**
 * Why `memberId` may not cast a ballot on `candidateId` now, or null when they may. The workflow's
 * Update validator calls this, so a refused ballot leaves no trace.
 */
export function ballotProblem(rule: VoteRule, state: VoteState, memberId: string, candidateId: string): BallotProblem | null {
  assertRule(rule);
  if (!state.members.includes(memberId)) return { code: 'not_member', message: `${memberId} is not a member of this meeting` };
  const present = state.present ?? state.members;
  if (!present.includes(memberId)) return { code: 'not_present', message: `${memberId} is not recorded as present` };
  if (!state.candidates.includes(candidateId)) return { code: 'unknown_candidate', message: `${candidateId} is not a candidate at this meeting` };
  const onCandidate = state.ballots.filter((b) => b.candidateId === candidateId);
  if (onCandidate.some((b) => b.memberId === memberId)) {
    return { code: 'already_voted', message: `${memberId} has already voted on ${candidateId}` };
  }
  if (rule.principalId !== undefined && memberId === rule.principalId) {
    // The principal leader speaks last so that the others' votes are their own (DOMAIN.md §1.5).
    const voted = new Set(onCandidate.map((b) => b.memberId));
    const waiting = present.filter((m) => m !== memberId && !voted.has(m) && !(state.closed ?? []).includes(m));
    if (waiting.length > 0) {
      return {
        code: 'principal_votes_last',
        message: `the principal leader votes last on ${candidateId}; still to vote: ${waiting.join(', ')}`,
      };
    }
  }
  return null;
}

function assertDistinct(ids: readonly string[], what: string): void {
  if (new Set(ids).size !== ids.length) throw new RangeError(`${what} must not repeat an id`);
}

/**
 * Counts the ballots per candidate and applies the quorum and pass rules. The ballots are replayed in
 * order through `ballotProblem`, so a tally never counts a ballot the meeting would have refused; a
 * refused one throws, because it means the record itself is wrong.
 */
export function tally(
  rule: VoteRule,
  input: { members: readonly string[]; present: readonly string[]; candidates: readonly string[]; ballots: readonly Ballot[]; closed?: readonly string[] },
): VoteTally {
  assertRule(rule);
  assertDistinct(input.members, 'members');
  assertDistinct(input.present, 'present');
  assertDistinct(input.candidates, 'candidates');
  const notMember = input.present.find((m) => !input.members.includes(m));
  if (notMember !== undefined) throw new RangeError(`present member ${notMember} is not a member`);

  const counts = new Map(input.candidates.map((c) => [c, { agree: 0, disagree: 0, defer: 0 }]));
  const cast: Ballot[] = [];
  for (const b of input.ballots) {
    const problem = ballotProblem(rule, { ...input, ballots: cast }, b.memberId, b.candidateId);
    if (problem) throw new RangeError(`ballot ${cast.length + 1} cannot be counted: ${problem.message}`);
    if (!isVoteChoice(b.choice)) throw new RangeError(`ballot ${cast.length + 1} has no valid choice: ${String(b.choice)}`);
    const c = counts.get(b.candidateId);
    if (c) c[b.choice] += 1;
    cast.push(b);
  }

  const shouldAttend = input.members.length;
  const quorumMet = meetsQuorum(rule, shouldAttend, input.present.length);
  return {
    shouldAttend,
    present: input.present.length,
    quorumMet,
    candidates: input.candidates.map((candidateId) => {
      const c = counts.get(candidateId) ?? { agree: 0, disagree: 0, defer: 0 };
      const notVoted = shouldAttend - c.agree - c.disagree - c.defer;
      // 缓议 and missing votes are not 同意: the share is of 应到, so they weigh like 不同意 for passing.
      const passed = quorumMet && moreThan(c.agree, shouldAttend, rule.pass);
      const outcome: VoteOutcome = !quorumMet
        ? 'invalid'
        : passed
          ? 'passed'
          : moreThan(c.disagree, shouldAttend, rule.pass)
            ? 'rejected'
            : 'notPassed';
      return { candidateId, ...c, notVoted, passed, outcome };
    }),
  };
}

/** The smallest number present that meets the rule's quorum. */
export function quorumNeeded(rule: VoteRule, shouldAttend: number): number {
  for (let n = 0; n <= shouldAttend; n++) if (meetsQuorum(rule, shouldAttend, n)) return n;
  return shouldAttend + 1;
}

/**
 * A vote rule as given (parts may be left out) completed with the regulation's defaults, and checked
 * against the members it applies to. The API's start and the workflow both call this one function.
 */
export function completeVoteRule(
  given: { quorum?: Ratio; pass?: Ratio; principalId?: string; secret?: boolean } | undefined,
  members: readonly string[],
): { rule: VoteRule; problem: { field: string; message: string } | null } {
  const rule: VoteRule = {
    quorum: given?.quorum ?? DEFAULT_VOTE_RULE.quorum,
    pass: given?.pass ?? DEFAULT_VOTE_RULE.pass,
    ...(given?.principalId !== undefined ? { principalId: given.principalId } : {}),
    ...(given?.secret !== undefined ? { secret: given.secret } : {}),
  };
  const bad = voteRuleProblem(rule);
  if (bad) return { rule, problem: { field: 'voteRule', message: bad } };
  if (rule.principalId !== undefined && !members.includes(rule.principalId)) {
    return { rule, problem: { field: 'voteRule.principalId', message: 'the principal is not a member of this vote' } };
  }
  return { rule, problem: null };
}

/**
 * A member's vote on a whole slate at once (a department meeting on 600 matched pairs): one choice for
 * every candidate, with the exceptions listed one by one, e.g. 同意 all but two pairs. It stands for
 * exactly one ballot per candidate, so the ballot rules and the tally above apply unchanged, and what
 * travels and is recorded is the choice and its exceptions, not one ballot per candidate.
 */
export interface SlateVote {
  readonly choice: VoteChoice;
  readonly except?: readonly { readonly candidateId: string; readonly choice: VoteChoice }[];
}

/**
 * The one ballot per candidate a slate vote stands for, in the candidates' order, or why it stands for
 * none: an exception naming no candidate, a candidate excepted twice, an exception with the slate's own
 * choice (it would except nothing), or a choice that is not a choice. The problem names the field and
 * never echoes the value.
 */
export function slateBallots(
  candidates: readonly string[],
  vote: SlateVote,
): { ballots: { candidateId: string; choice: VoteChoice }[]; problem: null } | { ballots: null; problem: { field: string; message: string } } {
  const fail = (field: string, message: string) => ({ ballots: null, problem: { field, message } }) as const;
  if (!isVoteChoice(vote.choice)) return fail('choice', 'choice must be agree, disagree or defer');
  const known = new Set(candidates);
  const excepted = new Map<string, VoteChoice>();
  for (const [i, e] of (vote.except ?? []).entries()) {
    const field = `except[${i}]`;
    if (!known.has(e.candidateId)) return fail(`${field}.candidateId`, `${field}.candidateId is not a candidate of this vote`);
    if (excepted.has(e.candidateId)) return fail(`${field}.candidateId`, `${field}.candidateId is excepted twice`);
    if (!isVoteChoice(e.choice)) return fail(`${field}.choice`, `${field}.choice must be agree, disagree or defer`);
    if (e.choice === vote.choice) return fail(`${field}.choice`, `${field}.choice is the slate's own choice; an exception must differ from it`);
    excepted.set(e.candidateId, e.choice);
  }
  return { ballots: candidates.map((candidateId) => ({ candidateId, choice: excepted.get(candidateId) ?? vote.choice })), problem: null };
}

// ---------------------------------------------------------------------------------------------
// The meeting a vote belongs to (会议). 《党政领导干部选拔任用工作条例》 art. 28 (讨论决定): a decision is taken at a
// meeting with at least 2/3 of the members present (实到), counted against those who should attend (应到), and the
// meeting is recorded (会议记录/纪要, common practice of 党委(党组) rules of procedure). So attendance is what the
// meeting records, not who happened to vote, and the minutes are attached before the vote closes.

/** Refusals of a recorded meeting, with their HTTP status; every module whose vote belongs to a meeting maps them. */
export const MeetingRefusal = {
  /** A ballot, the minutes or closing the vote before the meeting is opened with its attendance. */
  meetingNotOpen: 'meeting_not_open',
  /** A second opening of the meeting of a vote: its attendance is recorded once. */
  meetingAlreadyOpen: 'meeting_already_open',
  /** Attendance naming someone who is not a member of the meeting, or someone twice. */
  invalidAttendance: 'invalid_attendance',
  /** A ballot from a member the meeting recorded absent, or recused (回避). */
  notPresent: 'not_present',
  /** Closing the vote before the minutes are attached. */
  minutesRequired: 'minutes_required',
  /** The minutes are attached once. */
  minutesAlreadyAttached: 'minutes_already_attached',
} as const;

export const MEETING_REFUSAL_STATUS: Readonly<Record<(typeof MeetingRefusal)[keyof typeof MeetingRefusal], number>> = Object.freeze({
  meeting_not_open: 409,
  meeting_already_open: 409,
  invalid_attendance: 422,
  not_present: 403,
  minutes_required: 409,
  minutes_already_attached: 409,
});

/** A vote's meeting as recorded when it opened. */
export interface MeetingRecord {
  /** The China date of the meeting (YYYY-MM-DD). */
  readonly date: string;
  /** 应到: every member of the body, recused ones included. */
  readonly shouldAttend: readonly string[];
  /** 实到: the members recorded present, recused ones left out; the quorum and the tally count these. */
  readonly present: readonly string[];
  /** 回避: members related to a candidate; they count toward 应到 but never as present. */
  readonly recused: readonly string[];
  /** Members neither present nor recused. */
  readonly absent: readonly string[];
  readonly openedBy: string;
  readonly openedAt: string;
  /** The minutes (会议记录), a document reference, attached before the vote closes. */
  readonly minutes: { readonly ref: string; readonly by: string; readonly at: string } | null;
}

export type MeetingProblemCode = 'invalid_date' | 'invalid_attendance' | 'quorum_not_met';

export interface MeetingProblem {
  readonly code: MeetingProblemCode;
  readonly field: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/**
 * Why a meeting cannot be opened with this attendance, or null. `present` is who is in the room as recorded; the
 * recused among them are not counted present. `today` is the China date: a meeting is recorded once held, so its
 * date is not in the future. The date's format is the caller's (domain/dates isValidDate): this module imports nothing.
 */
export function meetingProblem(
  rule: VoteRule,
  members: readonly string[],
  input: { date: string; present: readonly string[]; recused?: readonly string[] },
  today: string,
): MeetingProblem | null {
  assertRule(rule);
  if (input.date > today) return { code: 'invalid_date', field: 'date', message: `the meeting is recorded once held: its date cannot be after today (${today})` };
  const seen = new Set<string>();
  for (const [i, m] of input.present.entries()) {
    // The message names the field, never the value: input is never echoed into a refusal.
    if (!members.includes(m)) return { code: 'invalid_attendance', field: `present[${i}]`, message: `present[${i}] is not a member of the meeting` };
    if (seen.has(m)) return { code: 'invalid_attendance', field: `present[${i}]`, message: `present[${i}] is named twice` };
    seen.add(m);
  }
  const recused = new Set(input.recused ?? []);
  const counted = input.present.filter((m) => !recused.has(m)).length;
  if (!meetsQuorum(rule, members.length, counted)) {
    const needed = quorumNeeded(rule, members.length);
    return {
      code: 'quorum_not_met',
      field: 'present',
      message: `no quorum: ${counted} of ${members.length} members present${recused.size ? ` (recused members are not counted present)` : ''}, at least ${needed} needed; a meeting without quorum cannot decide`,
      details: { present: counted, shouldAttend: members.length, needed, rule: 'meeting.quorum' },
    };
  }
  return null;
}

/** The meeting as recorded: 实到 without the recused, who count toward 应到 only. Call after meetingProblem. */
export function meetingRecord(members: readonly string[], input: { date: string; present: readonly string[]; recused?: readonly string[] }, by: string, at: string): MeetingRecord {
  const recused = members.filter((m) => (input.recused ?? []).includes(m));
  const present = members.filter((m) => input.present.includes(m) && !recused.includes(m));
  return { date: input.date, shouldAttend: [...members], present, recused, absent: members.filter((m) => !present.includes(m) && !recused.includes(m)), openedBy: by, openedAt: at, minutes: null };
}

/** Why the minutes cannot be attached now, or null. */
export function minutesProblem(meeting: MeetingRecord | null, ref: string): { code: string; field: string; message: string } | null {
  if (!meeting) return { code: MeetingRefusal.meetingNotOpen, field: 'minutesRef', message: 'the meeting is not open yet: record its date and attendance first (openMeeting)' };
  if (meeting.minutes) return { code: MeetingRefusal.minutesAlreadyAttached, field: 'minutesRef', message: `the minutes of the meeting of ${meeting.date} are already attached` };
  // KernelRefusal.invalidInput's code: this module imports nothing.
  if (!ref.trim()) return { code: 'invalid_input', field: 'minutesRef', message: 'minutesRef must name the minutes (a document reference)' };
  return null;
}
