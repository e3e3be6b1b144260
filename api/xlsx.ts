/**
 * XLSX downloads streamed to the response with exceljs's streaming WorkbookWriter: each row is written
 * and released as it comes, so an export of 100,000 rows holds one page of rows in memory, not the
 * workbook. Chinese headings, a bold frozen header row, column widths and A4 landscape so staff can print.
 */
import ExcelJS from 'exceljs';
import type { Response } from 'express';

/** The media type of an XLSX workbook. */
export const XLSX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export interface Column<R> {
  header: string;
  width: number;
  value: (row: R) => string | number | Date | null;
  /** An Excel number format, e.g. '0.0%' or 'yyyy-mm-dd'. */
  numFmt?: string;
}

export interface Sheet<R> {
  name: string;
  columns: readonly Column<R>[];
  /** Rows, or pages of rows fetched as the sheet is written. */
  rows: Iterable<R> | AsyncIterable<R>;
}

/** RFC 6266 / 5987: a Chinese file name survives every browser. */
export function attachment(fileName: string): string {
  return `attachment; filename="export.xlsx"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

// Sheets of different row types in one workbook; each sheet's columns and rows agree by construction (Sheet<R>).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function streamXlsx(res: Response, fileName: string, sheets: readonly Sheet<any>[]): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', XLSX_MEDIA_TYPE);
  res.setHeader('Content-Disposition', attachment(fileName));
  res.setHeader('Cache-Control', 'no-store');
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: res, useStyles: true, useSharedStrings: false });
  for (const s of sheets) {
    const ws = wb.addWorksheet(s.name, {
      views: [{ state: 'frozen', ySplit: 1 }],
      pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '1:1' },
    });
    ws.columns = s.columns.map((c, i) => ({ header: c.header, key: `c${i}`, width: c.width, ...(c.numFmt ? { style: { numFmt: c.numFmt } } : {}) }));
    ws.getRow(1).font = { bold: true };
    ws.getRow(1).commit();
    for await (const row of s.rows as AsyncIterable<unknown>) ws.addRow(s.columns.map((c) => c.value(row))).commit();
    ws.commit();
  }
  await wb.commit();
}
