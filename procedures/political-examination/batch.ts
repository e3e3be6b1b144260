/**
 * The full-coverage batch (全覆盖) on the API's side: its start plan, which resolves once what every child
 * examination needs (the subjects with who acknowledges for each, the department's assignees, the plan and
 * the rules), and its progress route, which counts the children's rows in PostgreSQL (a query answer could
 * not hold thousands of them).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { z } from 'zod';
import { resolveAssignees, type NamedRule } from '../../api/assignees';
import type { AuthUser } from '../../api/auth';
import { NotFound, Unprocessable } from '../../api/errors';
import { existingIds } from '../../api/master-data';
import type { RouteContext } from '../../api/routes/context';
import { WorkflowIdParam } from '../../api/schemas';
import { PersonSchema, ProcedureSchema, UnitSchema, type Unit } from '../../platform/entities';
import type { StartPlan } from '../descriptor';
import { stateQuery } from '../kernel/messages';
import {
  batchExaminationId,
  ExaminationRefusal,
  POLITICAL_EXAMINATION_BATCH,
  politicalExaminationBatchWorkflowId,
  politicalExaminationWorkflowId,
  type BatchState,
  type BatchSubject,
  type ExaminationRules,
  type PoliticalExaminationBatchInput,
} from './messages';
import { batchScopeProblem, DEFAULT_EXAMINATION_RULES, isLeadingMember, planProblem, rulesProblem, type RuleProblem } from './rules';
import { ExaminationBatchProgress, type StartExaminationBatchBody } from './schemas';

const QUERY_DEADLINE_MS = 15_000;
const refuse = (p: RuleProblem): Unprocessable => new Unprocessable(p.code, p.message, p.details);

/** The units of the scope, in order: every unit of a kind (by id), or the listed ones as listed. */
async function scopeUnits(em: EntityManager, scope: z.output<typeof StartExaminationBatchBody>['scope']): Promise<{ units: Unit[]; field: (i: number) => string }> {
  if ('unitKind' in scope) {
    const units = await em.find(UnitSchema, { kind: scope.unitKind }, { orderBy: { id: 'asc' } });
    if (!units.length) throw new Unprocessable(ExaminationRefusal.emptyScope, 'scope.unitKind: master data has no unit of this kind', { field: 'scope.unitKind' });
    return { units, field: () => 'scope.unitKind' };
  }
  const found = await em.find(UnitSchema, { id: { $in: scope.unitIds } });
  const byId = new Map(found.map((u) => [u.id, u]));
  const bad = batchScopeProblem(scope.unitIds, new Set(byId.keys()));
  if (bad) throw refuse(bad);
  return { units: scope.unitIds.map((id) => byId.get(id) as Unit), field: (i) => `scope.unitIds[${i}]` };
}

