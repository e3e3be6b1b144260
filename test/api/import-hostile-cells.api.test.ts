/**
 * Uploaded files are input too (issue 10 §1): every cell of a CSV or XLSX sent to /people/import or
 * /admin/import passes the edge's text rule (api/input.ts). A row with a NUL, a control character or
 * invalid Unicode in any cell is refused in the row errors, naming its row and column and never quoting
 * the cell; the good rows go in as before; nothing answers 500. An XLSX that unpacks to too much
 * (a zip bomb) is refused before exceljs inflates it. Over HTTP, against a real PostgreSQL.
 */
import { once } from 'node:events';
import { createDeflateRaw } from 'node:zlib';
import ExcelJS from 'exceljs';
import { AppUserSchema, PersonSchema } from '../../platform/entities';
import { XLSX_LIMITS } from '../../platform/spreadsheet';
import { newKey, useApiStack } from '../helpers/api';

const stack = useApiStack();

const b64 = (b: string | Buffer): string => (typeof b === 'string' ? Buffer.from(b, 'utf8') : b).toString('base64');
const HEADER = ['编号', '姓名', '性别', '出生日期', '单位', '现任职务', '现职级', '任现职级时间', '参加工作时间', '基层工作年限', '学历'];
const person = (id: string, name: string, post = '科员'): string[] => [id, name, '男', '1980-05-01', 'jyj', post, '正科', '2019-07-01', '2003-07-01', '4', '本科'];
const csv = (rows: string[][]): string => rows.map((r) => r.join(',')).join('\n');

/** What a refusal may never carry: the hostile characters themselves, or JSON's escapes of them. */
function expectNoHostileText(body: unknown): void {
  const text = JSON.stringify(body);
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  expect(text).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]/);
  expect(text).not.toMatch(/\\u00[01][0-9a-f]|\\u007f|\\u009|_x00/i);
}

async function xlsx(rows: unknown[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('干部');
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

test('CSV: a bell, an ESC sequence and a C1 control are refused by row and column, the good rows go in', async () => {
  const staff = await stack.h.login('zzb-staff');
  const body = {
    format: 'csv',
    content: b64(
      csv([
        HEADER,
        person('HC1', '周明'),
        person('HC2', '吴\u0007静'), // 姓名, row 3
        person('HC3', '郑华', '\u001b[31m主任'), // 现任职务, row 4
        [...person('HC4', '钱多'), '\u009b2J'], // a column the file's header does not name, row 5
        person('HC5', '孙悦'),
      ]),
    ),
  };
  const r = await stack.h.call('POST', '/people/import', { token: staff, key: newKey(), body });
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ total: 5, imported: 2, failed: 3 });
  const message = expect.stringMatching(/^has text that is not allowed/);
  expect(r.body.errors).toEqual([
    { row: 3, id: 'HC2', errors: [{ field: 'name', column: '姓名', message }] },
    { row: 4, id: 'HC3', errors: [{ field: 'currentPost', column: '现任职务', message }] },
    { row: 5, id: 'HC4', errors: [{ field: 'column L', message }] },
  ]);
  expectNoHostileText(r.body);
  const em = stack.t.orm.em.fork();
  expect((await em.find(PersonSchema, { id: { $like: 'HC%' } }, { orderBy: { id: 'asc' } })).map((p) => p.id)).toEqual(['HC1', 'HC5']);
});

test('XLSX: a cell `张_x0000_三` (exceljs decodes it to a NUL) is a row error, not a 500; the other rows go in', async () => {
  const staff = await stack.h.login('zzb-staff');
  const file = await xlsx([HEADER, person('HX1', '王敏'), person('HX2', '张_x0000_三'), person('HX3', '李_x001B_四'), person('HX4', '赵_xFFFF_五'), person('HX5', '陈静')]);
  const r = await stack.h.call('POST', '/people/import', { token: staff, key: newKey(), body: { format: 'xlsx', content: b64(file) } });
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ total: 5, imported: 2, failed: 3 });
  expect(r.body.errors.map((e: { row: number; errors: { field: string }[] }) => [e.row, e.errors.map((x) => x.field)])).toEqual([
    [3, ['name']],
    [4, ['name']],
    [5, ['name']],
  ]);
  expectNoHostileText(r.body);
  const em = stack.t.orm.em.fork();
  expect((await em.find(PersonSchema, { id: { $like: 'HX%' } }, { orderBy: { id: 'asc' } })).map((p) => p.id)).toEqual(['HX1', 'HX5']);
});

