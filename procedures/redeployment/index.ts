/** 揭榜出征 (`redeployment`): the challenge list's descriptor, its command route, its views and the task letter download. */
import path from 'node:path';
import { z } from 'zod';
import type { EntityManager } from '@mikro-orm/postgresql';
import { membersOf, resolveAssignees, type NamedRule } from '../../api/assignees';
import { ApiError, fromTemporal, NotFound, Unavailable, Unprocessable } from '../../api/errors';
import { assertInMasterData } from '../../api/master-data';
import type { ApiDeps } from '../../api/routes/context';
import { access, personnelShown } from '../../api/authz';
import { BinaryBody, WorkflowIdParam } from '../../api/schemas';
import { sendUpdate } from '../../api/temporal';
import { AppUserSchema, PersonSchema, ProcedureSchema, RedeploymentLetterSchema, UnitSchema, type Person, type RedeploymentLetter } from '../../platform/entities';
import { defineProcedure } from '../descriptor';
import { stateQuery, type AssigneeRule } from '../kernel/messages';
import { completeVoteRule, MEETING_REFUSAL_STATUS } from '../kernel/vote';
import { createRedeploymentActivities } from './activities';
import { attachmentDisposition, LETTER_MEDIA_TYPE } from './letter';
import {
  REDEPLOYMENT,
  REDEPLOYMENT_STATUSES,
  RedeploymentRefusal,
  redeploymentUpdate,
  redeploymentWorkflowId,
  type ListFigures,
  type PersonFacts,
  type RedeploymentCommand,
  type RedeploymentCommandInput,
  type RedeploymentInput,
  type RedeploymentState,
} from './messages';
import { redeploymentPersonnel } from './personnel';
import { DEFAULT_LIST_RULES, listProblem, taskProblem } from './rules';
import { LetterParam, REDEPLOYMENT_ACT_BODIES, RedeploymentCommandBody, StartRedeploymentBody, YearQuery } from './schemas';

const QUERY_DEADLINE_MS = 15_000;

/** How long the API waits before it asks a list that was just continuing as new again. */
const CONTINUE_PAUSE_MS = 250;
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function listState(deps: Pick<ApiDeps, 'client'>, workflowId: string): Promise<RedeploymentState> {
  if (!workflowId.startsWith(redeploymentWorkflowId(''))) throw new NotFound('procedure_not_found', 'no such challenge list');
  const read = async (): Promise<RedeploymentState> =>
    (await deps.client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => deps.client.workflow.getHandle(workflowId).query(stateQuery))) as RedeploymentState;
  try {
    return await read();
  } catch (err) {
    if (fromTemporal(err)?.status === 404) throw new NotFound('procedure_not_found', 'no such challenge list');
    // A list that has just continued as new answers queries once its new run's first workflow task is
    // done (its state travels in that run's input): asked in between, the query fails. Ask the latest
    // run once more, after a moment, before telling the client the state is unavailable.
    if (!(await isRunning(deps, workflowId))) throw new Unavailable('state_unavailable', 'the list’s live state cannot be read now; is a worker running?');
    await pause(CONTINUE_PAUSE_MS);
    try {
      return await read();
    } catch {
      throw new Unavailable('state_unavailable', 'the list’s live state cannot be read now; is a worker running?');
    }
  }
}

/** Whether the list's latest run is running: a run that continued as new is followed to the new one. */
async function isRunning(deps: Pick<ApiDeps, 'client'>, workflowId: string): Promise<boolean> {
  return deps.client.workflow
    .getHandle(workflowId)
    .describe()
    .then(
      (d) => d.status.name === 'RUNNING',
      () => false,
    );
}

/**
 * Sends one command to the list. An Update that reached a run as it continued as new fails as if the list
 * had ended (the run did end; api/temporal.ts answers procedure_ended, 409, or the Update's own wait
 * fails): when the list's latest run is running, the command is sent once more, to that run, with the
 * same update id, so the client sees the command taken rather than an error. The old run finished every
 * accepted Update before it continued (allHandlersFinished), so a command it took answers there and is
 * never taken twice; one it did not take is taken by the new run.
 */
