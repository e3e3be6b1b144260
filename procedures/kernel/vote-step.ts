/**
 * The ballot box of a running vote step (票决; approval.ts runs the step, vote.ts holds the rules it applies).
 *
 * A vote step is a collective decision, so a member can only vote: no return, transfer or added
 * signer, since one member must not override the meeting or vote by proxy. It completes when every
 * member has voted, or when the organizer closes it (closeVote) with a quorum present. Members who
 * never vote are absent. The principal leader votes last on each candidate: while others may still
 * vote, their ballot is refused; closing the vote with the principal still to vote marks everyone
 * else absent and leaves the principal's task open, so the principal then votes and the step ends.
 *
 * A vote step may belong to a recorded meeting (StepDef.meeting; vote.ts MeetingRecord): then no task opens
 * until the meeting is opened with its date and attendance (openMeeting), the members recorded present get
 * their tasks and the absent and recused never do, the quorum is the attendance's (checked when it opens, not
 * inferred from who voted), and the step ends only once the minutes are attached (attachMinutes). Procedures
 * offer these as their own staff commands and call the validators here, so the rules are written once.
 *
 * Synchronous and deterministic: the validators throw refusals, the rest changes the ballot box and its slots.
 */
import { isValidDate } from '../../domain/dates';
import { KernelRefusal, type ActInput } from './messages';
import { refuse } from './refuse';
import type { Slot, StepDef, StepRunView, SuspendedStep, TaskChanges } from './step';
import {
  ballotProblem,
  DEFAULT_VOTE_RULE,
  isSecret,
  isVoteChoice,
  meetingProblem,
  MeetingRefusal,
  meetsQuorum,
  minutesProblem,
  quorumNeeded,
  tally,
  type Ballot,
  type MeetingRecord,
  type VoteRule,
  type VoteTally,
} from './vote';

/** The ballot box of a running vote step. */
export interface VoteRun {
  rule: VoteRule;
  candidates: readonly string[];
  /** 应到: the members the step resolved to. */
  members: string[];
  /** In the order cast; each member casts all their ballots at once. */
  ballots: Ballot[];
  /** Members recorded absent when the vote closed. */
  absent: string[];
  /** Closed for everyone but the principal, who is still to vote. */
  closing: boolean;
  /** The vote belongs to a recorded meeting (StepDef.meeting). */
  meetingRequired: boolean;
  /** The meeting as opened, then with its minutes; null until it is opened. */
  meeting: MeetingRecord | null;
}

/** A vote step's ballot box as the step opens: empty, at the meeting already held if the step names one. */
export function openVoteRun(def: StepDef, members: string[]): VoteRun {
  const held = def.meeting?.held ?? null;
  return { rule: def.voteRule ?? DEFAULT_VOTE_RULE, candidates: def.candidates ?? [], members, ballots: [], absent: [], closing: false, meetingRequired: def.meeting !== undefined, meeting: held };
}

/** A vote step's ballot box as an earlier run carried it (SuspendedStep.vote). */
export function carriedVoteRun(def: StepDef, members: string[], carried: SuspendedStep['vote']): VoteRun {
  return {
    rule: def.voteRule ?? DEFAULT_VOTE_RULE,
    candidates: def.candidates ?? [],
    members,
    ballots: [...(carried?.ballots ?? [])],
    absent: [...(carried?.absent ?? [])],
    closing: carried?.closing ?? false,
    meetingRequired: carried?.meetingRequired ?? false,
    meeting: carried?.meeting ?? null,
  };
}

/** The ballot box as a continued run carries it. */
export function suspendedVote(v: VoteRun): NonNullable<SuspendedStep['vote']> {
  return { ballots: [...v.ballots], absent: [...v.absent], closing: v.closing, ...(v.meetingRequired ? { meetingRequired: true, meeting: v.meeting } : {}) };
}

export const voted = (v: VoteRun): string[] => v.members.filter((m) => v.ballots.some((b) => b.memberId === m));
/** 实到 while the vote runs: as the meeting recorded it, or everyone not recorded absent; less those closed out. */
const presentNow = (v: VoteRun): string[] => (v.meeting ? v.meeting.present : v.members).filter((m) => !v.absent.includes(m));

export function finalTally(v: VoteRun): VoteTally {
  // At a recorded meeting, 实到 is its attendance, and a present member closed out without a ballot counts
  // as not agreeing; without one, members who never voted are absent. The ballots were checked as they were cast.
  if (v.meeting) return tally(v.rule, { members: v.members, present: v.meeting.present, candidates: v.candidates, ballots: v.ballots, closed: v.absent });
  return tally(v.rule, { members: v.members, present: voted(v), candidates: v.candidates, ballots: v.ballots });
}