export async function planBatch({ em, user, body }: { em: EntityManager; user: AuthUser; body: z.output<typeof StartExaminationBatchBody> }): Promise<StartPlan<PoliticalExaminationBatchInput>> {
  const rules: ExaminationRules = { ...DEFAULT_EXAMINATION_RULES, ...body.rules };
  const badRules = rulesProblem(rules);
  if (badRules) throw new Unprocessable(badRules.code, `rules.${badRules.message}`, { field: `rules.${badRules.details.field}` });
  const badPlan = planProblem(body.plan, rules);
  if (badPlan) throw refuse(badPlan);
  if (!(await em.findOne(UnitSchema, { id: body.inspectionOfficeUnitId }))) {
    throw new Unprocessable('unknown_unit', 'inspectionOfficeUnitId: the unit does not exist', { field: 'inspectionOfficeUnitId' });
  }

  const { units, field } = await scopeUnits(em, body.scope);
  // The group's feedback goes to the unit's head (its Party secretary), as in a single group examination.
  const subjectsByUnit = new Map<string, BatchSubject[]>();
  units.forEach((u, i) => {
    if (!u.headUserId) throw new Unprocessable('no_assignee', `${field(i)}: a unit in the scope has no head to acknowledge its group’s feedback`, { field: field(i), unitId: u.id });
    subjectsByUnit.set(u.id, [{ unitId: u.id, name: `${u.name}领导班子`, userId: u.headUserId }]);
  });

  if (body.includeMembers) {
    const people = await em.find(PersonSchema, { unitId: { $in: units.map((u) => u.id) } }, { orderBy: { id: 'asc' }, fields: ['id', 'name', 'unitId', 'currentGrade'] });
    const members = people.filter((p) => isLeadingMember(p.currentGrade, body.memberMinGrade));
    const accounts = body.memberUserIds ?? {};
    const userIds = [...new Set(members.flatMap((p) => (accounts[p.id] ? [accounts[p.id] as string] : [])))];
    const known = await existingIds(em, 'user', userIds);
    for (const p of members) {
      const userId = accounts[p.id];
      const f = `memberUserIds.${p.id}`;
      // Master data links no person to a user account: each leading member's is given, or the start is refused.
      if (!userId) throw new Unprocessable('no_assignee', `${f}: a leading member in the scope has no user account given to acknowledge the feedback`, { field: f });
      if (!known.has(userId)) throw new Unprocessable('unknown_user', `${f}: the user does not exist`, { field: f });
      subjectsByUnit.get(p.unitId as string)?.push({ unitId: p.unitId as string, name: p.name, userId, personId: p.id });
    }
  }
  const subjects = units.flatMap((u) => subjectsByUnit.get(u.id) ?? []);
  const childIds = subjects.map((s) => politicalExaminationWorkflowId(batchExaminationId(body.batchId, s)));
  const clash = childIds.findIndex((id, i) => childIds.indexOf(id) !== i);
  if (clash >= 0) throw new Unprocessable(ExaminationRefusal.invalidScope, 'scope: a unit id and a personnel number coincide, so two examinations would share an id', { field: 'scope' });

  const named: NamedRule[] = [
    { rule: { kind: 'user', userId: user.id }, field: 'initiator' },
    { rule: { kind: 'role', role: 'approver', unitId: body.departmentUnitId }, field: 'departmentUnitId' },
    { rule: { kind: 'unitHead', unitId: body.departmentUnitId }, field: 'departmentUnitId' },
    { rule: { kind: 'role', role: 'staff', unitId: body.departmentUnitId }, field: 'departmentUnitId' },
    ...body.plan.group.map((userId, i): NamedRule => ({ rule: { kind: 'user', userId }, field: `plan.group[${i}]` })),
  ];
  const input: PoliticalExaminationBatchInput = {
    batchId: body.batchId,
    title: body.title,
    initiatorId: user.id,
    departmentUnitId: body.departmentUnitId,
    inspectionOfficeUnitId: body.inspectionOfficeUnitId,
    plan: body.plan,
    rules,
    assignees: await resolveAssignees(em, named),
    subjects,
  };
  return { workflowId: politicalExaminationBatchWorkflowId(body.batchId), input, units: units.map((u) => u.id), stage: 'examining', items: childIds };
}

export function batchRoutes({ route, deps }: RouteContext): void {
  route({
    method: 'get',
    path: '/procedures/:workflowId/batch',
    tag: 'political examination',
    summary: 'A full-coverage batch’s progress (全覆盖): its children per stage, overdue per unit, failures, and its summary once closed',
    description:
      'The stage counts and the overdue counts come from the children’s procedure rows in PostgreSQL (parentWorkflowId = the batch); ' +
      'the counters of started, reported and failed children from the batch itself. A failed child keeps the row of the stage it reached.',
    params: WorkflowIdParam,
    response: { status: 200, schema: ExaminationBatchProgress, description: 'The progress' },
    errors: [404],
    handler: async ({ em, params }) => {
      const row = await em.findOne(ProcedureSchema, { workflowId: params.workflowId, type: POLITICAL_EXAMINATION_BATCH });
      if (!row) throw new NotFound('procedure_not_found', 'no such examination batch');
      const [stages, overdue] = await Promise.all([
        em.fork().execute<{ stage: string; status: string; count: number }[]>(
          'select stage, status, count(*)::int as count from procedure where parent_workflow_id = ? group by stage, status order by stage, status',
          [row.workflowId],
        ),
        em.fork().execute<{ unit_id: string; overdue: number }[]>(
          'select unit_ids[1] as unit_id, count(*)::int as overdue from procedure where parent_workflow_id = ? and overdue group by unit_ids[1] order by 1',
          [row.workflowId],
        ),
      ]);
      let state: BatchState | null = null;
      try {
        state = (await deps.client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => deps.client.workflow.getHandle(row.workflowId).query(stateQuery))) as BatchState;
      } catch {
        // The counts from PostgreSQL still answer; the batch's own counters need a worker.
      }
      return {
        status: 200,
        body: {
          workflowId: row.workflowId,
          status: row.status,
          progress: state?.progress ?? null,
          projected: stages.reduce((n, s) => n + s.count, 0),
          stages: stages.map((s) => ({ stage: s.stage, status: s.status, count: s.count })),
          overdueByUnit: overdue.map((o) => ({ unitId: o.unit_id, overdue: o.overdue })),
          failures: state?.failures ?? [],
          summary: row.result ?? null,
        },
      };
    },
  });
}
