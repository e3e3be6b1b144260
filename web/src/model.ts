/**
 * What the console knows of a procedure type beyond the API's answers: the steps of its stage bar and each
 * step's approve verb. A running approval step lists its allowed actions in the workflow's state
 * (currentStep.allowed, the kernel validator's own list), and the console offers exactly those. Only for a
 * state without a running step does it guess from the step's verb, and an action_not_allowed refusal then
 * brings the workflow's own list.
 */
import { api, ok, type Schemas } from './api';

export interface StepInfo {
  key: string;
  name: string;
  mode: string;
  verb: string;
  canReturn: boolean;
}

const RECTIFICATION_ITEM: StepInfo[] = [
  { key: 'submit', name: '单位提交', mode: 'any', verb: 'submit', canReturn: false },
  { key: 'review', name: '巡察办审核', mode: 'any', verb: 'pass', canReturn: true },
  { key: 'unitHead', name: '单位负责人签字', mode: 'sequential', verb: 'sign', canReturn: true },
  { key: 'leadDepartment', name: '牵头部门签字', mode: 'sequential', verb: 'sign', canReturn: true },
  { key: 'inspectionOffice', name: '巡察办销号', mode: 'any', verb: 'sign', canReturn: true },
];

/** A cadre selection's two approval steps (its other stages are staff commands, not tasks). */
const CADRE_SELECTION: StepInfo[] = [
  { key: 'principles', name: '原则审定', mode: 'all', verb: 'approve', canReturn: false },
  { key: 'decision', name: '党委（党组）票决', mode: 'vote', verb: 'vote', canReturn: false },
];

export interface CurrentStep {
  key: string;
  mode: string;
  round: number;
  allowed?: string[];
  slots: { assigneeIds: string[]; state: string; taskId: string | null }[];
  vote?: { candidates: string[]; members: string[]; voted: string[]; absent: string[]; closing: boolean; secret: boolean };
}

export interface LiveState {
  type?: string;
  status?: string;
  stage?: string;
  round?: number;
  currentStep?: CurrentStep | null;
  openTasks?: Schemas['TaskView'][];
  [k: string]: unknown;
}

export type Action = Schemas['Action'];

/** The steps of a procedure, in order: fixed for a rectification item, from the start's data for a request. */
export function stepsOf(type: string | undefined, actions: Action[]): StepInfo[] {
  if (type === 'rectificationItem') return RECTIFICATION_ITEM;
  if (type === 'cadreSelection') return CADRE_SELECTION;
  const start = actions.find((a) => a.action === 'start');
  const steps = (start?.data as { steps?: { key: string; name?: string; mode: string }[] } | null)?.steps;
  if (type === 'approvalRequest' && steps) {
    return steps.map((s, i) => ({ key: s.key, name: s.name ?? s.key, mode: s.mode, verb: s.mode === 'vote' ? 'vote' : 'approve', canReturn: i > 0 }));
  }
  return [];
}

export function allowedActions(current: CurrentStep | null | undefined, steps: StepInfo[], taskStep?: string): string[] {
  // A procedure whose state has no currentStep: the task's step, as far as the console knows it.
  const known = taskStep ? steps.find((s) => s.key === taskStep) : undefined;
  const step = current ?? (known ? { key: known.key, mode: known.mode, round: 1, slots: [] } : taskStep ? { key: taskStep, mode: 'any', round: 1, slots: [] } : null);
  if (!step) return [];
  if (step.allowed) return step.allowed;
  if (step.mode === 'vote') return ['vote'];
  const info = steps.find((s) => s.key === step.key);
  const verb = info?.verb ?? 'approve';
  return [verb, ...(info?.canReturn ? ['return'] : []), 'transfer', ...(step.mode === 'any' ? [] : ['addSigner'])];
}

/** A step may return to itself or any earlier step. */
export function returnTargets(step: CurrentStep | null | undefined, steps: StepInfo[]): StepInfo[] {
  if (!step) return [];
  const i = steps.findIndex((s) => s.key === step.key);
  return i < 0 ? [] : steps.slice(0, i + 1);
}

let usersCache: Promise<Schemas['User'][]> | null = null;
export function users(): Promise<Schemas['User'][]> {
  usersCache ??= ok(api.GET('/users')).catch((e: unknown) => {
    usersCache = null;
    throw e;
  });
  return usersCache;
}

export const workflowIdOfTask = (taskId: string): string => taskId.slice(0, taskId.lastIndexOf(':'));

let unitsCache: Promise<Schemas['Unit'][]> | null = null;
export function units(): Promise<Schemas['Unit'][]> {
  unitsCache ??= ok(api.GET('/units')).catch((e: unknown) => {
    unitsCache = null;
    throw e;
  });
  return unitsCache;
}
