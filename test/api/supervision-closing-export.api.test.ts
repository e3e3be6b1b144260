/**
 * A rectification feedback's 整改情况报告 as XLSX (issue 13): while open, the live tables per problem and per
 * unit; once closed, also its closing summary (the workflow's RectificationSummary): the totals, the failed
 * items, the 整改报告 figures and the closing date, per unit and per problem with a totals row, and the 三张清单.
 * Cells name units and people, never their codes.
 */
import ExcelJS from 'exceljs';
import { chinaDateOf } from '../../domain/dates';
import { inboxTask, newKey, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { workflowIds } from '../helpers/ids';
import { loadTestYear, testYear } from '../helpers/rectification';

const stack = useApiStack((t) => loadTestYear(t.orm));
const Y = testYear();

async function act(user: string, wf: string, step: string, body: unknown): Promise<void> {
  const taskId = await inboxTask(stack.h, user, wf, step);
  const r = await stack.h.call('POST', `/tasks/${taskId}/actions`, { token: await stack.h.login(user), key: newKey(), body });
  if (r.status !== 200) throw new Error(`${user} ${step}: ${r.status} ${JSON.stringify(r.body)}`);
}

async function download(path: string): Promise<ExcelJS.Workbook> {
  const res = await fetch(`${stack.api.baseUrl}${path}`, { headers: { authorization: `Bearer ${await stack.h.login('dc-supervisor')}` } });
  expect(res.status).toBe(200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ExcelJS.Buffer);
  return wb;
}

/** A sheet's rows under its heading, `width` cells each (an empty cell is null). */
function rows(wb: ExcelJS.Workbook, name: string, width: number): unknown[][] {
  const ws = wb.getWorksheet(name);
  if (!ws) throw new Error(`no sheet ${name}`);
  const out: unknown[][] = [];
  for (let n = 2; n <= ws.rowCount; n++) {
    const v = (ws.getRow(n).values as unknown[]).slice(1);
    out.push(Array.from({ length: width }, (_, i) => v[i] ?? null));
  }
  return out;
}

test('整改情况报告: the live tables while open; the closing summary, per unit and per problem with totals, and the 三张清单 once closed', async () => {
  const fid = uniqueId('fb');
  const wf = workflowIds.rectification(fid);
  const started = await stack.h.call('POST', '/procedures/rectification', {
    token: await stack.h.login('zzb-staff'),
    key: newKey(),
    body: {
      feedbackId: fid,
      title: '市委第二巡察组反馈意见',
      inspectionGroup: '市委第二巡察组',
      feedbackDate: `${Y}-10-20`,
      problems: [
        {
          no: '1',
          title: '基层党组织建设薄弱',
          leadUnitId: 'zzb',
          assignments: [{ unitId: 'jyj', dueDate: `${Y}-12-31` }],
          tasks: [
            { no: '1', measure: '健全支部工作制度' },
            { no: '2', measure: '开展专项培训', dueDate: `${Y}-12-15` },
          ],
          responsibilities: [
            { taskNo: '1', unitId: 'zzb', kind: 'lead', leader: '组织部部长' },
            { taskNo: '2', unitId: 'jyj', person: '教育局组织人事科科长' },
          ],
        },
      ],
      report: {},
    },
  });
  expect(started.status).toBe(201);
  const item = workflowIds.rectificationItem(fid, '1', 'jyj');
  await inboxTask(stack.h, 'jyj-staff', item, 'submit');

  // Open: the live tables only, one open item.
  const open = await download(`/supervision/reports/rectification/${wf}/export`);
  expect(open.worksheets.map((w) => w.name)).toEqual(['按问题', '按单位']);
  expect(rows(open, '按问题', 14)).toEqual([['1', 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]]);
  expect(rows(open, '按单位', 14)).toEqual([['市教育局', 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]]);

  // The unit's 整改报告 (jyj has no Party secretary: its head), then the item through to 销号.
  const report = `${wf}-report-jyj`;
  await act('jyj-head', report, 'report', { action: 'report', data: { documentRef: '教党〔2026〕31号', summary: '整改情况报告' } });
  const submission = {
    action: 'submit',
    data: { measures: '修订规程', evidence: [{ name: '整改报告', ref: 'doc-001' }], institutionalRule: { title: '选人用人工作规程', documentRef: '教党〔2026〕12号' } },
  };
  await act('jyj-staff', item, 'submit', submission);
  await act('xcb-reviewer', item, 'review', { action: 'return', comment: '证明材料不全' });
  await act('jyj-staff', item, 'submit', submission);
  await act('xcb-reviewer', item, 'review', { action: 'pass' });
  await act('jyj-head', item, 'unitHead', { action: 'sign' });
  await act('zzb-head', item, 'leadDepartment', { action: 'sign' });
  await act('xcb-director', item, 'inspectionOffice', { action: 'sign' });
  const token = await stack.h.login('zzb-staff');
  const closed = await eventually(async () => {
    const r = await stack.h.call('GET', `/procedures/${wf}`, { token });
    return r.body.procedure?.status === 'closed' ? r.body.procedure : undefined;
  }, 30_000, 'the feedback to close');
  const closedOn = chinaDateOf(new Date(closed.result.closedAt));

  const wb = await download(`/supervision/reports/rectification/${wf}/export`);
  expect(wb.worksheets.map((w) => w.name)).toEqual(['整改情况报告', '分单位汇总', '分问题汇总', '三张清单', '按问题', '按单位']);
  expect(rows(wb, '整改情况报告', 2)).toEqual([
    ['反馈意见', '市委第二巡察组反馈意见'],
    ['办结日期', closedOn],
    ['整改事项', 1],
    ['已销号', 1],
    ['按期销号', 1],
    ['单位按期报送', 1],
    ['逾期销号', 0],
    ['撤回', 0],
    ['逾期撤回', 0],
    ['办理失败', 0],
    ['按期率', '100.0%'],
    ['整改报告应报单位', 1],
    ['整改报告已报送', 1],
    ['整改报告按期报送', 1],
    ['整改报告撤回', 0],
    ['整改报告办理失败', 0],
    ['整改报告按期率', '100.0%'],
  ]);
  expect(rows(wb, '分单位汇总', 5)).toEqual([
    ['市教育局', 1, 1, 1, 1],
    ['合计', 1, 1, 1, 1],
  ]);
  expect(rows(wb, '分问题汇总', 8)).toEqual([
    ['1', '基层党组织建设薄弱', 1, 1, 1, 1, 0, 1],
    ['合计', null, 1, 1, 1, 1, 0, 1],
  ]);
  expect(rows(wb, '三张清单', 10)).toEqual([
    ['1', '基层党组织建设薄弱', '市委组织部', '1', '健全支部工作制度', null, '市委组织部', '牵头', '组织部部长', null],
    ['1', '基层党组织建设薄弱', '市委组织部', '2', '开展专项培训', `${Y}-12-15`, '市教育局', '责任', null, '教育局组织人事科科长'],
  ]);
  // The live tables still follow: the item signed off on time, after one return.
  expect(rows(wb, '按问题', 14)).toEqual([['1', 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0]]);
  expect(rows(wb, '按单位', 14)).toEqual([['市教育局', 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0]]);
});
