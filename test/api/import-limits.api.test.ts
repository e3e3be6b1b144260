/**
 * People import that cannot block (issue 10 §8), over HTTP against a real PostgreSQL: a sheet of more
 * than 20,000 people is refused whole (413 too_many_rows naming the limit) before anything is validated
 * or written; the answer lists the first 200 failed rows and counts the rest; and validation yields to
 * the event loop between chunks, so other requests are served meanwhile.
 */
import { parsePeopleSheetYielding, PARSE_CHUNK_ROWS } from '../../domain/people-import';
import { IdempotencyRecordSchema, PersonSchema } from '../../platform/entities';
import { IMPORT_MAX_ERRORS, IMPORT_MAX_ROWS } from '../../platform/people-import';
import { newKey, useApiStack } from '../helpers/api';

const stack = useApiStack();

const HEADER = '编号,姓名,性别,出生日期,单位,现任职务,现职级,任现职级时间,参加工作时间,基层工作年限,学历,入党时间,最近提拔时间,是否破格';
const good = (i: number) => `L${i},周明${i},男,1980-05-01,jyj,主任,正科,2019-07-01,2003-07-01,4,本科,2002-06-01,2019-07-01,否`;
// A birth date that is not a date.
const bad = (i: number) => `B${i},吴静${i},女,1984-02-30,jyj,科员,科员,2010-08-01,2010-08-01,2,大专,,,`;
const csv = (rows: string[]) => ({ format: 'csv', content: Buffer.from([HEADER, ...rows].join('\n')).toString('base64') });

test(`more than ${IMPORT_MAX_ROWS} people: 413 too_many_rows naming the limit, and nothing imported`, async () => {
  const staff = await stack.h.login('zzb-staff');
  const em = stack.t.orm.em.fork();
  const before = await em.count(PersonSchema, {});
  const key = newKey();
  const r = await stack.h.call('POST', '/people/import', { token: staff, key, body: csv(Array.from({ length: IMPORT_MAX_ROWS + 1 }, (_, i) => good(i))) });
  expect(r.status).toBe(413);
  expect(r.body).toMatchObject({ status: 413, code: 'too_many_rows', details: { field: 'content', limit: IMPORT_MAX_ROWS, rows: IMPORT_MAX_ROWS + 1 } });
  expect(r.body.message).toContain(String(IMPORT_MAX_ROWS));
  expect(await em.count(PersonSchema, {})).toBe(before);
  expect(await em.count(IdempotencyRecordSchema, { key })).toBe(0);
}, 60_000);

test(`blank rows do not count towards the limit`, async () => {
  const staff = await stack.h.login('zzb-staff');
  const rows = [good(1), ...Array.from({ length: IMPORT_MAX_ROWS + 5 }, () => ''), good(2)];
  const r = await stack.h.call('POST', '/people/import', { token: staff, key: newKey(), body: csv(rows) });
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ total: 2, failed: 0, errorsOmitted: 0 });
}, 60_000);

test(`${IMPORT_MAX_ERRORS} failed rows are listed, in row order, and the rest counted; the good rows are imported`, async () => {
  const staff = await stack.h.login('zzb-staff');
  const rows = Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? good(100_000 + i) : bad(i)));
  const r = await stack.h.call('POST', '/people/import', { token: staff, key: newKey(), body: csv(rows) });
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ total: 1000, imported: 100, failed: 900, errorsOmitted: 900 - IMPORT_MAX_ERRORS });
  expect(r.body.errors).toHaveLength(IMPORT_MAX_ERRORS);
  const listed = (r.body.errors as { row: number }[]).map((e) => e.row);
  expect(listed).toEqual([...listed].sort((a, b) => a - b));
  // The first failed row is the sheet's row 3 (row 2 is good); the answer stays small.
  expect(listed[0]).toBe(3);
  expect(JSON.stringify(r.body).length).toBeLessThan(64 * 1024);
}, 60_000);

test('validation yields to the event loop between chunks: other work runs before a large sheet is done', async () => {
  const sheet = [HEADER, ...Array.from({ length: PARSE_CHUNK_ROWS * 4 }, (_, i) => bad(i))].map((line, i) => ({ row: i + 1, cells: line.split(',') }));
  const order: string[] = [];
  const parsing = parsePeopleSheetYielding(sheet, '2026-12-02').then((s) => {
    order.push('parsed');
    return s;
  });
  setImmediate(() => order.push('other work'));
  const parsed = await parsing;
  expect(parsed.errors).toHaveLength(PARSE_CHUNK_ROWS * 4);
  expect(order).toEqual(['other work', 'parsed']);
});
