/**
 * The examination's plan: the department approves it and it is frozen with its hash (an audit entry, so the
 * evidence is gathered against the plan as approved); a return goes back to the drafter for a new draft.
 */
import { acts } from '../kernel/activities';
import type { ExaminationRun } from './run';

/** 1. The plan, approved and frozen; returns the round it was approved in. */
export async function approvePlan(run: ExaminationRun): Promise<number> {
  const { state, planFlow, projector, workflowId, setStage } = run;
  let round = 1;
  let resume = run.input.opened?.step;
  for (;;) {
    setStage('planApproval');
    const o = await planFlow.runStep('planApproval', round, resume);
    resume = undefined;
    if (o.kind === 'approved') {
      const { hash } = await acts.freezeExaminationPlan({ plan: state.plan });
      const version = state.frozen.length + 1;
      projector.emit({ audit: [{ key: `plan:${workflowId}:v${version}`, kind: 'plan:frozen', actorId: o.by, payload: { version, hash, plan: state.plan } }] });
      state.frozen.push({ version, hash, frozenAt: new Date().toISOString(), plan: state.plan });
      break;
    }
    round += 1;
    state.round = round;
    setStage('plan');
    await planFlow.runStep('plan', round);
  }
  return round;
}