test('a hostile header cell refuses the file (400 naming content and the column), without quoting it', async () => {
  const staff = await stack.h.login('zzb-staff');
  const file = await xlsx([[...HEADER, '备注_x0000_'], person('HH1', '王敏')]);
  const r = await stack.h.call('POST', '/people/import', { token: staff, key: newKey(), body: { format: 'xlsx', content: b64(file) } });
  expect(r.status).toBe(400);
  expect(r.body).toMatchObject({ status: 400, code: 'validation_error', details: { issues: [{ field: 'content' }] } });
  expect(r.body.message).toMatch(/column L/);
  expectNoHostileText(r.body);
  expect(await stack.t.orm.em.fork().count(PersonSchema, { id: 'HH1' })).toBe(0);
});

test('/admin/import: a user row with an ESC in its name (XLSX) is refused by row and column; the good one is created', async () => {
  const admin = await stack.h.login('admin');
  const file = await xlsx([
    ['账号', '姓名', '单位', '角色'],
    ['hc-ok', '经办人甲', 'jyj', 'staff'],
    ['hc-bad', '经办人_x001B_[2J乙', 'jyj', 'staff'],
  ]);
  const r = await stack.h.call('POST', '/admin/import', { token: admin, key: newKey(), body: { kind: 'users', format: 'xlsx', content: b64(file) } });
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ total: 2, imported: 1, failed: 1, errors: [{ row: 3, id: 'hc-bad', errors: [{ field: 'displayName', column: '姓名', message: expect.stringMatching(/^has text that is not allowed/) }] }] });
  expectNoHostileText(r.body);
  const em = stack.t.orm.em.fork();
  expect((await em.find(AppUserSchema, { id: { $like: 'hc-%' } })).map((u) => u.id)).toEqual(['hc-ok']);
});

/** A zip of one deflated entry: `size` zero bytes, streamed so the test never holds them. It declares 1 byte: a bomb lies. */
async function zipBomb(size: number): Promise<Buffer> {
  const deflate = createDeflateRaw({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on('data', (c: Buffer) => chunks.push(c));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let left = size; left > 0; left -= zeros.length) {
    if (!deflate.write(left >= zeros.length ? zeros : zeros.subarray(0, left))) await once(deflate, 'drain');
  }
  deflate.end();
  await once(deflate, 'end');
  const data = Buffer.concat(chunks);
  const name = Buffer.from('xl/worksheets/sheet1.xml');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(1, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(1, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt32LE(0, 42);
  const dirOffset = local.length + name.length + data.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(central.length + name.length, 12);
  eocd.writeUInt32LE(dirOffset, 16);
  return Buffer.concat([local, name, data, central, name, eocd]);
}

test('an XLSX that unpacks to more than the cap (a zip bomb lying about its size) is refused before exceljs inflates it', async () => {
  const staff = await stack.h.login('zzb-staff');
  const bomb = await zipBomb(XLSX_LIMITS.maxBytes + 1024 * 1024);
  // Small enough to upload: the point is what it unpacks to.
  expect(bomb.length).toBeLessThan(1024 * 1024);
  const r = await stack.h.call('POST', '/people/import', { token: staff, key: newKey(), body: { format: 'xlsx', content: b64(bomb) } });
  expect(r.status).toBe(400);
  expect(r.body).toMatchObject({ code: 'validation_error', details: { issues: [{ field: 'content' }] } });
  expect(r.body.message).toMatch(/unpacks to more than 128 MB/);
  // The same for the administrator's import; the server still answers.
  const admin = await stack.h.login('admin');
  const a = await stack.h.call('POST', '/admin/import', { token: admin, key: newKey(), body: { kind: 'users', format: 'xlsx', content: b64(bomb) } });
  expect(a.status).toBe(400);
  expect((await stack.h.call('GET', '/health')).status).toBe(200);
}, 60_000);
