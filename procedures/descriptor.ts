/**
 * What a procedure module tells the rest of the engine. The API mounts its start route and its own
 * routes, computes what the manage actions may do, and maps its refusals; the worker builds its
 * activities; the replay test finds its histories. Every list the engine keeps about procedure types
 * is derived from the registry of these (procedures/registry.ts).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ZodType, z } from 'zod';
import type { ActivityDeps } from '../activities/kernel';
import type { AuthUser } from '../api/auth';
import type { RouteContext } from '../api/routes/context';
import type { ManageCapabilities } from './kernel/manage';
import type { OpeningOptions } from './kernel/procedure';

/** What can be done to a procedure of the type besides acting on its tasks. */
export interface Capabilities extends ManageCapabilities {
  /** Its work falls overdue and climbs the ladder; supervisors list it. */
  overdue: boolean;
}
export type Capability = keyof Capabilities;

export interface StartPlan<I> {
  workflowId: string;
  input: I;
  units: string[];
  stage: string;
  /** Child procedures the start will run (a feedback's items). */
  items?: string[];
  /**
   * How its run opens, from its input (the options the run creates its kernel with). Given, and the first
   * step not a vote, the API writes the opening itself and answers without waiting for a worker
   * (api/temporal.ts startOpened).
   */
  opening?: (input: I) => OpeningOptions<string>;
}

export interface StartSpec<B extends ZodType, I> {
  summary: string;
  description: string;
  body: B;
  /** Checks master data and the rules, resolves assignees, and maps the body to the workflow's input. */
  plan: (ctx: { em: EntityManager; user: AuthUser; body: z.output<B> }) => Promise<StartPlan<I>>;
}

export interface PersonnelData {
  /** The people whose personnel data the state holds. */
  people: (state: unknown) => string[];
  /** The state without the personnel data of the people not in `shown`. Pure: `state` is not changed. */
  redact: (state: unknown, shown: ReadonlySet<string>) => unknown;
  /**
   * The users who decide on the people the state holds (a selection's committee at its meeting): they see
   * every one's data whole, as the material they decide on, and each read is logged like any other.
   */
  deciders?: (state: unknown) => readonly string[];
  /**
   * The person whose personnel data an action's recorded data holds (action_log.data, which its audit
   * entry's payload.data repeats: the facts a rule was applied to), or null.
   */
  actionPerson?: (action: string, data: unknown) => string | null;
  /** That data without the personnel data. */
  redactAction?: (data: unknown) => unknown;
}

type ActivityFns = Record<string, (...args: never[]) => Promise<unknown>>;

export interface ProcedureDescriptor<Status extends string = string, B extends ZodType = ZodType, I = unknown, A extends ActivityFns = ActivityFns> {
  /** The workflow type, the projection's `type`, and the path segment of its start route. */
  type: string;
  /** The term users see (DOMAIN.md glossary). */
  label: string;
  statuses: readonly Status[];
  capabilities: Capabilities;
  /** HTTP status of each refusal code of its own (the kernel's are mapped once in api/errors.ts). */
  refusals: Record<string, number>;
  /** Started through the API; children of another procedure are not. */
  start?: StartSpec<B, I>;
  /** Task verbs of its own beyond the kernel's (approve, vote, return, transfer, addSigner), as body schemas. */
  actBodies?: readonly z.ZodObject[];
  /**
   * The people its live state names by personnel number whom its readers see by name (a selection's
   * candidates): GET /procedures/:workflowId answers their names beside the state (api/master-data.ts personNames).
   */
  namedPeople?: (state: unknown) => string[];
  /**
   * The personnel data (干部 facts: birth dates, health records, qualification facts) its live state holds,
   * person by person. GET /procedures/:workflowId shows a person's part only to a reader who may read that
   * person's record, and logs the read as /people does (api/authz.ts personnelShown); for the others
   * (an approver, a committee member, another unit's staff) it is redacted.
   */
  personnelData?: PersonnelData;
  /** Routes of its own, e.g. the selection's stage commands. */
  routes?: (ctx: RouteContext) => void;
  activities?: (deps: ActivityDeps) => A;
  /** Folder of its recorded histories, for the replay test. */
  historiesDir: string;
  /**
   * Its recorded histories, each with how far it got: completed, continued as new (a run that passed its
   * history bound: the next run is another history), or still running once it had scheduled this activity
   * (a selection in its year of probation). Checked on replay, so a truncated file fails.
   */
  histories: { file: string; endsAt: 'completed' | 'continuedAsNew' | { activity: string } }[];
}

/** Keeps a descriptor's literal types while checking it against the interface. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export function defineProcedure<S extends string, B extends ZodType, I, A extends ActivityFns = {}>(d: ProcedureDescriptor<S, B, I, A>): ProcedureDescriptor<S, B, I, A> {
  return d;
}
