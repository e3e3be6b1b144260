/**
 * What the console knows of a procedure type beyond the API's answers: the steps of its stage bar, each
 * step's approve verb, and the stages a module's staff commands belong to. A running approval step lists its
 * allowed actions in the workflow's state (currentStep.allowed, the kernel validator's own list), and the
 * console offers exactly those for that step's tasks. The state shows one running step; a task of another
 * step running beside it (an examination's evidence strands) or a state without a running step gets the
 * step's verb from the table here, and an action_not_allowed refusal then brings the workflow's own list.
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

/** A unit's 整改报告: projected as a rectification item (kind 'report'), with one step of its own. */
const RECTIFICATION_REPORT: StepInfo[] = [{ key: 'report', name: '整改报告', mode: 'any', verb: 'report', canReturn: false }];

/** A cadre selection's two approval steps (its other stages are staff commands, not tasks). */
const CADRE_SELECTION: StepInfo[] = [
  { key: 'principles', name: '原则审定', mode: 'all', verb: 'approve', canReturn: false },
  { key: 'decision', name: '党委（党组）票决', mode: 'vote', verb: 'vote', canReturn: false },
];

/** A political examination: its stages; the five evidence strands run side by side in 'evidence'. */
const POLITICAL_EXAMINATION: StepInfo[] = [
  { key: 'plan', name: '考察方案', mode: 'any', verb: 'submitPlan', canReturn: false },
  { key: 'planApproval', name: '方案审批', mode: 'any', verb: 'approve', canReturn: true },
  { key: 'evidence', name: '取证', mode: 'any', verb: '', canReturn: false },
  { key: 'analysis', name: '综合分析', mode: 'any', verb: 'analyse', canReturn: false },
  { key: 'headApproval', name: '部长审批', mode: 'sequential', verb: 'approve', canReturn: true },
  { key: 'feedback', name: '反馈', mode: 'any', verb: 'acknowledge', canReturn: false },
  { key: 'useOfResult', name: '结果运用', mode: 'any', verb: 'recordUse', canReturn: false },
  { key: 'archive', name: '归档', mode: 'any', verb: '', canReturn: false },
];
/** The examination's strands: each a task of the examination group, with its own verb (STRAND_ACTIONS). */
const STRANDS: StepInfo[] = [
  { key: 'talks', name: '个别谈话', mode: 'any', verb: 'recordTalks', canReturn: false },
  { key: 'questionnaire', name: '问卷调查', mode: 'any', verb: 'recordQuestionnaire', canReturn: false },
  { key: 'disciplineOpinion', name: '纪检监察意见', mode: 'any', verb: 'recordDisciplineOpinion', canReturn: false },
  { key: 'fileReview', name: '档案审核', mode: 'any', verb: 'recordFileReview', canReturn: false },
  { key: 'reverseInspection', name: '反向考察', mode: 'any', verb: 'recordReverseInspection', canReturn: false },
];
/** 揭榜出征: the list's stages; the draft, its approval and the meeting's vote are tasks, the rest staff commands. */
const REDEPLOYMENT: StepInfo[] = [
  { key: 'draft', name: '拟定榜单', mode: 'any', verb: 'submitList', canReturn: false },
  { key: 'listApproval', name: '榜单审批', mode: 'sequential', verb: 'approve', canReturn: true },
  { key: 'approved', name: '待发布', mode: 'any', verb: '', canReturn: false },
  { key: 'published', name: '报名', mode: 'any', verb: '', canReturn: false },
  { key: 'checks', name: '资格审查', mode: 'any', verb: '', canReturn: false },
  { key: 'ranking', name: '排序', mode: 'any', verb: '', canReturn: false },
  { key: 'proposal', name: '匹配方案', mode: 'any', verb: '', canReturn: false },
  { key: 'meeting', name: '部务会票决', mode: 'vote', verb: 'vote', canReturn: false },
  { key: 'dispatch', name: '派出', mode: 'any', verb: '', canReturn: false },
  { key: 'terms', name: '任期', mode: 'any', verb: '', canReturn: false },
];
/**
 * 揭榜出征's term (任期, term.workflow.ts): its reports stage (the periodic 任期报告 and their confirmations run
 * as tasks of their own steps, report and confirm, beside it), then the two assessments; the department's
 * approver may return the assessment to the host unit's head.
 */
