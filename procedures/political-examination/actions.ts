/**
 * What the examination's tasks and commands check and record: the rules of each step's own verb (the
 * plan, the five evidence strands, the analysis, the use of the result), checked after the kernel's own
 * checks by pure functions (rules.ts), so a refused action leaves no trace; what each verb records before
 * the flow moves on; and the department's command, waiving a strand with a reason.
 */
import { condition, setHandler } from '@temporalio/workflow';
import { answer, registerActHandler } from '../kernel/act';
import { KernelRefusal, type ActInput, type TaskView } from '../kernel/messages';
import { assertCleanText, refuse } from '../kernel/refuse';
import { dueDateProblem } from '../rectification/rules';
import {
  EVIDENCE_STRANDS,
  examinationUpdate,
  ExaminationRefusal,
  STRAND_ACTIONS,
  type Analysis,
  type ExaminationAck,
  type ExaminationCommandInput,
  type ExaminationPlan,
  type StrandData,
  type StrandView,
  type UseOfResult,
} from './messages';
import { acknowledgementProblem, analysisProblem, evidenceIncompleteProblem, findingsOf, planProblem, strandProblem, talkCounts, useOfResultProblem, waiverProblem, type RuleProblem } from './rules';
import type { ExaminationRun } from './run';

const fail = (p: RuleProblem | null): void => {
  if (p) throw refuse(p.code, p.message, p.details);
};

/** The tasks' handler (kernel/act.ts) with the examination's rules and records; `settled`: when an action answers. */
export function registerExaminationActs(run: ExaminationRun, settled: () => boolean): void {
  const { state, input, rules, flow, base, record, strand, today } = run;
  /** Only the subject acknowledges the feedback: checked before the kernel's assignee check, so it is named. */
  const guard = (a: ActInput): void => {
    if (flow.taskOf(a.taskId)?.step === 'feedback') fail(acknowledgementProblem(input.subjectUserId, a.actorId, a.action));
  };
  /** The rules of each step's own verb, checked after the kernel's (pending, assignee, allowed verb). */
  const validate = (a: ActInput): void => {
    const data = (a.data ?? {}) as Record<string, unknown>;
    switch (a.action) {
      case 'submitPlan':
        fail(planProblem((data.plan as ExaminationPlan | undefined) ?? state.plan, rules));
        return;
      case 'analyse':
        fail(evidenceIncompleteProblem(state.strands));
        fail(analysisProblem(data as unknown as Analysis, state.plan, state.findings, rules));
        return;
      case 'recordUse':
        fail(useOfResultProblem(data, state.analysis?.grade ?? '', state.findings, rules, (d) => dueDateProblem(today(), d)));
        return;
      default: {
        const s = EVIDENCE_STRANDS.find((x) => STRAND_ACTIONS[x] === a.action);
        if (s) fail(strandProblem({ ...data, strand: s } as StrandData, rules));
      }
    }
  };
  /** What each verb records, applied before the flow moves on so the next validator sees it. */
  const before = (a: ActInput, task: TaskView): void => {
    const at = new Date().toISOString();
    const data = (a.data ?? {}) as Record<string, unknown>;
    switch (a.action) {
      case 'submitPlan':
        if (data.plan) state.plan = data.plan as ExaminationPlan;
        return;
      case 'analyse':
        state.analysis = { ...(data as unknown as Analysis), by: a.actorId, at };
        return;
      case 'acknowledge':
        state.feedback.acknowledgedAt = at;
        state.feedback.statement = typeof data.statement === 'string' ? data.statement : null;
        return;
      case 'recordUse':
        state.use = { ...(data as UseOfResult), by: a.actorId, at };
        return;
      default: {
        const v = strand(task.step);
        if (!v || a.action !== STRAND_ACTIONS[v.strand]) return;
        const d = { ...data, strand: v.strand } as StrandData;
        v.status = 'done';
        v.record = { ...data, ...(d.strand === 'talks' ? { counts: talkCounts(d.interviewees) } : {}), by: a.actorId, at };
        state.findings.push(...findingsOf(d));
      }
    }
  };
  registerActHandler({
    ...base,
    guard,
    noun: 'examination',
    record,
    settled,
    validate,
    before,
    // The talk list's counts per kind are recorded with it.
    data: (a) => (a.action === 'recordTalks' ? { ...(a.data as object), counts: talkCounts(((a.data ?? {}) as { interviewees?: [] }).interviewees ?? []) } : (a.data ?? null)),
  });
}

/** The department's commands: waiving a strand, with a reason. */
export function registerWaiver(run: ExaminationRun, settled: () => boolean): void {
  const { state, projector, strandFlows, base, record, strand, dept } = run;
  setHandler(
    examinationUpdate,
    async (c: ExaminationCommandInput): Promise<ExaminationAck> => {
      const seq = projector.nextSeq();
      const at = new Date().toISOString();
      const v = strand(c.strand) as StrandView;
      v.status = 'waived';
      v.waiver = { reason: c.reason, by: c.actorId, at };
      record({ seq, taskId: null, step: c.strand, actorId: c.actorId, action: c.action, at, comment: c.reason });
      const closed = strandFlows[c.strand].cancelAll(c.actorId, at).closed.map((x) => ({ ...x, action: 'waived' }));
      projector.emit({ seq, action: { taskId: null, step: c.strand, actorId: c.actorId, action: c.action, comment: c.reason, data: { strand: c.strand, reason: c.reason } }, closed });
      await condition(settled);
      return { ...answer(base, null, c.action, seq), seq };
    },
    {
      validator: (c: ExaminationCommandInput) => {
        assertCleanText(c);
        if (state.status !== 'open' || state.stage !== 'evidence') throw refuse(ExaminationRefusal.wrongStage, `a strand is waived during the evidence stage; the examination is at ${state.stage}`);
        const department = c.actorUnitId === dept && (c.actorRoles.includes('staff') || c.actorRoles.includes('approver'));
        if (!department) throw refuse(KernelRefusal.notAllowed, 'only the organization department waives a strand');
        fail(waiverProblem(strand(c.strand), c.reason));
      },
    },
  );
}
