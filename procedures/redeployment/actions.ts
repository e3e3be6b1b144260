/**
 * The staff's, the host units' and the members' commands on a challenge list (the redeployment Update): every
 * command's rules are one pure function (rules.ts commandProblem) the validator applies, synchronously, so a
 * refused command leaves nothing; the meeting's own rules are the kernel vote step's. An accepted command
 * changes the state, is recorded and projected, and is answered once the main loop has moved on where it lets it.
 */
import { condition } from '@temporalio/workflow';
import { answer } from '../kernel/act';
import type { TaskChanges } from '../kernel/approval';
import { KernelRefusal, type BallotInput, type NotificationData } from '../kernel/messages';
import { assertCleanText, refuse } from '../kernel/refuse';
import { slateBallots, voteRecord } from '../kernel/vote';
import type { Application, RedeploymentAck, RedeploymentCommandInput } from './messages';
import { adjusted, changedTask, checkEligibility, commandProblem, keptCheck, matchingInputOf, stableMatch, uncheckedApplicants } from './rules';
import type { ListRun } from './run';

/** What the rules check a command against: the list as it stands today. */
function commandContext(run: ListRun) {
  const { state } = run;
  return {
    stage: state.stage,
    status: state.status,
    departmentUnitId: run.dept,
    rules: run.input.rules,
    today: run.today(),
    tasks: state.tasks,
    closeDate: state.closeDate,
    closedEarly: state.closedEarly !== null,
    applications: state.applications,
    checks: state.checks,
    rankings: state.rankings,
    proposal: state.proposal,
    letters: state.letters,
  };
}

/** The Update's validator: the command's rules (rules.ts), then the kernel vote step's for the meeting's commands. */
export function validateCommand(run: ListRun, c: RedeploymentCommandInput): void {
  const { flow, today } = run;
  assertCleanText(c);
  const p = commandProblem(commandContext(run), c);
  if (p) throw refuse(p.code, p.message, p.details);
  // The meeting's own rules are the kernel vote step's: the quorum from the attendance recorded, the minutes once.
  if (c.action === 'openMeeting') flow.validateOpenMeeting({ date: c.date, present: c.present, today: today() });
  if (c.action === 'attachMinutes') flow.validateMinutes(c.minutesRef);
  if (c.action === 'vote') {
    const v = slateOf(run, c);
    // The kernel vote step's own rules: a member, one ballot per pair, the principal last.
    flow.validate({ taskId: v.taskId, actorId: c.actorId, action: 'vote', ballots: v.ballots });
  }
}