const REDEPLOYMENT_TERM: StepInfo[] = [
  { key: 'reports', name: '任期报告', mode: 'any', verb: '', canReturn: false },
  { key: 'hostAssessment', name: '承接单位考核', mode: 'any', verb: 'assessTerm', canReturn: false },
  { key: 'departmentAssessment', name: '组织部门考核', mode: 'any', verb: 'assessTerm', canReturn: true },
];
const SELECTION_STAGES: StepInfo[] = [
  CADRE_SELECTION[0]!,
  { key: 'nomination', name: '民主推荐', mode: 'any', verb: '', canReturn: false },
  { key: 'shortlist', name: '确定考察对象', mode: 'any', verb: '', canReturn: false },
  { key: 'inspection', name: '考察', mode: 'any', verb: '', canReturn: false },
  CADRE_SELECTION[1]!,
  { key: 'publicNotice', name: '任前公示', mode: 'any', verb: '', canReturn: false },
  { key: 'appointment', name: '任职', mode: 'any', verb: '', canReturn: false },
  { key: 'probation', name: '试用期', mode: 'any', verb: '', canReturn: false },
];

/**
 * The steps that have tasks, for the inbox's 环节 filter: every table's steps with a verb, the strands, and a
 * request's usual vote step (a request's other step keys are its starter's own).
 */
export const TASK_STEPS: string[] = [
  ...new Set([...RECTIFICATION_ITEM, ...RECTIFICATION_REPORT, ...CADRE_SELECTION, ...POLITICAL_EXAMINATION, ...STRANDS, ...REDEPLOYMENT, ...REDEPLOYMENT_TERM].filter((s) => s.verb).map((s) => s.key).concat('vote')),
];

/**
 * The staff commands a procedure takes now: the workflow's own list (the state's `commands`, from its rules'
 * COMMAND_STAGES: the cadre selection, 揭榜出征). An examination names none: its one command, the waiver of a
 * strand, is offered while the evidence is gathered, and the workflow refuses a strand that is not open.
 */
export function offeredCommands(state: LiveState): string[] {
  if (Array.isArray(state.commands)) return state.commands.filter((c): c is string => typeof c === 'string');
  return state.type === 'politicalExamination' && state.stage === 'evidence' ? ['waiveStrand'] : [];
}

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
  /** The staff commands its stage takes now (the cadre selection, 揭榜出征). */
  commands?: string[];
  openTasks?: Schemas['TaskView'][];
  [k: string]: unknown;
}

export type Action = Schemas['Action'];

/** The steps of a procedure, in order: fixed for a rectification item (a report's `kind` in its state), from the start's data for a request. */
export function stepsOf(type: string | undefined, actions: Action[], kind?: unknown): StepInfo[] {
  if (type === 'rectificationItem') return kind === 'report' ? RECTIFICATION_REPORT : RECTIFICATION_ITEM;
  if (type === 'cadreSelection') return SELECTION_STAGES;
  if (type === 'politicalExamination') return POLITICAL_EXAMINATION;
  if (type === 'redeployment') return REDEPLOYMENT;
  if (type === 'redeploymentTerm') return REDEPLOYMENT_TERM;
  const start = actions.find((a) => a.action === 'start');
  const steps = (start?.data as { steps?: { key: string; name?: string; mode: string }[] } | null)?.steps;
  if (type === 'approvalRequest' && steps) {
    return steps.map((s, i) => ({ key: s.key, name: s.name ?? s.key, mode: s.mode, verb: s.mode === 'vote' ? 'vote' : 'approve', canReturn: i > 0 }));
  }
  return [];
}

export function allowedActions(current: CurrentStep | null | undefined, steps: StepInfo[], taskStep?: string): string[] {
  // The running step's own list, for its tasks: what the workflow's validator allows.
  if (current?.allowed && (!taskStep || current.key === taskStep)) return current.allowed;
  // A task of a step the state does not show running (a strand beside it), or a state without the list.
  const key = taskStep ?? current?.key;
  if (!key) return [];
  const info = [...steps, ...STRANDS].find((s) => s.key === key && s.verb);
  const mode = current?.key === key ? current.mode : (info?.mode ?? 'any');
  if (mode === 'vote') return ['vote'];
  const verb = info?.verb ?? 'approve';
  return [verb, ...(info?.canReturn ? ['return'] : []), 'transfer', ...(mode === 'any' ? [] : ['addSigner'])];
}

/** A step may return to itself or any earlier step. */
export function returnTargets(step: CurrentStep | null | undefined, steps: StepInfo[]): StepInfo[] {
  if (!step) return [];
  const i = steps.findIndex((s) => s.key === step.key);
  // Only steps that are tasks (an examination's or a list's stages between them are not).
  return i < 0 ? [] : steps.slice(0, i + 1).filter((s) => s.verb);
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
