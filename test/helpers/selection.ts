import type { MikroORM } from '@mikro-orm/postgresql';
import { addCommittee, addPeople } from './members';
import { daysAgo } from './today';
import { addIntegritySigners } from './selection-signers';

/**
 * The start of a cadre selection the tests drive: 市教育局局长 (正处, one position) chosen at a meeting, its principles
 * approved by 组织部's head, its committee the approvers of `committeeUnit` with `principalId` as its principal.
 */
export function selectionStartBody(selectionId: string, committeeUnit = 'cw', principalId = 'cw-1') {
  return {
    selectionId,
    title: `局长人选 ${selectionId}`,
    principles: {
      post: { title: '市教育局局长', unitId: 'jyj', positions: 1, targetGrade: 'division', isPartyPost: false },
      candidateScope: '全市县处级副职干部',
      method: 'meeting',
      timetable: '2026年12月底前完成',
    },
    principlesApprovers: { kind: 'unitHead', unitId: 'zzb' },
    committee: { kind: 'role', role: 'approver', unitId: committeeUnit },
    principalId,
  };
}

/**
 * The people a selection of selectionStartBody needs: a committee of three (cw-1 … cw-3, cw-1 its principal), two
 * cadres of 市教育局 (T001 张明, T002 李华) and its two integrity signers, whom it returns.
 */
export async function addSelectionCast(orm: MikroORM): Promise<{ partySecretary: string; disciplineSecretary: string }> {
  await addCommittee(orm, 'cw', 'cw', 3);
  const signers = await addIntegritySigners(orm);
  await addPeople(orm, [
    { id: 'T001', name: '张明', gradeSince: '2021-03-01' },
    { id: 'T002', name: '李华', gradeSince: '2022-09-01' },
  ]);
  return signers;
}

/**
 * recordInspection as the selection tests send it: a group of two 组织部 members (or `group`), noticed five days ago
 * and started three days ago, 30 talks, and each candidate rated mostly 优秀, with a field visit.
 */
export function inspectionCommand(personIds: readonly string[], group: readonly string[] = ['zzb-staff', 'zzb-head']) {
  return {
    action: 'recordInspection',
    group: [...group],
    noticeDate: daysAgo(5),
    startDate: daysAgo(3),
    talks: 30,
    evaluations: personIds.map((personId) => ({ personId, excellent: 20, competent: 8, basicallyCompetent: 2, incompetent: 0 })),
    fieldVisit: true,
  };
}
