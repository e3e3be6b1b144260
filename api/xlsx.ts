/**
 * XLSX downloads streamed to the response with exceljs's streaming WorkbookWriter: each row is written
 * and released as it comes, so an export of 100,000 rows holds one page of rows in memory, not the
 * workbook, and no more is read while the client has not taken what was sent (backpressure, below).
 * Chinese headings, a bold frozen header row, column widths and A4 landscape so staff can print.
 */
import type { Writable } from 'node:stream';
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

/** A plain list of rows as an async iterator, like a paged source. */
async function* toAsync<R>(rows: Iterable<R>): AsyncGenerator<R> {
  yield* rows;
}

/** RFC 6266 / 5987: a Chinese file name survives every browser. */
export function attachment(fileName: string): string {
  return `attachment; filename="export.xlsx"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/**
 * Resolves once the response has drained; rejects if it closes first (the client went away), so the export
 * stops reading instead of waiting for ever.
 */
function drained(res: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (err?: Error): void => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      res.off('error', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = (): void => settle();
    const onClose = (): void => settle(new Error('the client closed the download before it was complete'));
    res.on('drain', onDrain);
    res.on('close', onClose);
    res.on('error', onClose);
  });
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
    // exceljs never pushes back: a sheet's buffer accepts every row (StreamBuf.write returns true) while the zip
    // behind it waits on a slow client, so a 100,000-row export of a slow reader piled up in memory. The
    // response is the end of that pipe: while it is full, no further row is read (the next page's query
    // included) until it drains. Checked before each row is asked for, so no row is read into a full pipe, and
    // again after each drain: the zip's own pipe resumes on the same event and may fill it at once.
    const rows = (s.rows as AsyncIterable<unknown>)[Symbol.asyncIterator]?.() ?? toAsync(s.rows as Iterable<unknown>);
    for (;;) {
      while (res.writableNeedDrain) await drained(res);
      const next = await rows.next();
      if (next.done) break;
      ws.addRow(s.columns.map((c) => c.value(next.value))).commit();
    }
    ws.commit();
  }
  await wb.commit();
}
