/**
 * Rules of 揭榜出征 (`redeployment`, DOMAIN.md §3) as pure functions: every command's refusal, by the stage
 * the list is at (commandProblem), and what the list's stages wait for. The other rule families are their
 * own files, re-exported here so the API, the tests and the workflow read every rule from one place: the
 * list and its tasks (list-rules.ts), eligibility (eligibility-rules.ts), the two-way matching
 * (matching-rules.ts) and the figures (figure-rules.ts). The API's checks and the workflow's Update
 * validator call the same functions. Pure: no I/O, no clock (today is an argument); bundled into the workflow.
 */
import { isValidDate } from '../../domain/dates';
import { KernelRefusal } from '../kernel/messages';
import {
  RedeploymentRefusal,
  type Application,
  type ChallengeTask,
  type EligibilityCheck,
  type ListRules,
  type Proposal,
  type RedeploymentCommandInput,
  type RedeploymentStage,
} from './messages';
import { applicantProblem } from './eligibility-rules';
import { changedTask, problem, taskProblem, type RuleProblem } from './list-rules';
import { adjustmentProblem, matchingInputOf } from './matching-rules';

export * from './eligibility-rules';
export * from './figure-rules';
export * from './list-rules';
export * from './matching-rules';

// --- commands --------------------------------------------------------------------------------------

export interface CommandContext {
  stage: RedeploymentStage;
  status: 'open' | 'closed';
  departmentUnitId: string;
  rules: ListRules;
  today: string;
  tasks: readonly ChallengeTask[];
  closeDate: string | null;
  closedEarly: boolean;
  applications: readonly Application[];
  checks: readonly EligibilityCheck[];
  rankings: Record<string, { personIds: string[] }>;
  proposal: Proposal | null;
  letters: readonly { letterId: string; cadreUserId: string; hostUnitId: string; acknowledgedByCadre: unknown; acknowledgedByHost: unknown }[];
}

/** The stages in which each command is taken (the first rule commandProblem applies); the state lists those of its stage. */
export const COMMAND_STAGES: Record<RedeploymentCommandInput['action'], readonly RedeploymentStage[]> = {
  addTask: ['draft', 'approved', 'published'],
  changeTask: ['draft', 'approved', 'published'],
  withdrawTask: ['draft', 'approved', 'published'],
  publish: ['approved'],
  closeApplications: ['published'],
  apply: ['published'],
  nominate: ['published'],
  recordCheck: ['published', 'checks'],
  rank: ['ranking'],
  runMatching: ['ranking', 'proposal'],
  adjust: ['proposal'],
  submitProposal: ['proposal'],
  acknowledge: ['dispatch'],
  vote: ['meeting'],
  openMeeting: ['meeting'],
  attachMinutes: ['meeting'],
};

/** The commands a list at `stage` takes (its state query lists them, for a client to offer). */
export function commandsAt(stage: RedeploymentStage): RedeploymentCommandInput['action'][] {
  return (Object.keys(COMMAND_STAGES) as RedeploymentCommandInput['action'][]).filter((a) => COMMAND_STAGES[a].includes(stage));
}

/** Whether applications are still open: the list is published, not closed early, and today is not past the close date. */
export function applicationsOpen(c: Pick<CommandContext, 'stage' | 'closeDate' | 'closedEarly' | 'today'>): boolean {
  return c.stage === 'published' && !c.closedEarly && c.closeDate !== null && c.today <= c.closeDate;
}

/** Applicants of a task: applied for it, or nominated for it. */
export function applicantsOf(applications: readonly Application[], taskId: string): string[] {
  return [...new Set(applications.filter((a) => a.taskIds.includes(taskId)).map((a) => a.personId))];
}

/** Open tasks with an eligible applicant and no ranking yet. */
export function unrankedTasks(c: Pick<CommandContext, 'tasks' | 'checks' | 'rankings'>): string[] {
  return c.tasks.filter((t) => t.status === 'open' && !c.rankings[t.taskId] && c.checks.some((k) => k.taskId === t.taskId && k.eligible)).map((t) => t.taskId);
}

/** Applicants without a recorded check. */
export function uncheckedApplicants(c: Pick<CommandContext, 'applications' | 'checks'>): string[] {
  const checked = new Set(c.checks.map((k) => k.personId));
  return [...new Set(c.applications.map((a) => a.personId))].filter((p) => !checked.has(p));
}

/**
 * Every refusal of a command on the list, checked synchronously by the Update validator (a refused
 * command leaves nothing) and by the API before it sends it. Returns the first problem, or null.
 */
