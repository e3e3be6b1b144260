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
