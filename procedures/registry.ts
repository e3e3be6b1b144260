/**
 * Every procedure type the engine runs: adding one is a folder under procedures/ and one line here.
 * The API, the worker's activities, the error mapping and the replay test all loop over this list.
 */
import type { ActivityDeps } from '../activities/kernel';
import { approvalRequestProcedure } from './approval-request';
import { cadreSelectionProcedure } from './cadre-selection';
import type { ProcedureDescriptor } from './descriptor';
import { politicalExaminationBatchProcedure, politicalExaminationProcedure } from './political-examination';
import { rectificationItemProcedure, rectificationProcedure } from './rectification';
import { redeploymentProcedure } from './redeployment';
import { redeploymentTermProcedure } from './redeployment/term';

export const PROCEDURES = [rectificationProcedure, rectificationItemProcedure, approvalRequestProcedure, cadreSelectionProcedure, politicalExaminationProcedure, politicalExaminationBatchProcedure, redeploymentProcedure, redeploymentTermProcedure] as const;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
/** The activities every module contributes, as one type. */
export type ProcedureActivities = UnionToIntersection<ReturnType<NonNullable<(typeof PROCEDURES)[number]['activities']>>>;

/** Every module's activities, merged. */
export function procedureActivities(deps: ActivityDeps): ProcedureActivities {
  return Object.assign({}, ...PROCEDURES.map((p) => (p as ProcedureDescriptor).activities?.(deps) ?? {})) as ProcedureActivities;
}

/** The types on the supervision board (督查看板): those whose work falls overdue. platform/orm.ts `migrate()` writes them to board_type. */
export const boardTypes = (): string[] => PROCEDURES.filter((p) => p.capabilities.overdue).map((p) => p.type);
