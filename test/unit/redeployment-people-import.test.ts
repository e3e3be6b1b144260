/**
 * The 揭榜出征 columns of the people import (domain/people-import.ts): 退出领导岗位时间, 专业领域, 体检日期 and
 * 体检结论, read like every other column, with the same per-row errors naming the field.
 */
import type { Cell } from '../../domain/people-cells';
import { parsePeopleSheet, type SheetRow } from '../../domain/people-import';

const TODAY = '2026-11-25';
const sheet = (...rows: Cell[][]): SheetRow[] => rows.map((cells, i) => ({ row: i + 1, cells }));
const HEADER = ['编号', '姓名', '出生日期', '现职级', '任现职级时间', '参加工作时间', '学历', '退出领导岗位时间', '专业领域', '体检日期', '体检结论'];
const row = (id: string, extra: Cell[]): Cell[] => [id, '张伟', '1968-05-01', '正处', '2015-01-01', '1990-07-01', '本科', ...extra];

describe('the 揭榜出征 columns of the people import', () => {
  it('reads the person’s own account (用户账号), blank as undefined, and names the field for a bad one', () => {
    const header = [...HEADER, '用户账号'];
    const r = parsePeopleSheet(sheet(header, row('GB9011', ['', '', '', '', 'cadre-zhang']), row('GB9012', ['', '', '', '', '']), row('GB9013', ['', '', '', '', '张 伟'])), TODAY);
    expect(r.valid.map((v) => [v.person.id, v.person.userId])).toEqual([
      ['GB9011', 'cadre-zhang'],
      ['GB9012', undefined],
    ]);
    expect(r.valid[0]?.fields).toContain('userId');
    expect(r.errors.map((e) => [e.row, e.errors.map((x) => x.field)])).toEqual([[4, ['userId']]]);
  });

  it('reads the left-post date, the fields list and the health check', () => {
    const r = parsePeopleSheet(sheet(HEADER, row('GB9001', ['2025-06-30', '教育、乡村振兴, 教育', '2026/10/8', '合格'])), TODAY);
    expect(r.errors).toEqual([]);
    expect(r.valid[0]?.person).toMatchObject({ leftLeadershipPostOn: '2025-06-30', fields: ['教育', '乡村振兴'], healthCheckedOn: '2026-10-08', healthResult: 'fit' });
    expect(r.valid[0]?.fields).toEqual(expect.arrayContaining(['leftLeadershipPostOn', 'fields', 'healthCheckedOn', 'healthResult']));
  });
  it('leaves them undefined when blank or absent', () => {
    const r = parsePeopleSheet(sheet(HEADER, row('GB9002', ['', '', '', ''])), TODAY);
    expect(r.valid[0]?.person.leftLeadershipPostOn).toBeUndefined();
    expect(r.valid[0]?.person.fields).toBeUndefined();
  });
  it('reports each bad cell on its own row, naming the field', () => {
    const r = parsePeopleSheet(
      sheet(HEADER, row('GB9003', ['2030-01-01', '', '', '']), row('GB9004', ['', '', '2026-10-01', '很好']), row('GB9005', ['', '', '', '基本合格']), row('GB9006', ['1980-01-01', '', '', ''])),
      TODAY,
    );
    expect(r.valid).toEqual([]);
    expect(r.errors.map((e) => [e.row, e.errors.map((x) => x.field)])).toEqual([
      [2, ['leftLeadershipPostOn']],
      [3, ['healthResult']],
      [4, ['healthCheckedOn']],
      [5, ['leftLeadershipPostOn']],
    ]);
    expect(r.errors[1]?.errors[0]?.column).toBe('体检结论');
  });
});