/** The ballot box as the step's view shows it; secret votes show who voted, never how. */
export function voteView(v: VoteRun): NonNullable<StepRunView['vote']> {
  return {
    candidates: [...v.candidates],
    members: [...v.members],
    voted: voted(v),
    absent: [...v.absent],
    closing: v.closing,
    secret: isSecret(v.rule),
    ...(v.meetingRequired ? { meetingRequired: true, meeting: v.meeting } : {}),
  };
}

/** A meeting's attendance applied to the vote's slots: the absent and recused never get a task (the caller opens the present's). */
export function seatAbsent(slots: Slot[], meeting: MeetingRecord): void {
  for (const s of slots) if (s.state === 'waiting' && !s.assigneeIds.some((id) => meeting.present.includes(id))) s.state = 'absent';
}

/** A member's vote on a running vote step: allowed at the meeting, and not cast twice. */
export function validateVoteCast(v: VoteRun, slots: Slot[], stepKey: string, a: ActInput): void {
  validateVoter(v, a.actorId);
  const done = slots.find((s) => s.state === 'approved' && s.task?.taskId === a.taskId && s.assigneeIds.includes(a.actorId));
  if (done) throw refuse(KernelRefusal.alreadyVoted, `you have already voted at step ${stepKey}`, { taskId: a.taskId });
}

/** A vote step's refusals for one member's ballots, checked synchronously like every other action. */
export function validateBallots(v: VoteRun, a: ActInput): void {
  const ballots = a.ballots ?? [];
  const seen = new Set<string>();
  for (const [i, b] of ballots.entries()) {
    const field = `ballots[${i}]`;
    // The message names the field, never the unknown value: input is never echoed into a refusal.
    if (!v.candidates.includes(b.candidateId)) {
      throw refuse(KernelRefusal.invalidBallot, `${field}.candidateId is not a candidate; the candidates are ${v.candidates.join(', ')}`, { field: `${field}.candidateId` });
    }
    if (seen.has(b.candidateId)) throw refuse(KernelRefusal.invalidBallot, `${field}.candidateId appears twice`, { field: `${field}.candidateId` });
    seen.add(b.candidateId);
    if (!isVoteChoice(b.choice)) throw refuse(KernelRefusal.invalidBallot, `${field}.choice must be agree, disagree or defer`, { field: `${field}.choice` });
  }
  const missing = v.candidates.filter((c) => !seen.has(c));
  if (missing.length > 0) {
    throw refuse(KernelRefusal.invalidBallot, `a ballot must cover every candidate exactly once; missing: ${missing.join(', ')}`, { field: 'ballots', missing });
  }
  const state = { members: v.members, present: presentNow(v), candidates: v.candidates, ballots: v.ballots };
  for (const b of ballots) {
    const problem = ballotProblem(v.rule, state, a.actorId, b.candidateId);
    if (!problem) continue;
    const code =
      problem.code === 'not_present' && v.meeting
        ? MeetingRefusal.notPresent
        : problem.code === 'already_voted'
        ? KernelRefusal.alreadyVoted
        : problem.code === 'principal_votes_last'
          ? KernelRefusal.principalVotesLast
          : problem.code === 'unknown_candidate'
            ? KernelRefusal.invalidBallot
            : KernelRefusal.notAssignee;
    throw refuse(code, problem.message, { candidateId: b.candidateId });
  }
}

/**
 * At a recorded meeting, whether `actorId` may vote at all now: the meeting is open, and the member is recorded
 * present (not absent, not recused). Checked before the task is looked up, so the refusal names the rule.
 * `v`: the vote open now, if any.
 */
export function validateVoter(v: VoteRun | undefined, actorId: string): void {
  if (!v?.meetingRequired) return;
  if (!v.meeting) throw refuse(MeetingRefusal.meetingNotOpen, 'the vote belongs to a meeting that is not open yet: its date and attendance are recorded first (openMeeting)', { rule: 'meeting.open' });
  if (v.members.includes(actorId) && !v.meeting.present.includes(actorId)) {
    const recused = v.meeting.recused.includes(actorId);
    throw refuse(
      MeetingRefusal.notPresent,
      recused
        ? `回避: ${actorId} is recused at the meeting of ${v.meeting.date}; they count toward 应到 but not as present and do not vote`
        : `${actorId} is not recorded present at the meeting of ${v.meeting.date}`,
      { rule: recused ? 'meeting.recused' : 'meeting.attendance', date: v.meeting.date },
    );
  }
}

