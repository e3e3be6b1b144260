import { z } from 'zod';
import { verifyChain } from '../../domain/audit';
import { AuditLogSchema, ProcedureSchema, type AuditLog } from '../../platform/entities';
import type { EntityManager } from '@mikro-orm/postgresql';
import { access } from '../authz';
import { NotFound } from '../errors';
import { AuditEntry, AuditVerification, WorkflowIdParam } from '../schemas';
import type { RouteContext } from './context';

/** A procedure's chain, oldest first; 404 if neither its projection nor any entry exists. */
async function chainOf(em: EntityManager, workflowId: string): Promise<AuditLog[]> {
  const rows = await em.find(AuditLogSchema, { workflowId }, { orderBy: { seq: 'asc' } });
  if (rows.length === 0 && !(await em.count(ProcedureSchema, { workflowId }))) {
    throw new NotFound('procedure_not_found', `procedure ${workflowId} not found`);
  }
  return rows;
}

export function auditRoutes({ route }: RouteContext): void {
  route({
    method: 'get',
    path: '/procedures/:workflowId/audit',
    tag: 'audit',
    summary: 'The audit log of a procedure: every action and state change, as a hash chain',
    access: access.procedure(),
    params: WorkflowIdParam,
    response: { status: 200, schema: z.array(AuditEntry), description: 'Oldest first' },
    errors: [404],
    handler: async ({ em, params }) => {
      const rows = await chainOf(em, params.workflowId);
      return {
        status: 200,
        body: rows.map((r) => ({
          seq: r.seq,
          kind: r.kind,
          actorId: r.actorId,
          at: r.at.toISOString(),
          payload: r.payload ?? null,
          prevHash: r.prevHash,
          hash: r.hash,
        })),
      };
    },
  });

  route({
    method: 'get',
    path: '/procedures/:workflowId/audit/verify',
    tag: 'audit',
    summary: 'Verify a procedure’s audit chain and report the first broken link',
    description:
      'Recomputes every entry’s hash from its fields and the previous entry’s hash. An edited, reordered or deleted ' +
      'entry breaks the chain; `firstBroken` says where and why. Answers 200 whether or not the chain holds.',
    access: access.procedure(),
    params: WorkflowIdParam,
    response: { status: 200, schema: AuditVerification, description: 'The verification result' },
    errors: [404],
    handler: async ({ em, params }) => {
      const rows = await chainOf(em, params.workflowId);
      return { status: 200, body: { workflowId: params.workflowId, ...verifyChain(rows) } };
    },
  });
}