/** Applies an accepted command, records and projects it, and answers once the main loop has moved on. */
export async function handleCommand(run: ListRun, c: RedeploymentCommandInput): Promise<RedeploymentAck> {
  const { state, projector, flow, assignees, input, dept, base, record, task, applicantUsers, hostUnits, today } = run;
  const seq = projector.nextSeq();
  const at = new Date().toISOString();
  const stageBefore = state.stage;
  const { actorId, actorRoles: _roles, actorUnitId: _unit, ...payload } = c;
  const notifications: NotificationData[] = [];
  let data: unknown = payload;
  let changes: Pick<TaskChanges, 'closed' | 'opened'> = { closed: [], opened: [] };
  let onTask: string | null = null;
  // State first, synchronously, so a concurrent Update's validator sees it.
  switch (c.action) {
    case 'addTask':
      Object.assign(assignees, c.hostAssignees ?? {});
      state.tasks.push({ ...c.task, status: 'open', version: 1, changes: [{ seq, kind: 'added', by: actorId, at, reason: c.reason, notified: [] }] });
      projector.row.unitIds = [...new Set([dept, ...hostUnits()])].sort();
      break;
    case 'changeTask':
    case 'withdrawTask': {
      const t = task(c.taskId);
      const notified = applicantUsers(c.taskId);
      const fields = c.action === 'changeTask' ? Object.keys(c.changes) : undefined;
      if (c.action === 'changeTask') {
        Object.assign(assignees, c.hostAssignees ?? {});
        Object.assign(t, changedTask(t, c.changes));
        t.version += 1;
      } else t.status = 'withdrawn';
      t.changes.push({ seq, kind: c.action === 'changeTask' ? 'changed' : 'withdrawn', by: actorId, at, reason: c.reason, ...(fields ? { fields } : {}), notified });
      if (notified.length) notifications.push({ kind: 'copy', userIds: notified, message: `${input.title}: task ${t.taskId} ${t.title} was ${c.action === 'changeTask' ? `changed (${(fields ?? []).join(', ')})` : 'withdrawn'}: ${c.reason}` });
      projector.row.unitIds = [...new Set([dept, ...hostUnits()])].sort();
      data = { ...payload, notified };
      break;
    }
    case 'publish':
      state.closeDate = c.closeDate;
      break;
    case 'closeApplications':
      state.closedEarly = { by: actorId, at, reason: c.reason };
      break;
    case 'apply':
    case 'nominate': {
      const app: Application = {
        personId: c.personId,
        name: c.facts.name,
        formerUnitId: c.facts.unitId,
        cadreUserId: c.cadreUserId,
        taskIds: c.action === 'apply' ? c.taskIds : [c.taskId],
        statement: c.statement,
        source: c.action === 'apply' ? 'application' : 'nomination',
        by: actorId,
        at,
      };
      state.applications.push(app);
      // The facts read from master data are recorded with the action: what the rule was applied to.
      data = { ...payload };
      break;
    }
    case 'recordCheck': {
      state.health[c.personId] = { ...c.health, by: actorId, at };
      const facts = { ...c.facts, health: [...c.facts.health, c.health] };
      const ids = [...new Set(state.applications.filter((a) => a.personId === c.personId).flatMap((a) => a.taskIds))];
      state.checks = state.checks.filter((k) => k.personId !== c.personId);
      const full = ids.map((id) => checkEligibility(facts, task(id), input.rules, today()));
      state.checks.push(...full.map(keptCheck));
      // The whole check, every predicate with its fact, goes to action_log with the action.
      data = { ...payload, checks: full };
      break;
    }
    case 'openMeeting': {
      const { meeting, ...opened } = flow.openMeeting({ date: c.date, present: c.present }, actorId, at);
      state.meeting = meeting;
      changes = opened;
      break;
    }
    case 'attachMinutes':
      state.meeting = flow.attachMinutes(c.minutesRef, actorId, at);
      break;
    case 'vote': {
      const v = slateOf(run, c);
      // Recorded as cast: the choice and its exceptions, not 600 ballots; nothing of it in a secret vote.
      data = voteRecord(flow.voteRule() ?? {}, { choice: c.choice, except: c.except ?? [] });
      changes = flow.apply({ taskId: v.taskId, actorId, action: 'vote', ballots: v.ballots, ...(c.comment ? { comment: c.comment } : {}) }, undefined);
      onTask = v.taskId;
      break;
    }
    case 'rank':
      state.rankings[c.taskId] = { personIds: c.personIds, by: actorId, at };
      break;
    case 'runMatching': {
      const m = stableMatch(matchingInputOf(state));
      state.proposal = { ...m, adjustments: [], computedAt: at };
      data = { pairs: m.pairs, unmatchedTasks: m.unmatchedTasks, unmatchedCadres: m.unmatchedCadres };
      break;
    }
    case 'adjust':
      if (state.proposal) state.proposal = adjusted(state.proposal, matchingInputOf(state), { action: c.change, taskId: c.taskId, personId: c.personId, reason: c.reason, by: actorId, at });
      break;
    case 'submitProposal':
      run.submitted = true;
      break;
    case 'acknowledge': {
      const l = state.letters.find((x) => x.letterId === c.letterId);
      if (l) l[c.as === 'cadre' ? 'acknowledgedByCadre' : 'acknowledgedByHost'] = { by: actorId, at };
      break;
    }
  }
  const comment = 'reason' in c ? c.reason : 'comment' in c ? c.comment : undefined;
  record({ seq, taskId: onTask, step: stageBefore, actorId, action: c.action, at, ...(comment ? { comment } : {}) });
  projector.emit({ seq, action: { taskId: onTask, step: stageBefore, actorId, action: c.action, ...(comment ? { comment } : {}), data }, notifications, ...changes });
  // Answer once the main loop has moved on where this command lets it.
  await condition(() => state.stage !== stageBefore || !moves(run, c) || state.status !== 'open');
  return { ...answer(base, null, c.action, seq), seq };
}

/** The member's meeting task and the ballots their slate vote stands for; refuses what stands for none. */
function slateOf(run: ListRun, c: Extract<RedeploymentCommandInput, { action: 'vote' }>): { taskId: string; ballots: BallotInput[] } {
  const { flow, meetingStep } = run;
  // At a recorded meeting: open, and the member present (the refusal names the rule, not a missing task).
  flow.validateVoter(c.actorId);
  const view = flow.view();
  const slot = view?.key === 'meeting' ? view.slots.find((x) => x.assigneeIds.includes(c.actorId) && x.taskId) : undefined;
  if (!slot?.taskId) throw refuse(KernelRefusal.notAssignee, 'only a member of the meeting votes', { field: 'actorId' });
  const r = slateBallots(meetingStep.candidates ?? [], c);
  if (r.problem) throw refuse(KernelRefusal.invalidBallot, r.problem.message, { field: r.problem.field });
  return { taskId: slot.taskId, ballots: r.ballots };
}

/** Whether the command lets the list move to its next stage now. */
function moves(run: ListRun, c: RedeploymentCommandInput): boolean {
  const { state, flow } = run;
  switch (c.action) {
    case 'publish':
    case 'closeApplications':
    case 'runMatching':
    case 'submitProposal':
      return state.stage !== 'proposal' || c.action === 'submitProposal';
    case 'recordCheck':
      return state.stage === 'checks' && uncheckedApplicants(state).length === 0;
    case 'acknowledge':
      return state.letters.every((l) => l.acknowledgedByCadre && l.acknowledgedByHost);
    case 'vote':
    case 'attachMinutes':
      return !flow.isRunning();
    default:
      return false;
  }
}
