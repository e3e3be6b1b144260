/**
 * Activities of 揭榜出征: issuing the task letters (任务书). Each letter is generated as a DOCX from the data
 * the workflow passes (its issue date included; letter.ts), stored with its bytes and sha256, and keyed by
 * its letter id, so a retry or a replay writes nothing new and returns the same hash.
 */
import { createHash } from 'node:crypto';
import type { ActivityDeps } from '../../activities/kernel';
import { PersonSchema, RedeploymentLetterSchema, UnitSchema } from '../../platform/entities';
import { LETTER_MEDIA_TYPE, letterDocx, letterFileName, type LetterData } from './letter';

export interface IssueLettersInput {
  workflowId: string;
  /** cadreUserId: the account the list addresses the letter to (it acknowledges it); absent from runs before it was passed. */
  letters: (Omit<LetterData, 'hostUnit' | 'person'> & { hostUnitId: string; personId: string; cadreUserId?: string })[];
}

export interface IssuedLetter {
  letterId: string;
  sha256: string;
  bytes: number;
  mediaType: string;
}

export function createRedeploymentActivities(deps: ActivityDeps) {
  return {
    async issueTaskLetters(input: IssueLettersInput): Promise<IssuedLetter[]> {
      const em = deps.orm.em.fork();
      const unitIds = [...new Set(input.letters.map((l) => l.hostUnitId))];
      const personIds = [...new Set(input.letters.map((l) => l.personId))];
      const units = new Map((await em.find(UnitSchema, { id: { $in: unitIds } })).map((u) => [u.id, u.name] as const));
      const people = new Map((await em.find(PersonSchema, { id: { $in: personIds } }, { fields: ['id', 'name'] })).map((p) => [p.id, p.name] as const));
      const out: IssuedLetter[] = [];
      // Generated before the transaction opens (packing a DOCX takes a few milliseconds each).
      const contents = new Map<string, Buffer>();
      for (const l of input.letters) {
        contents.set(
          l.letterId,
          await letterDocx({ ...l, hostUnit: { id: l.hostUnitId, name: units.get(l.hostUnitId) ?? l.hostUnitId }, person: { id: l.personId, name: people.get(l.personId) ?? l.personId } }),
        );
      }
      await em.transactional(async (tx) => {
        for (const l of input.letters) {
          const content = contents.get(l.letterId) as Buffer;
          const sha256 = createHash('sha256').update(content).digest('hex');
          // Keyed by the letter id: a retry inserts nothing, and the stored letter's hash is the answer. The
          // bytes are stored and served as stored, so even a retry that generated other bytes (another
          // docx version on a new worker) leaves the letter and its hash as first issued.
          await tx.execute(
            'insert into redeployment_letter (id, workflow_id, task_id, person_id, host_unit_id, cadre_user_id, media_type, file_name, content, sha256) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (id) do nothing',
            [l.letterId, input.workflowId, l.taskId, l.personId, l.hostUnitId, l.cadreUserId ?? null, LETTER_MEDIA_TYPE, letterFileName(l.letterId), content, sha256],
          );
        }
        const stored = await tx.find(RedeploymentLetterSchema, { id: { $in: input.letters.map((l) => l.letterId) } }, { fields: ['id', 'sha256', 'content', 'mediaType'] });
        const byId = new Map(stored.map((s) => [s.id, s] as const));
        for (const l of input.letters) {
          const s = byId.get(l.letterId);
          if (s) out.push({ letterId: s.id, sha256: s.sha256, bytes: s.content.length, mediaType: s.mediaType });
        }
      });
      return out;
    },
  };
}
