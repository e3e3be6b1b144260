/**
 * Reads uploaded spreadsheets into rows of cells (domain/people-import.ts validates them): CSV with
 * csv-parse, XLSX with exceljs. Row numbers are the ones the user sees in the sheet.
 *
 * A file's cells are input like any JSON string, so each text cell must pass the edge's rule
 * (api/input.ts isCleanText). A cell that fails is blanked and its column recorded on the row
 * (SheetRow.unclean): the importers refuse that row, naming the column, and nothing downstream can
 * store or quote the text. An XLSX cell can carry any character (exceljs decodes `_x0000_` to NUL).
 */
import { inflateRawSync } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { isCleanText } from '../api/input';
import type { Cell } from '../domain/people-cells';
import type { SheetRow } from '../domain/people-import';

/** The file cannot be read at all (as opposed to a row that is wrong). */
export class UnreadableFile extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableFile';
  }
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
/** The OLE container of the old binary .xls format. */
const OLE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0]);

/** More rows than this are refused as a whole: the answer lists every bad row, and it must stay readable. */
export const MAX_ROWS = 50_000;

/**
 * CSV text: UTF-8 (with or without a BOM), or GB18030, which is what Excel on a Chinese Windows writes
 * when it saves "CSV".
 */
function decodeText(buf: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return new TextDecoder('gb18030').decode(buf);
  }
}

export function readCsv(buf: Buffer): SheetRow[] {
  if (buf.subarray(0, 4).equals(ZIP_MAGIC)) throw new UnreadableFile('this is an XLSX (zip) file, not CSV; send it with format "xlsx"');
  if (buf.subarray(0, 4).equals(OLE_MAGIC)) throw new UnreadableFile('this is an old binary .xls file; save it as .xlsx or CSV');
  const text = decodeText(buf);
  if (text.includes('\u0000')) throw new UnreadableFile('this is not a text file, so not CSV');
  let records: string[][];
  try {
    // Empty lines are kept (as [""]) so that record n is row n, as a spreadsheet program shows the file.
    records = parseCsv(text, { bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: false });
  } catch (err) {
    throw new UnreadableFile(`not readable as CSV: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (records.length > MAX_ROWS + 1) throw new UnreadableFile(`the file has ${records.length} rows; at most ${MAX_ROWS} people per import`);
  return records.map((cells, i) => cleanRow({ row: i + 1, cells }));
}

/** The row with every text cell that breaks the edge's rule blanked, and their columns in `unclean`. */
function cleanRow(r: SheetRow): SheetRow {
  const unclean: number[] = [];
  const cells = r.cells.map((c, i) => {
    if (typeof c !== 'string' || isCleanText(c)) return c;
    unclean.push(i);
    return null;
  });
  return unclean.length ? { row: r.row, cells, unclean } : r;
}

/**
 * The zip-bomb guard: an XLSX is a zip, and exceljs (through JSZip) inflates every entry in memory. A
 * 5 MB upload of zeros inflates to gigabytes, so before exceljs sees the file every entry is inflated
 * here with zlib's own output cap, counting against one budget for the whole archive. The sizes the
 * archive declares are not trusted: they are what a bomb lies about.
 */
export const XLSX_LIMITS = { maxEntries: 1000, maxBytes: 128 * 1024 * 1024 };

function assertZipWithinLimits(buf: Buffer, limits: { maxEntries: number; maxBytes: number }): void {
  const unreadable = (why: string) => new UnreadableFile(`not a readable XLSX file: ${why}`);
  // The end-of-central-directory record: 22 bytes plus a comment of at most 65,535, at the very end.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw unreadable('the zip archive has no central directory');
  const entries = buf.readUInt16LE(eocd + 10);
  const dirOffset = buf.readUInt32LE(eocd + 16);
  // 0xffff and 0xffffffff mark zip64, which no spreadsheet under the upload limit needs.
  if (entries === 0xffff || dirOffset === 0xffffffff) throw unreadable('zip64 archives are not accepted');
  if (entries > limits.maxEntries) throw new UnreadableFile(`the XLSX archive has ${entries} entries; at most ${limits.maxEntries}`);
  const tooLarge = () => new UnreadableFile(`the XLSX file unpacks to more than ${Math.round(limits.maxBytes / 1024 / 1024)} MB`);
  let budget = limits.maxBytes;
  let at = dirOffset;
  for (let n = 0; n < entries; n++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== 0x02014b50) throw unreadable('its central directory is damaged');
    const method = buf.readUInt16LE(at + 10);
    const compressed = buf.readUInt32LE(at + 20);
    const local = buf.readUInt32LE(at + 42);
    at += 46 + buf.readUInt16LE(at + 28) + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== 0x04034b50) throw unreadable('an entry is damaged');
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (start + compressed > buf.length) throw unreadable('an entry is truncated');
    let size: number;
    if (method === 0) size = compressed;
    else if (method === 8) {
      try {
        // One byte over the budget is enough to know it is over: zlib stops there.
        size = inflateRawSync(buf.subarray(start, start + compressed), { maxOutputLength: budget + 1 }).length;
      } catch (err) {
        if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
        throw unreadable('an entry does not inflate');
      }
    } else throw unreadable('an entry uses an unsupported compression');
    budget -= size;
    if (budget < 0) throw tooLarge();
  }
}

function cellOf(v: ExcelJS.CellValue): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof Date) return v;
  if ('richText' in v) return v.richText.map((t) => t.text).join('');
  if ('hyperlink' in v) return v.text;
  if ('formula' in v || 'sharedFormula' in v) return v.result === undefined ? null : cellOf(v.result);
  if ('error' in v) return v.error;
  return null;
}

/** The first worksheet. Excel's dates come as Dates at UTC midnight of the day. */
export async function readXlsx(buf: Buffer, limits = XLSX_LIMITS): Promise<SheetRow[]> {
  if (buf.subarray(0, 4).equals(OLE_MAGIC)) throw new UnreadableFile('this is an old binary .xls file; save it as .xlsx');
  if (!buf.subarray(0, 4).equals(ZIP_MAGIC)) throw new UnreadableFile('not an XLSX file (an XLSX file is a zip archive)');
  assertZipWithinLimits(buf, limits);
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(buf as unknown as ExcelJS.Buffer);
  } catch (err) {
    throw new UnreadableFile(`not a readable XLSX file: ${err instanceof Error ? err.message : String(err)}`);
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new UnreadableFile('the workbook has no worksheet');
  if (sheet.actualRowCount > MAX_ROWS + 1) throw new UnreadableFile(`the sheet has ${sheet.actualRowCount} rows; at most ${MAX_ROWS} people per import`);
  const rows: SheetRow[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: Cell[] = [];
    for (let c = 1; c <= row.cellCount; c++) cells.push(cellOf(row.getCell(c).value));
    rows.push(cleanRow({ row: rowNumber, cells }));
  });
  return rows;
}