/** Why the open vote's meeting (`v`, if a vote is open) cannot be opened with this attendance; throws a refusal. */
export function validateOpenMeeting(v: VoteRun | undefined, m: { date: string; present: readonly string[]; recused?: readonly string[]; today: string }): void {
  if (!v) throw refuse(KernelRefusal.actionNotAllowed, 'no vote is open: the current step is not a vote');
  if (!v.meetingRequired) throw refuse(KernelRefusal.actionNotAllowed, 'this vote is not recorded as a meeting');
  if (v.meeting) throw refuse(MeetingRefusal.meetingAlreadyOpen, `the meeting of this vote is open since ${v.meeting.date}; its attendance is recorded once`, { date: v.meeting.date });
  if (!isValidDate(m.date)) throw refuse(KernelRefusal.invalidInput, 'date must be a YYYY-MM-DD date', { field: 'date' });
  const problem = meetingProblem(v.rule, v.members, m, m.today);
  if (!problem) return;
  const code = problem.code === 'quorum_not_met' ? KernelRefusal.quorumNotMet : problem.code === 'invalid_attendance' ? MeetingRefusal.invalidAttendance : KernelRefusal.invalidInput;
  throw refuse(code, problem.message, { field: problem.field, ...(problem.details ?? {}) });
}

/** Why the minutes cannot be attached to the open vote's meeting (`v`, if a vote is open) now; throws a refusal. */
export function validateMinutes(v: VoteRun | undefined, ref: string): void {
  if (!v?.meetingRequired) throw refuse(KernelRefusal.actionNotAllowed, 'no vote at a recorded meeting is open');
  const problem = minutesProblem(v.meeting, ref);
  if (problem) throw refuse(problem.code, problem.message, { field: problem.field });
}

/** Attaches the minutes (validated); the step ends now if every member present has voted. */
export function attachMinutes(v: VoteRun, ref: string, by: string, at: string): MeetingRecord {
  const meeting: MeetingRecord = { ...(v.meeting as MeetingRecord), minutes: { ref, by, at } };
  v.meeting = meeting;
  return meeting;
}

/** Why the open vote (`v`, if a vote is open) cannot be closed now; throws a refusal. */
export function validateCloseVote(v: VoteRun | undefined): void {
  if (!v) throw refuse(KernelRefusal.actionNotAllowed, 'no vote is open: the current step is not a vote');
  if (v.meetingRequired && !v.meeting) throw refuse(MeetingRefusal.meetingNotOpen, 'the meeting is not open yet: record its date and attendance first (openMeeting)', { rule: 'meeting.open' });
  if (v.meeting && !v.meeting.minutes) {
    throw refuse(MeetingRefusal.minutesRequired, `the minutes of the meeting of ${v.meeting.date} are attached before the vote closes`, { rule: 'meeting.minutes', field: 'minutesRef' });
  }
  // At a recorded meeting the quorum was met when it opened, from the attendance it recorded.
  if (v.meeting) return;
  const principal = v.rule.principalId;
  const principalToVote = principal !== undefined && !v.closing && v.members.includes(principal) && !voted(v).includes(principal);
  // The principal still to vote counts as present: closing leaves their task open so they vote last.
  const present = voted(v).length + (principalToVote ? 1 : 0);
  if (!meetsQuorum(v.rule, v.members.length, present)) {
    const needed = quorumNeeded(v.rule, v.members.length);
    throw refuse(
      KernelRefusal.quorumNotMet,
      `no quorum: ${present} of ${v.members.length} members present (voted${principalToVote ? ', or the principal still to vote' : ''}), at least ${needed} needed; a decision without quorum is invalid`,
      { present, shouldAttend: v.members.length, needed },
    );
  }
}

/**
 * Closes the vote: every member who has not voted is absent, except a principal still to
 * vote, whose task stays open; a second close then records the principal absent too.
 */
export function closeVote(v: VoteRun, slots: Slot[], by: string, at: string): TaskChanges & { absent: string[] } {
  const principal = v.rule.principalId;
  const keepPrincipal = principal !== undefined && !v.closing && v.members.includes(principal) && !voted(v).includes(principal);
  const changes: TaskChanges & { absent: string[] } = { closed: [], opened: [], absent: [] };
  for (const s of slots) {
    if (s.state !== 'pending') continue;
    if (keepPrincipal && s.assigneeIds.includes(principal)) continue;
    s.state = 'absent';
    changes.absent.push(...s.assigneeIds);
    // At a recorded meeting they were present: their vote closed without a ballot, which is not absence.
    if (s.task) changes.closed.push({ task: s.task, at, by, action: v.meeting ? 'notVoted' : 'absent', byAction: false });
  }
  v.absent.push(...changes.absent);
  v.closing = true;
  return changes;
}
