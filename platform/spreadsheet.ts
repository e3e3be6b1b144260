/**
 * Reads uploaded spreadsheets into rows of cells (domain/people-import.ts validates them): CSV with
 * csv-parse, XLSX with exceljs. Row numbers are the ones the user sees in the sheet.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
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
  return records.map((cells, i) => ({ row: i + 1, cells }));
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
export async function readXlsx(buf: Buffer): Promise<SheetRow[]> {
  if (buf.subarray(0, 4).equals(OLE_MAGIC)) throw new UnreadableFile('this is an old binary .xls file; save it as .xlsx');
  if (!buf.subarray(0, 4).equals(ZIP_MAGIC)) throw new UnreadableFile('not an XLSX file (an XLSX file is a zip archive)');
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
    rows.push({ row: rowNumber, cells });
  });
  return rows;
}
