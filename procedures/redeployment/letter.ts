/**
 * The task letter (任务书) of a dispatched cadre, generated from the list's data: the task, its goals,
 * the term and the reporting duty. A plain UTF-8 text document: no DOCX or PDF library is a dependency
 * of the project (exceljs brings jszip only transitively, and a PDF needs an embedded CJK font), and a
 * letter must be byte-for-byte reproducible from its data so its sha256 identifies it. Pure.
 */
export interface LetterData {
  letterId: string;
  listId: string;
  listTitle: string;
  taskId: string;
  taskTitle: string;
  description: string;
  goals: string[];
  hostUnit: { id: string; name: string };
  person: { id: string; name: string };
  term: { start: string; end: string };
  reportEveryMonths: number;
  reportWorkingDays: number;
  /** The China date the letter is issued: from the workflow, so a retry writes the same bytes. */
  issuedOn: string;
  /** The meeting's decision the dispatch rests on. */
  decision: string;
}

export const LETTER_MEDIA_TYPE = 'text/plain; charset=utf-8';
export const letterFileName = (letterId: string): string => `任务书-${letterId}.txt`;

export function letterText(d: LetterData): string {
  const every = d.reportEveryMonths === 1 ? '每月' : `每 ${d.reportEveryMonths} 个月`;
  const goals = d.goals.length ? d.goals.map((g, i) => `  ${i + 1}. ${g}`) : ['  按岗位任务说明完成工作'];
  return [
    '任 务 书',
    '',
    `编号：${d.letterId}`,
    `榜单：${d.listTitle}（${d.listId}）`,
    `任务：${d.taskTitle}（${d.taskId}）`,
    `出征干部：${d.person.name}（${d.person.id}）`,
    `接收单位：${d.hostUnit.name}（${d.hostUnit.id}）`,
    `任期：${d.term.start} 至 ${d.term.end}`,
    '',
    '一、任务说明',
    `  ${d.description}`,
    '',
    '二、任务目标',
    ...goals,
    '',
    '三、报告义务',
    `  ${every}报告一次工作进展，于每期结束后 ${d.reportWorkingDays} 个工作日内报送，由接收单位确认。`,
    '  逾期未报的，依次提醒、催办、督办。',
    '',
    '四、考核',
    '  任期届满由接收单位和组织部考核，考核等次为优秀、合格、基本合格、不合格。',
    '',
    `依据：${d.decision}`,
    `签发日期：${d.issuedOn}`,
    '',
    '出征干部签收：＿＿＿＿＿＿      接收单位签收：＿＿＿＿＿＿',
    '',
  ].join('\n');
}
