/**
 * Reading people from a sheet, without a database: header aliases, Chinese grade and education names,
 * date formats, and per-row errors that name the field. The CSV and XLSX readers run on in-memory files.
 */
import ExcelJS from 'exceljs';
import {
  educationAtLeast,
  educationFromName,
  gradeFromName,
  gradeSteps,
  isDeputyToPrincipal,
  isPrincipalToDeputyAbove,
  levelAbove,
  levelOf,
  principalOf,
} from '../../domain/grades';
import { parseDateCell, type Cell } from '../../domain/people-cells';
import { SheetHeaderError } from '../../domain/people-columns';
import { parsePeopleSheet, type SheetRow } from '../../domain/people-import';
import { readCsv, readXlsx, UnreadableFile } from '../../platform/spreadsheet';

const TODAY = '2026-11-25';

const sheet = (...rows: Cell[][]): SheetRow[] => rows.map((cells, i) => ({ row: i + 1, cells }));

const CN_HEADER = ['编号', '姓名', '性别', '出生日期', '单位', '现任职务', '现职级', '任现职级时间', '参加工作时间', '基层工作年限', '学历', '入党时间', '最近提拔时间', '是否破格'];
const EN_HEADER = ['id', 'name', 'gender', 'birthDate', 'unitId', 'currentPost', 'currentGrade', 'gradeSince', 'workStartDate', 'grassrootsYears', 'education', 'partyJoinDate', 'lastPromotionDate', 'lastPromotionOutOfTurn'];

const good = (id: string): Cell[] => [id, '王敏', '女', '1985-03-08', 'jyj', '科长', '正科', '2020/9/1', '2007-07-01', '3.5', '本科', '2006-06-01', '2020-09-01', '否'];

describe('the grade and education ladders', () => {
  test('Chinese names and codes map to the same grade, and the ladder knows deputy → principal and the level above', () => {
    expect(gradeFromName('副处')).toBe('deputyDivision');
    expect(gradeFromName('县处级副职')).toBe('deputyDivision');
    expect(gradeFromName('deputydivision')).toBe('deputyDivision');
    expect(gradeFromName('正厅级')).toBe('bureau');
    expect(gradeFromName('处长')).toBeNull();
    expect(principalOf('deputyDivision')).toBe('division');
    expect(principalOf('division')).toBeNull();
    expect(isDeputyToPrincipal('deputySection', 'section')).toBe(true);
    expect(isDeputyToPrincipal('deputySection', 'deputyDivision')).toBe(false);
    expect(isPrincipalToDeputyAbove('section', 'deputyDivision')).toBe(true);
    expect(isPrincipalToDeputyAbove('division', 'deputyBureau')).toBe(true);
    expect(isPrincipalToDeputyAbove('deputySection', 'deputyDivision')).toBe(false);
    expect(levelOf('division')).toBe('division');
    expect(levelAbove('section')).toBe('division');
    expect(levelAbove('bureau')).toBeNull();
    expect(gradeSteps('section', 'division')).toBe(2);
  });

  test('education names and order', () => {
    expect(educationFromName('大专')).toBe('college');
    expect(educationFromName('大学本科')).toBe('bachelor');
    expect(educationFromName('硕士研究生')).toBe('master');
    expect(educationFromName('博士研究生')).toBe('doctor');
    expect(educationFromName('doctor')).toBe('doctor');
    expect(educationFromName('小学')).toBeNull();
    expect(educationAtLeast('bachelor', 'college')).toBe(true);
    expect(educationAtLeast('highSchool', 'college')).toBe(false);
  });
});

describe('dates', () => {
  test.each<[Cell, string]>([
    ['1985-03-08', '1985-03-08'],
    ['1985/3/8', '1985-03-08'],
    ['1985.3.8', '1985-03-08'],
    ['1985年3月8日', '1985-03-08'],
    [new Date(Date.UTC(1985, 2, 8)), '1985-03-08'],
    // Excel's serial number of 1985-03-08, from a cell that lost its date format.
    [31114, '1985-03-08'],
  ])('%p reads as %s', (cell, date) => {
    expect(parseDateCell(cell)).toEqual({ date });
  });

  test.each<[Cell, RegExp]>([
    ['1985-02-30', /not a calendar date/],
    ['1985.03', /has no day/],
    ['08/03/1985', /not a date/],
    ['', /not a date/],
    ['1850-01-01', /outside 1900–2099/],
  ])('%p is refused', (cell, message) => {
    const r = parseDateCell(cell);
    expect(r).toHaveProperty('error');
    expect((r as { error: string }).error).toMatch(message);
  });
});