export function commandProblem(c: CommandContext, cmd: RedeploymentCommandInput): RuleProblem | null {
  if (c.status !== 'open' || !COMMAND_STAGES[cmd.action].includes(c.stage)) {
    // An application after the close is the rule users meet most: named as such, not as a stage.
    if ((cmd.action === 'apply' || cmd.action === 'nominate') && c.status === 'open' && ['checks', 'ranking', 'proposal', 'meeting', 'dispatch', 'terms'].includes(c.stage)) {
      return problem(RedeploymentRefusal.applicationsClosed, 'closeDate', `rule applicationClose: applications closed${c.closeDate ? ` on ${c.closeDate}` : ''}`, { rule: 'applicationClose' });
    }
    return problem(RedeploymentRefusal.wrongStage, 'action', `${cmd.action} is taken at ${COMMAND_STAGES[cmd.action].join(' or ')}; the list is at ${c.stage}`, { stage: c.stage });
  }
  const department = cmd.actorUnitId === c.departmentUnitId && cmd.actorRoles.includes('staff');
  const notAllowed = (who: string): RuleProblem => problem(KernelRefusal.notAllowed, 'actorId', `only ${who} may ${cmd.action}`);
  const task = (id: string): ChallengeTask | undefined => c.tasks.find((t) => t.taskId === id);
  const openTask = (id: string, field: string): RuleProblem | null => (task(id)?.status === 'open' ? null : problem(RedeploymentRefusal.unknownTask, field, 'is not an open task of the list'));

  switch (cmd.action) {
    case 'addTask':
      if (!department) return notAllowed('the department’s staff');
      if (task(cmd.task.taskId)) return problem(RedeploymentRefusal.invalidTask, 'task.taskId', 'the list already has a task with this id');
      return reasonProblem(cmd.reason) ?? taskProblem(cmd.task, 'task');
    case 'changeTask': {
      if (!department) return notAllowed('the department’s staff');
      const t = task(cmd.taskId);
      if (t?.status !== 'open') return openTask(cmd.taskId, 'taskId');
      if (Object.keys(cmd.changes).length === 0) return problem(KernelRefusal.invalidInput, 'changes', 'names no field to change');
      return reasonProblem(cmd.reason) ?? taskProblem(changedTask(t, cmd.changes), 'changes');
    }
    case 'withdrawTask':
      if (!department) return notAllowed('the department’s staff');
      return openTask(cmd.taskId, 'taskId') ?? reasonProblem(cmd.reason);
    case 'publish':
      if (!department) return notAllowed('the department’s staff');
      if (!isValidDate(cmd.closeDate)) return problem(KernelRefusal.invalidInput, 'closeDate', 'must be a YYYY-MM-DD date');
      if (cmd.closeDate < c.today) return problem(KernelRefusal.invalidInput, 'closeDate', `must not be before today (${c.today})`);
      return null;
    case 'closeApplications':
      if (!department) return notAllowed('the department’s staff');
      return reasonProblem(cmd.reason);
    case 'apply':
    case 'nominate': {
      if (cmd.action === 'nominate' && !department) return notAllowed('the department’s staff');
      if (!applicationsOpen(c)) return problem(RedeploymentRefusal.applicationsClosed, 'closeDate', `rule applicationClose: applications closed${c.closeDate ? ` on ${c.closeDate}` : ''}`, { rule: 'applicationClose' });
      if (cmd.facts.personId !== cmd.personId) return problem(KernelRefusal.invalidInput, 'personId', 'the facts read are not this person’s');
      const ids = cmd.action === 'apply' ? cmd.taskIds : [cmd.taskId];
      const field = cmd.action === 'apply' ? 'taskIds' : 'taskId';
      if (ids.length === 0) return problem(KernelRefusal.invalidInput, field, 'names no task');
      if (new Set(ids).size !== ids.length) return problem(KernelRefusal.invalidInput, field, 'names a task twice');
      for (const [i, id] of ids.entries()) {
        const p = openTask(id, cmd.action === 'apply' ? `taskIds[${i}]` : 'taskId');
        if (p) return p;
      }
      const elig = applicantProblem(cmd.facts, ids.map((id) => task(id) as ChallengeTask), c.rules, c.today);
      if (elig) return cmd.action === 'nominate' && elig.details.field.startsWith('taskIds') ? { ...elig, message: elig.message.replace(/^taskIds\[0\]/, 'taskId'), details: { ...elig.details, field: 'taskId' } } : elig;
      const already = c.applications.filter((a) => a.personId === cmd.personId);
      if (cmd.action === 'apply') {
        const own = already.filter((a) => a.source === 'application').flatMap((a) => a.taskIds);
        if (ids.some((id) => own.includes(id))) return problem(KernelRefusal.invalidInput, 'taskIds', 'the person has already applied for this task');
        if (own.length + ids.length > c.rules.maxApplications) {
          return problem(RedeploymentRefusal.tooManyApplications, 'taskIds', `rule maxApplications: a cadre applies for at most ${c.rules.maxApplications} tasks; ${own.length} already applied for`, {
            rule: 'maxApplications',
            max: c.rules.maxApplications,
          });
        }
      } else if (already.some((a) => a.taskIds.includes(cmd.taskId))) {
        return problem(KernelRefusal.invalidInput, 'taskId', 'the person has already applied or been nominated for this task');
      }
      return null;
    }
    case 'recordCheck':
      if (!department) return notAllowed('the department’s staff');
      if (!c.applications.some((a) => a.personId === cmd.personId)) return problem(KernelRefusal.invalidInput, 'personId', 'has not applied and was not nominated');
      if (cmd.facts.personId !== cmd.personId) return problem(KernelRefusal.invalidInput, 'personId', 'the facts read are not this person’s');
      if (!isValidDate(cmd.health.date) || cmd.health.date > c.today) return problem(KernelRefusal.invalidInput, 'health.date', 'must be a date not after today');
      return null;
    case 'rank': {
      const t = task(cmd.taskId);
      if (t?.status !== 'open') return openTask(cmd.taskId, 'taskId');
      if (cmd.actorUnitId !== t.hostUnitId) return notAllowed('the host unit');
      if (new Set(cmd.personIds).size !== cmd.personIds.length) return problem(RedeploymentRefusal.invalidRanking, 'personIds', 'names a person twice');
      const ok = new Set(c.checks.filter((k) => k.taskId === cmd.taskId && k.eligible).map((k) => k.personId));
      const i = cmd.personIds.findIndex((p) => !ok.has(p));
      if (i >= 0) return problem(RedeploymentRefusal.invalidRanking, `personIds[${i}]`, 'is not an eligible applicant of this task');
      return null;
    }
    case 'runMatching': {
      if (!department) return notAllowed('the department’s staff');
      const missing = unrankedTasks(c);
      if (missing.length > 0) return problem(RedeploymentRefusal.rankingsIncomplete, 'rankings', `the host units have not ranked the applicants of ${missing.join(', ')}`, { tasks: missing });
      return null;
    }
    case 'adjust': {
      if (!department) return notAllowed('the department’s staff');
      const input = matchingInputOf(c);
      const ok = new Set(c.checks.filter((k) => k.eligible).map((k) => `${k.taskId}/${k.personId}`));
      const applied = (t: string, p: string): boolean => ok.has(`${t}/${p}`) && applicantsOf(c.applications, t).includes(p);
      return adjustmentProblem(c.proposal as Proposal, input, applied, { action: cmd.change, taskId: cmd.taskId, personId: cmd.personId, reason: cmd.reason });
    }
    case 'submitProposal':
      if (!department) return notAllowed('the department’s staff');
      if ((c.proposal?.pairs.length ?? 0) === 0) return problem(KernelRefusal.invalidInput, 'proposal', 'has no matched pair to put to the meeting');
      return null;
    case 'acknowledge': {
      const l = c.letters.find((x) => x.letterId === cmd.letterId);
      if (!l) return problem(RedeploymentRefusal.invalidAcknowledgement, 'letterId', 'is not a task letter of this list');
      if (cmd.as === 'cadre' ? cmd.actorId !== l.cadreUserId : cmd.actorUnitId !== l.hostUnitId) {
        return problem(RedeploymentRefusal.invalidAcknowledgement, 'as', cmd.as === 'cadre' ? 'only the cadre acknowledges as the cadre' : 'only the host unit acknowledges as the host unit');
      }
      if (cmd.as === 'cadre' ? l.acknowledgedByCadre : l.acknowledgedByHost) return problem(RedeploymentRefusal.invalidAcknowledgement, 'as', 'has already acknowledged this letter');
      return null;
    }
    case 'openMeeting':
    case 'attachMinutes':
      // 《条例》 art. 28 (the meeting decides with 2/3 present; common practice: minutes kept): organised by the department's
      // staff; the attendance, quorum and minutes rules are the kernel vote step's (kernel/vote.ts).
      return department ? null : notAllowed('the department’s staff');
    case 'vote':
      // The meeting's rules (member, one ballot per candidate, the principal last) are the kernel vote
      // step's, applied by the workflow's validator to the ballots the slate stands for.
      return null;
  }
}

function reasonProblem(reason: string): RuleProblem | null {
  return reason.trim() ? null : problem(KernelRefusal.reasonRequired, 'reason', 'must say why');
}
