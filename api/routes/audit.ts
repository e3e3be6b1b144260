import { z } from 'zod';
import { verifyAudit, type ChainCheck } from '../../platform/anchor';
import { AuditLogSchema, ProcedureSchema, type AuditLog } from '../../platform/entities';
import type { EntityManager } from '@mikro-orm/postgresql';
import { access } from '../authz';
import { NotFound } from '../errors';
import { actionDataShown } from '../personnel';
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
    handler: async ({ em, params, user }) => {
      const rows = await chainOf(em, params.workflowId);
      // An action's entry repeats its recorded data, personnel data included: shown as /actions shows it. A
      // redacted payload no longer hashes to its entry's hash; /audit/verify checks the chain as stored.
      const type = (await em.findOne(ProcedureSchema, { workflowId: params.workflowId }, { fields: ['type'] }))?.type;
      const actions = rows.map((r) => {
        const payload = r.payload as { data?: unknown } | null;
        return { action: r.kind.startsWith('action:') ? r.kind.slice('action:'.length) : '', data: payload?.data ?? null };
      });
      const data = type ? await actionDataShown(em, user, type, actions, '/procedures/:workflowId/audit') : actions.map((a) => a.data);
      return {
        status: 200,
        body: rows.map((r, i) => ({
          seq: r.seq,
          kind: r.kind,
          actorId: r.actorId,
          at: r.at.toISOString(),
          payload: data[i] !== actions[i]?.data ? { ...(r.payload as object), data: data[i] } : (r.payload ?? null),
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
      'entry breaks the chain; `firstBroken` says where and why. A tail rewritten with every hash recomputed holds as a ' +
      'chain, so the chain is also checked against the latest audit anchor (the daily record of every chain’s head): ' +
      'a head it anchored that is no longer in the chain is a tail rewritten or cut, and so is an anchor whose heads ' +
      'no longer hash to its root. The same check as `npm run ops -- verify-audit <id>`. Answers 200 whether or not the chain holds.',
    access: access.procedure(),
    params: WorkflowIdParam,
    response: { status: 200, schema: AuditVerification, description: 'The verification result' },
    errors: [404],
    handler: async ({ em, params }) => {
      await chainOf(em, params.workflowId);
      const { chains, anchor: a, ok } = await verifyAudit(em, { workflowId: params.workflowId });
      const chain = (chains[0] as ChainCheck).chain;
      const finding = a.findings[0];
      // The chain's own first break comes first; a chain that holds alone breaks where the anchor disagrees.
      const firstBroken =
        chain.firstBroken ??
        (finding === undefined
          ? undefined
          : finding.kind === 'tail_rewritten'
            ? { seq: finding.seq, reason: finding.kind, expected: finding.anchored, actual: finding.actual as string }
            : { seq: finding.seq, reason: finding.kind, expected: finding.seq, actual: chain.checked });
      return {
        status: 200,
        body: {
          workflowId: params.workflowId,
          ok,
          checked: chain.checked,
          headHash: chain.headHash,
          ...(firstBroken ? { firstBroken } : {}),
          anchor: a.anchor ? { id: a.anchor.id, anchoredAt: a.anchor.anchoredAt, checked: a.checked, rootMatches: a.rootMatches } : null,
        },
      };
    },
  });
}