describe('a sheet of people', () => {
  test('Chinese headings: every field is read, with Chinese grade and education names', () => {
    const r = parsePeopleSheet(sheet(CN_HEADER, good('GB001')), TODAY);
    expect(r.errors).toEqual([]);
    expect(r.total).toBe(1);
    expect(r.valid).toEqual([
      {
        row: 2,
        fields: expect.arrayContaining(['id', 'partyJoinDate', 'lastPromotionOutOfTurn']),
        person: {
          id: 'GB001',
          name: '王敏',
          gender: 'female',
          birthDate: '1985-03-08',
          unitId: 'jyj',
          currentPost: '科长',
          currentGrade: 'section',
          gradeSince: '2020-09-01',
          workStartDate: '2007-07-01',
          grassrootsYears: 3.5,
          education: 'bachelor',
          partyJoinDate: '2006-06-01',
          lastPromotionDate: '2020-09-01',
          lastPromotionOutOfTurn: false,
        },
      },
    ]);
  });

  test('English headings, in another order, with notes and odd spacing; unknown columns are ignored', () => {
    const header = ['Name', ' ID ', 'birth_date', 'current grade', 'gradeSince', 'workStartDate', '学历（最高）', 'remark'];
    const r = parsePeopleSheet(sheet(header, ['李 四', 'A-7', '1979/1/2', 'deputyBureau', '2022-1-1', '2000-08-01', 'doctor', 'x']), TODAY);
    expect(r.errors).toEqual([]);
    expect(r.valid[0]?.person).toMatchObject({ id: 'A-7', name: '李四', currentGrade: 'deputyBureau', education: 'doctor', grassrootsYears: 0, partyJoinDate: null });
    // Only the columns the file has count as given.
    expect(r.valid[0]?.fields).toEqual(['id', 'name', 'birthDate', 'currentGrade', 'gradeSince', 'workStartDate', 'education']);
    const en = parsePeopleSheet(sheet(EN_HEADER, good('GB002')), TODAY);
    expect(en.valid.map((v) => v.person.id)).toEqual(['GB002']);
  });

  test('a padded two-character name loses its padding', () => {
    const row = good('GB003');
    row[1] = '王　敏';
    expect(parsePeopleSheet(sheet(CN_HEADER, row), TODAY).valid[0]?.person.name).toBe('王敏');
  });

  test('a bad row between good rows fails alone, with its row number, its id and the fields that are wrong', () => {
    const bad = good('GB011');
    bad[3] = '1985-13-01'; // 出生日期
    bad[6] = '处长'; // 现职级
    bad[10] = '小学'; // 学历
    const noId = good('');
    const r = parsePeopleSheet(sheet(CN_HEADER, good('GB010'), bad, [], noId, good('GB012')), TODAY);
    expect(r.total).toBe(4);
    expect(r.valid.map((v) => [v.row, v.person.id])).toEqual([
      [2, 'GB010'],
      [6, 'GB012'],
    ]);
    expect(r.errors).toEqual([
      {
        row: 3,
        id: 'GB011',
        errors: [
          { field: 'birthDate', column: '出生日期', message: expect.stringMatching(/not a calendar date/) },
          { field: 'currentGrade', column: '现职级', message: expect.stringMatching(/^is not a grade.*副处 \(deputyDivision\)/) },
          { field: 'education', column: '学历', message: expect.stringMatching(/^is not an education/) },
        ],
      },
      // The empty row 4 is skipped but still counted, so row 5 is row 5.
      { row: 5, errors: [{ field: 'id', column: '编号', message: 'is required' }] },
    ]);
    // A row error names the column and what it takes, never the cell's text.
    expect(JSON.stringify(r.errors)).not.toMatch(/处长|小学/);
  });

  test('rules across fields: future dates, order of dates, 破格 without a date, too many grassroots years', () => {
    const future = good('GB020');
    future[12] = '2027-01-01';
    const beforeWork = good('GB021');
    beforeWork[7] = '2001-01-01';
    const outOfTurn = good('GB022');
    outOfTurn[12] = '';
    outOfTurn[13] = '是';
    const grassroots = good('GB023');
    grassroots[9] = '40';
    const r = parsePeopleSheet(sheet(CN_HEADER, future, beforeWork, outOfTurn, grassroots), TODAY);
    expect(r.valid).toEqual([]);
    expect(r.errors.map((e) => [e.row, e.errors.map((x) => x.field)])).toEqual([
      [2, ['lastPromotionDate']],
      [3, ['gradeSince']],
      [4, ['lastPromotionOutOfTurn']],
      [5, ['grassrootsYears']],
    ]);
  });

  test('an id twice: the second row is an error naming the first', () => {
    const r = parsePeopleSheet(sheet(CN_HEADER, good('GB030'), good('GB030')), TODAY);
    expect(r.valid.map((v) => v.row)).toEqual([2]);
    expect(r.errors).toEqual([{ row: 3, id: 'GB030', errors: [{ field: 'id', column: '编号', message: 'GB030 already appears in row 2' }] }]);
  });

  test('a header without a required column, or with a column twice, is unusable as a whole', () => {
    expect(() => parsePeopleSheet(sheet(['姓名', '出生日期'], ['王敏', '1985-03-08']), TODAY)).toThrow(SheetHeaderError);
    expect(() => parsePeopleSheet(sheet(CN_HEADER.filter((h) => h !== '学历'), good('x')), TODAY)).toThrow(/学历 \(education\)/);
    expect(() => parsePeopleSheet(sheet([...CN_HEADER, 'name']), TODAY)).toThrow(/"姓名" and "name" both name/);
    expect(() => parsePeopleSheet(sheet([], []), TODAY)).toThrow(/no header row/);
  });
});

