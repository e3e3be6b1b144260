/**
 * The dispatch: a task letter (任务书) per approved pair, issued once and kept with its hash (the letters
 * activity), acknowledged by the cadre and by the host unit; then the cadres are dispatched to their terms.
 * Called by decision.ts right after the meeting's vote (it says why).
 */
import { acts } from '../kernel/activities';
import { ruleKey } from '../kernel/messages';
import { taskLetterId, type Application, type Pair } from './messages';
import { stageWait } from './bound';
import type { ListRun } from './run';

/** 6. Dispatch: a task letter per cadre, kept with its hash; cadre and host unit acknowledge it. */
export async function dispatch(run: ListRun): Promise<void> {
  const { state, carried, task } = run;
  if (state.approvedPairs.length > 0) {
    const byPerson = new Map(state.applications.map((a) => [a.personId, a] as const));
    // A run continued at the dispatch has its letters: they were issued once, by the run before.
    if (!(carried && carried.state.stage === 'dispatch')) await issueLetters(run, byPerson);
    await stageWait(run, () => state.letters.every((l) => l.acknowledgedByCadre && l.acknowledgedByHost));
    run.dispatches = state.approvedPairs.map((p) => ({ taskId: p.taskId, personId: p.personId, hostUnitId: task(p.taskId).hostUnitId, formerUnitId: byPerson.get(p.personId)?.formerUnitId ?? null, cadreUserId: byPerson.get(p.personId)?.cadreUserId ?? '' }));
  }
}

async function issueLetters(run: ListRun, byPerson: Map<string, Application>): Promise<void> {
  const { state, input, workflowId, projector, assignees, task, today, setStage } = run;
  const issuedOn = today();
  const issued = await acts.issueTaskLetters({
    workflowId,
    letters: state.approvedPairs.map((p: Pair) => {
      const t = task(p.taskId);
      return {
        letterId: taskLetterId(input.listId, p.taskId, p.personId),
        listId: input.listId,
        listTitle: input.title,
        taskId: t.taskId,
        taskTitle: t.title,
        description: t.description,
        goals: t.goals ?? [],
        hostUnitId: t.hostUnitId,
        personId: p.personId,
        ...(byPerson.get(p.personId)?.cadreUserId ? { cadreUserId: byPerson.get(p.personId)?.cadreUserId } : {}),
        term: t.term,
        reportEveryMonths: input.rules.reportEveryMonths,
        reportWorkingDays: input.rules.reportWorkingDays,
        issuedOn,
        decision: `${input.title} 部务会票决通过`,
      };
    }),
  });
  const at = new Date().toISOString();
  for (const l of issued) {
    const p = state.approvedPairs.find((x) => taskLetterId(input.listId, x.taskId, x.personId) === l.letterId) as Pair;
    state.letters.push({ letterId: l.letterId, taskId: p.taskId, personId: p.personId, cadreUserId: byPerson.get(p.personId)?.cadreUserId ?? '', hostUnitId: task(p.taskId).hostUnitId, sha256: l.sha256, bytes: l.bytes, mediaType: l.mediaType, issuedAt: at, acknowledgedByCadre: null, acknowledgedByHost: null });
  }
  projector.emit({
    audit: issued.map((l) => ({ key: `letter:${workflowId}:${l.letterId}`, kind: 'letter:issued', actorId: 'system', payload: { letterId: l.letterId, sha256: l.sha256, bytes: l.bytes, mediaType: l.mediaType } })),
    notifications: state.letters.map((l) => ({ kind: 'copy' as const, userIds: [l.cadreUserId, ...(assignees[ruleKey({ kind: 'unitHead', unitId: l.hostUnitId })] ?? [])], message: `${input.title}: task letter (任务书) ${l.letterId} issued; please acknowledge it` })),
  });
  setStage('dispatch');
}