export async function sendCommand(deps: Parameters<typeof sendUpdate>[0], em: EntityManager, workflowId: string, arg: RedeploymentCommandInput, updateId: string) {
  try {
    return await sendUpdate(deps, em, workflowId, redeploymentUpdate, arg, updateId);
  } catch (err) {
    const continuing = err instanceof ApiError && ((err.status === 409 && err.code === 'procedure_ended') || err.status === 503);
    if (!continuing || !(await isRunning(deps, workflowId))) throw err;
    await pause(CONTINUE_PAUSE_MS);
    return sendUpdate(deps, em, workflowId, redeploymentUpdate, arg, updateId);
  }
}

/**
 * What eligibility reads from master data. Read here because an Update validator cannot do I/O: the
 * facts travel in the Update, and the validator applies the pure rule (rules.ts) to them.
 */
async function personFacts(em: EntityManager, personId: string): Promise<PersonFacts> {
  const p: Person | null = await em.findOne(PersonSchema, { id: personId });
  if (!p) throw new Unprocessable('unknown_person', 'personId: the person is not in master data', { field: 'personId' });
  return {
    personId: p.id,
    name: p.name,
    unitId: p.unitId,
    birthDate: p.birthDate,
    currentGrade: p.currentGrade,
    leftLeadershipPostOn: p.leftLeadershipPostOn ?? null,
    fields: p.fields ?? [],
    health: p.healthCheckedOn && p.healthResult ? [{ date: p.healthCheckedOn, result: p.healthResult }] : [],
  };
}

/** A host unit's head and staff, resolved now: a term names them (term-messages.ts). */
function hostRules(unitId: string, field: string): NamedRule[] {
  return [
    { rule: { kind: 'unitHead', unitId }, field },
    { rule: { kind: 'role', role: 'staff', unitId }, field },
  ];
}

/**
 * Who reads a task letter (任务书): staff of the department that runs the list (the unit of the staff member
 * who started it), the host unit's staff and head, and the cadre: the person's own account in master data
 * (person.user_id), or the account the list addressed the letter to (the one that acknowledges it).
 */
async function mayReadLetter(em: EntityManager, user: { id: string; unitId: string; roles: readonly string[] }, l: RedeploymentLetter): Promise<boolean> {
  if (l.cadreUserId === user.id) return true;
  const person = await em.findOne(PersonSchema, { id: l.personId }, { fields: ['id', 'userId'] });
  if (person?.userId && person.userId === user.id) return true;
  const list = await em.findOne(ProcedureSchema, { workflowId: l.workflowId }, { fields: ['workflowId', 'startedBy'] });
  const starter = list ? await em.findOne(AppUserSchema, { id: list.startedBy }, { fields: ['id', 'unitId'] }) : null;
  if (starter && user.unitId === starter.unitId && user.roles.includes('staff')) return true;
  if (l.hostUnitId && user.unitId === l.hostUnitId) {
    if (user.roles.includes('staff')) return true;
    const unit = await em.findOne(UnitSchema, { id: l.hostUnitId }, { fields: ['id', 'headUserId'] });
    if (unit?.headUserId === user.id) return true;
  }
  return false;
}

const refuseRule = (p: { code: string; message: string; details: Record<string, unknown> } | null): void => {
  if (p) throw new Unprocessable(p.code, p.message, p.details);
};