describe('the file readers', () => {
  test('CSV: UTF-8 with a BOM, quoted fields, and an empty line keeping the row numbers', () => {
    const csv = '\uFEFF编号,姓名\r\n"GB1","王, 敏"\r\n\r\nGB2,李四\r\n';
    expect(readCsv(Buffer.from(csv, 'utf8'))).toEqual([
      { row: 1, cells: ['编号', '姓名'] },
      { row: 2, cells: ['GB1', '王, 敏'] },
      { row: 3, cells: [''] },
      { row: 4, cells: ['GB2', '李四'] },
    ]);
  });

  test('CSV: GB18030, as Excel saves CSV on a Chinese Windows', () => {
    // "编号,姓名\r\nGB1,张三\r\n" in GB18030.
    const gb = Buffer.concat([
      Buffer.from([0xb1, 0xe0, 0xba, 0xc5]),
      Buffer.from(','),
      Buffer.from([0xd0, 0xd5, 0xc3, 0xfb]),
      Buffer.from('\r\nGB1,'),
      Buffer.from([0xd5, 0xc5, 0xc8, 0xfd]),
      Buffer.from('\r\n'),
    ]);
    expect(readCsv(gb)).toEqual([
      { row: 1, cells: ['编号', '姓名'] },
      { row: 2, cells: ['GB1', '张三'] },
    ]);
  });

  test('CSV: an unclosed quote, or an XLSX sent as CSV, is unreadable', () => {
    expect(() => readCsv(Buffer.from('a,b\n"1,2\n'))).toThrow(UnreadableFile);
    expect(() => readCsv(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]))).toThrow(/send it with format "xlsx"/);
  });

  test('XLSX: real dates, numbers and rich text come through, with the sheet’s row numbers', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('干部');
    ws.addRow(['编号', '姓名', '出生日期', '基层工作年限']);
    ws.addRow([1001, { richText: [{ text: '王' }, { text: '敏' }] }, new Date(Date.UTC(1985, 2, 8)), 3.5]);
    ws.getRow(4).values = ['GB2', '李四', '1979/1/2', null];
    const rows = await readXlsx(Buffer.from(await wb.xlsx.writeBuffer()));
    expect(rows).toEqual([
      { row: 1, cells: ['编号', '姓名', '出生日期', '基层工作年限'] },
      { row: 2, cells: [1001, '王敏', new Date(Date.UTC(1985, 2, 8)), 3.5] },
      { row: 4, cells: ['GB2', '李四', '1979/1/2'] },
    ]);
    expect(parseDateCell(rows[1]!.cells[2]!)).toEqual({ date: '1985-03-08' });
  });

  test('XLSX: a file that is not one is unreadable', async () => {
    await expect(readXlsx(Buffer.from('编号,姓名\n'))).rejects.toThrow(UnreadableFile);
    await expect(readXlsx(Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]))).rejects.toThrow(/not a readable XLSX file/);
  });
});
