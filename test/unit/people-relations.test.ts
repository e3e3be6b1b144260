/**
 * 亲属关系 in the people sheet (domain/relations.ts, domain/people-import.ts): the cell's entries, the relation's
 * Chinese names and keys, and the row errors (a malformed entry, an unknown relation, a relative twice, a person
 * related to themself), which name the column and the entry's position and never quote the cell.
 */
import type { Cell } from '../../domain/people-cells';
import { parsePeopleSheet, type SheetRow } from '../../domain/people-import';
import { parseRelativesCell, relationFromName, selfRelationProblem } from '../../domain/relations';

const TODAY = '2026-11-25';
const HEADER = ['编号', '姓名', '出生日期', '现职级', '任现职级时间', '参加工作时间', '学历', '亲属关系'];
const row = (id: string, relatives: Cell): Cell[] => [id, '王敏', '1985-03-08', '正科', '2020/9/1', '2007-07-01', '本科', relatives];
const sheet = (...rows: Cell[][]): SheetRow[] => [HEADER, ...rows].map((cells, i) => ({ row: i + 1, cells }));

describe('the relations 回避 reads, by name', () => {
  test('the Chinese names, the regulation’s words and the API’s keys name the four relations', () => {
    expect(relationFromName('配偶')).toBe('spouse');
    expect(relationFromName('夫妻关系')).toBe('spouse');
    expect(relationFromName('直系血亲')).toBe('directBlood');
    expect(relationFromName('三代以内旁系血亲')).toBe('collateral');
    expect(relationFromName('近姻亲')).toBe('inLaw');
    expect(relationFromName('inlaw')).toBe('inLaw');
    expect(relationFromName(' directBlood ')).toBe('directBlood');
  });
  test('anything else is no relation: 朋友, 同学, a blank', () => {
    expect(relationFromName('朋友')).toBeNull();
    expect(relationFromName('同学')).toBeNull();
    expect(relationFromName('')).toBeNull();
  });
});

describe('the cell 亲属关系', () => {
  test('entries <编号>:<relation> separated by ; (or ；, a line break), with : or ：', () => {
    expect(parseRelativesCell('GB001:配偶; GB002：直系血亲；GB003:inLaw\nGB004:collateral')).toEqual({
      value: [
        { relativeId: 'GB001', relation: 'spouse' },
        { relativeId: 'GB002', relation: 'directBlood' },
        { relativeId: 'GB003', relation: 'inLaw' },
        { relativeId: 'GB004', relation: 'collateral' },
      ],
    });
    expect(parseRelativesCell('')).toEqual({ value: [] });
    expect(parseRelativesCell(' ; ')).toEqual({ value: [] });
  });
  test('refused, naming the entry and never quoting it: no colon, a bad 编号, an unknown relation, a relative twice, too many', () => {
    expect(parseRelativesCell('GB001:配偶;秘密内容')).toEqual({ error: expect.stringMatching(/^entry 2 is not <编号>:<relation>/) });
    expect(parseRelativesCell('秘 密:配偶')).toEqual({ error: expect.stringMatching(/^entry 1: the relative’s 编号 must be/) });
    expect(parseRelativesCell('GB001:朋友')).toEqual({ error: expect.stringMatching(/^entry 1: the relation is not one of 配偶 \(spouse\), 直系血亲 \(directBlood\)/) });
    expect(parseRelativesCell('GB001:配偶;GB001:近姻亲')).toEqual({ error: 'entry 2 names the same relative as entry 1' });
    expect(parseRelativesCell(Array.from({ length: 51 }, (_, i) => `P${i}:配偶`).join(';'))).toEqual({ error: 'lists more than 50 relatives' });
    for (const cell of ['GB001:配偶;秘密内容', '秘 密:配偶', 'GB001:朋友']) {
      const r = parseRelativesCell(cell);
      expect('error' in r && (r.error.includes('秘') || r.error.includes('朋友'))).toBe(false);
    }
  });
  test('a person related to themself is refused, naming the entry', () => {
    expect(selfRelationProblem('GB001', [{ relativeId: 'GB002', relation: 'spouse' }, { relativeId: 'GB001', relation: 'inLaw' }])).toBe('entry 2 relates the person to themself');
    expect(selfRelationProblem('GB001', [{ relativeId: 'GB002', relation: 'spouse' }])).toBeNull();
  });
});

describe('a people sheet with the column 亲属关系', () => {
  test('each row reads its relatives; a blank cell lists none (the importer then removes them); the column is a field of the sheet', () => {
    const s = parsePeopleSheet(sheet(row('GB001', 'GB002:配偶'), row('GB002', null)), TODAY);
    expect(s.errors).toEqual([]);
    expect(s.columns).toContain('relations');
    expect(s.valid.map((v) => v.person.relations)).toEqual([[{ relativeId: 'GB002', relation: 'spouse' }], undefined]);
  });
  test('a bad cell is a row error naming the row, the field and the column, not quoting the cell; the other rows are read', () => {
    const s = parsePeopleSheet(sheet(row('GB001', 'GB002:朋友'), row('GB002', 'GB002:配偶'), row('GB003', 'GB001:近姻亲')), TODAY);
    expect(s.valid.map((v) => v.person.id)).toEqual(['GB003']);
    expect(s.errors).toEqual([
      { row: 2, id: 'GB001', errors: [{ field: 'relations', column: '亲属关系', message: expect.stringMatching(/^entry 1: the relation is not one of/) }] },
      { row: 3, id: 'GB002', errors: [{ field: 'relations', column: '亲属关系', message: 'entry 1 relates the person to themself' }] },
    ]);
    expect(JSON.stringify(s.errors)).not.toContain('朋友');
  });
  test('a sheet without the column reads no relations (the importer leaves them as they were)', () => {
    const s = parsePeopleSheet([HEADER.slice(0, -1), row('GB001', null).slice(0, -1)].map((cells, i) => ({ row: i + 1, cells })), TODAY);
    expect(s.columns).not.toContain('relations');
    expect(s.valid).toHaveLength(1);
    expect(s.valid[0]?.person.relations).toBeUndefined();
  });
});