export const redeploymentProcedure = defineProcedure({
  type: REDEPLOYMENT,
  label: '揭榜出征',
  statuses: REDEPLOYMENT_STATUSES,
  capabilities: { withdraw: false, urge: true, copy: true, closeVote: true, overdue: false },
  refusals: {
    [RedeploymentRefusal.invalidTask]: 422,
    [RedeploymentRefusal.applicationsClosed]: 422,
    [RedeploymentRefusal.notEligible]: 422,
    [RedeploymentRefusal.tooManyApplications]: 422,
    [RedeploymentRefusal.unknownTask]: 422,
    [RedeploymentRefusal.wrongStage]: 409,
    [RedeploymentRefusal.invalidRanking]: 422,
    [RedeploymentRefusal.rankingsIncomplete]: 422,
    [RedeploymentRefusal.invalidAdjustment]: 422,
    [RedeploymentRefusal.invalidAcknowledgement]: 422,
    ...MEETING_REFUSAL_STATUS,
  },
  start: {
    summary: 'Draft a challenge list (榜单) of 揭榜出征 for the department’s approval',
    description:
      'Each task has a host unit, a term, a number of people and its requirements as data. The department’s head approves the list ' +
      '(a task), or returns it to staff; staff then publish it with a close date. The workflow id is redeployment-<listId>.',
    body: StartRedeploymentBody,
    plan: async ({ em, user, body }) => {
      // The same rule the validator applies to a changed list (rules.ts): 422 naming the field.
      refuseRule(listProblem(body.tasks));
      const dept = user.unitId;
      const unitIds = [...new Set(body.tasks.map((t) => t.hostUnitId))];
      await assertInMasterData(em, body.tasks.map((t, i) => ({ kind: 'unit', id: t.hostUnitId, field: `tasks[${i}].hostUnitId` })), 'the unit does not exist');
      const meeting: AssigneeRule = body.meeting ?? { kind: 'role', role: 'approver', unitId: dept };
      const assignees = await resolveAssignees(em, [
        { rule: { kind: 'role', role: 'staff', unitId: dept }, field: 'department' },
        { rule: { kind: 'role', role: 'approver', unitId: dept }, field: 'department' },
        { rule: { kind: 'unitHead', unitId: dept }, field: 'department' },
        { rule: meeting, field: 'meeting' },
        ...body.tasks.flatMap((t, k) => hostRules(t.hostUnitId, `tasks[${k}].hostUnitId`)),
      ]);
      const { rule, problem } = completeVoteRule(body.meetingRule, membersOf(assignees, meeting));
      if (problem) throw new Unprocessable('invalid_vote_rule', `meetingRule.${problem.field}: ${problem.message}`, { field: `meetingRule.${problem.field}` });
      const input: RedeploymentInput = {
        listId: body.listId,
        title: body.title,
        initiatorId: user.id,
        departmentUnitId: dept,
        tasks: body.tasks,
        rules: { ...DEFAULT_LIST_RULES, ...body.rules },
        meeting,
        meetingRule: rule,
        assignees,
      };
      return { workflowId: redeploymentWorkflowId(body.listId), input, units: [dept, ...unitIds], stage: 'listApproval' };
    },
  },
  actBodies: REDEPLOYMENT_ACT_BODIES,
  activities: createRedeploymentActivities,
  routes: ({ route, deps }) => {
    route({
      method: 'post',
      path: '/procedures/:workflowId/redeployment',
      tag: 'redeployment',
      summary: 'Act on a challenge list (榜单): change tasks, publish, apply (揭榜), nominate, check, rank, match, adjust, submit, acknowledge',
      description:
        'Each command belongs to a stage and is checked by the workflow’s Update validator with the rules of rules.ts: an application ' +
        'after the close, by someone not recorded as having left a leadership post or over the age limit, or over N tasks is refused with ' +
        'the rule named (details.rule); a task whose term ends before it starts is invalid_task naming the field. A refused command leaves ' +
        'no trace. The person facts eligibility needs are read from master data here and passed to the workflow.',
      idempotent: true,
      params: WorkflowIdParam,
      body: RedeploymentCommandBody,
      response: {
        status: 200,
        schema: z.object({ seq: z.number(), action: z.string(), stage: z.string(), status: z.string(), state: z.unknown() }).openapi('RedeploymentActResult'),
        description: 'The command was taken; state is the list’s live state after it',
      },
      errors: [403, 404, 409, 422, 503],
      handler: async ({ em, user, params, body, idempotencyKey }) => {
        if (!params.workflowId.startsWith(redeploymentWorkflowId(''))) throw new NotFound('procedure_not_found', 'no such challenge list');
        let command: RedeploymentCommand;
        switch (body.action) {
          case 'addTask':
          case 'changeTask': {
            const unitId = body.action === 'addTask' ? body.task.hostUnitId : body.changes.hostUnitId;
            if (body.action === 'addTask') refuseRule(taskProblem(body.task, 'task'));
            const field = body.action === 'addTask' ? 'task.hostUnitId' : 'changes.hostUnitId';
            const hostAssignees = unitId ? await resolveAssignees(em, hostRules(unitId, field)) : undefined;
            command = body.action === 'addTask' ? { ...body, ...(hostAssignees ? { hostAssignees } : {}) } : ({ ...body, ...(hostAssignees ? { hostAssignees } : {}) });
            break;
          }
          case 'apply':
            command = { ...body, facts: await personFacts(em, body.personId), cadreUserId: user.id };
            break;
          case 'nominate':
            if (!(await em.findOne(AppUserSchema, { id: body.cadreUserId }, { fields: ['id'] }))) throw new Unprocessable('unknown_user', 'cadreUserId: the user does not exist', { field: 'cadreUserId' });
            command = { ...body, facts: await personFacts(em, body.personId) };
            break;
          case 'recordCheck':
            command = { ...body, facts: await personFacts(em, body.personId) };
            break;
          default:
            command = body;
        }
        const ack = (await sendCommand(deps, em, params.workflowId, { ...command, actorId: user.id, actorRoles: user.roles, actorUnitId: user.unitId }, `${user.id}:${idempotencyKey}`)) as unknown as {
          seq: number;
          action: string;
          stage: string;
          status: string;
        };
        // A cadre applies here too: the other applicants' personnel data is shown as GET /procedures/:workflowId shows it.
        const state = await personnelShown(em, user, redeploymentPersonnel, await listState(deps, params.workflowId), '/procedures/:workflowId/redeployment');
        return { status: 200, body: { seq: ack.seq, action: ack.action, stage: ack.stage, status: ack.status, state } };
      },
    });

    route({
      method: 'get',
      path: '/procedures/:workflowId/redeployment/proposal',
      tag: 'redeployment',
      summary: 'The matching proposal: pairs, unmatched tasks and cadres, adjustments with their reasons, the eligibility checks',
      params: WorkflowIdParam,
      response: { status: 200, schema: z.object({ stage: z.string(), proposal: z.unknown(), checks: z.unknown(), rankings: z.unknown(), decision: z.unknown(), approvedPairs: z.unknown() }).openapi('RedeploymentProposal'), description: 'As it stands' },
      errors: [404, 503],
      handler: async ({ params }) => {
        const s = await listState(deps, params.workflowId);
        return { status: 200, body: { stage: s.stage, proposal: s.proposal, checks: s.checks, rankings: s.rankings, decision: s.decision, approvedPairs: s.approvedPairs } };
      },
    });

    route({
      method: 'get',
      path: '/procedures/:workflowId/redeployment/figures',
      tag: 'redeployment',
      summary: 'The list’s figures: applications, matched, dispatched, on time with reports, assessed per grade, recognised; by host unit and former unit',
      params: WorkflowIdParam,
      response: { status: 200, schema: z.object({ stage: z.string(), figures: z.unknown(), terms: z.unknown() }).openapi('RedeploymentFigures'), description: 'Live while the terms run; final once the list closed' },
      errors: [404, 503],
      handler: async ({ params }) => {
        const s = await listState(deps, params.workflowId);
        return { status: 200, body: { stage: s.stage, figures: s.figures, terms: s.terms } };
      },
    });

    route({
      method: 'get',
      path: '/redeployment/figures',
      tag: 'redeployment',
      summary: 'Figures across the lists closed in a year',
      query: YearQuery,
      response: { status: 200, schema: z.object({ year: z.number(), lists: z.number(), totals: z.record(z.string(), z.number()), grades: z.record(z.string(), z.number()) }).openapi('RedeploymentYearFigures'), description: 'Sums of the closed lists’ figures' },
      handler: async ({ em, query }) => {
        const from = new Date(`${query.year}-01-01T00:00:00+08:00`);
        const to = new Date(`${query.year + 1}-01-01T00:00:00+08:00`);
        const rows = await em.find(ProcedureSchema, { type: REDEPLOYMENT, status: 'closed', closedAt: { $gte: from, $lt: to } }, { fields: ['result'] });
        const totals: Record<string, number> = { applications: 0, nominations: 0, applicants: 0, matched: 0, dispatched: 0, onTimeWithReports: 0, recognised: 0, endedEarly: 0 };
        const grades: Record<string, number> = {};
        for (const r of rows) {
          const f = r.result as ListFigures | null;
          if (!f) continue;
          for (const k of ['applications', 'nominations', 'applicants', 'matched', 'dispatched'] as const) totals[k] = (totals[k] ?? 0) + f[k];
          for (const k of ['onTimeWithReports', 'recognised', 'endedEarly'] as const) totals[k] = (totals[k] ?? 0) + f.terms[k];
          for (const [g, n] of Object.entries(f.terms.grades)) grades[g] = (grades[g] ?? 0) + n;
        }
        return { status: 200, body: { year: query.year, lists: rows.length, totals, grades } };
      },
    });

    route({
      method: 'get',
      path: '/procedures/:workflowId/redeployment/letters/:letterId',
      tag: 'redeployment',
      summary: 'Download a task letter (任务书) as DOCX',
      description:
        'The bytes stored when the letter was issued, generated from the list’s data (DOCX, deterministic for equal data). ' +
        'X-Content-SHA256 is the sha256 kept with the letter (state.letters[].sha256, the letter:issued audit entry); the ' +
        'body’s sha256 equals it. Letters issued before the DOCX format are served as stored (text/plain). A caller who may ' +
        'not read it (the department’s staff, the host unit’s staff and head, and the cadre may) is told it does not exist (404).',
      // A 403 would confirm that a letter for this cadre and task exists: mayReadLetter answers 404 instead.
      access: access.handler('mayReadLetter lets the department’s staff, the host unit’s staff and head, and the cadre read it; anyone else gets 404'),
      params: LetterParam,
      file: {
        contentType: LETTER_MEDIA_TYPE,
        headers: {
          'X-Content-SHA256': { description: 'Hex sha256 of the body, as kept when the letter was issued', schema: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
          'Content-Disposition': { description: "attachment; filename*=UTF-8''任务书-<letterId>.docx, percent-encoded", schema: { type: 'string' } },
        },
      },
      response: { status: 200, schema: BinaryBody, description: 'The letter' },
      errors: [404],
      handler: async ({ em, user, params, res }) => {
        const l = await em.findOne(RedeploymentLetterSchema, { id: params.letterId, workflowId: params.workflowId });
        if (!l || !(await mayReadLetter(em, user, l))) throw new NotFound('letter_not_found', 'no such task letter');
        res.setHeader('Content-Type', l.mediaType);
        res.setHeader('Content-Disposition', attachmentDisposition(l.fileName));
        // The hash kept with the letter when it was issued: a client checks the bytes against it.
        res.setHeader('X-Content-SHA256', l.sha256);
        res.status(200).send(l.content);
        return null;
      },
    });
  },
  personnelData: redeploymentPersonnel,
  historiesDir: path.join(__dirname, 'histories'),
  histories: [
    { file: 'redeployment.json', endsAt: { activity: 'issueTaskLetters' } },
    // The meeting's slate votes, a closeVote with a quorum, no pair passed: the list closes at once.
    { file: 'redeployment-meeting.json', endsAt: 'completed' },
    // A run that resumed the meeting mid-vote after continue-as-new and took a slate vote.
    { file: 'redeployment-meeting-resumed.json', endsAt: { activity: 'issueTaskLetters' } },
    // The meeting opened with its attendance (patch redeployment-meeting), a slate vote with an exception, ended by
    // its minutes; no pair passed, so the list closes (test/api/redeployment-meeting.api.test.ts).
    { file: 'redeployment-meeting-minuted.json', endsAt: 'completed' },
    // A first run continued as new at its history bound with the list's approval open (test/api/redeployment-continue.api.test.ts).
    { file: 'redeployment-continued-at-approval.json', endsAt: 'continuedAsNew' },
    // The run that opened the meeting and continued as new with its vote open.
    { file: 'redeployment-meeting-continued.json', endsAt: 'continuedAsNew' },
  ],
});
