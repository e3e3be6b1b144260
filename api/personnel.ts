/**
 * Personnel data inside a procedure's recorded actions (issue 10 §3): the facts a rule was applied to,
 * which action_log keeps and the audit log repeats. The rule and the read log are api/authz.ts's
 * (readablePersonnel); this applies them to the action records of a procedure type that declares them.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ProcedureDescriptor } from '../procedures/descriptor';
import { PROCEDURES } from '../procedures/registry';
import type { AuthUser } from './auth';
import { readablePersonnel } from './authz';

/**
 * Actions' recorded data as this reader may see it: where a procedure type's action holds a person's
 * personnel data (procedures/descriptor.ts personnelData.actionPerson), it is shown to whom may read
 * the person's record, and logged; redacted for the others. Also the audit log's, whose entries repeat it.
 */
export async function actionDataShown(em: EntityManager, user: AuthUser, type: string, actions: readonly { action: string; data: unknown }[], route: string): Promise<unknown[]> {
  const personnel = (PROCEDURES as readonly ProcedureDescriptor[]).find((p) => p.type === type)?.personnelData;
  const { actionPerson, redactAction } = personnel ?? {};
  if (!actionPerson || !redactAction) return actions.map((a) => a.data);
  const persons = actions.map((a) => (a.data === null ? null : actionPerson(a.action, a.data)));
  const shown = await readablePersonnel(em, user, persons, route);
  return actions.map((a, i) => {
    const person = persons[i];
    return person && !shown.has(person) ? redactAction(a.data) : a.data;
  });
}
