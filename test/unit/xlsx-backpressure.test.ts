/**
 * A streamed XLSX export waits for a slow client (api/xlsx.ts): no row is read from its source while the
 * response is full, and the workbook still comes out whole. The client here takes each chunk only on a later
 * turn of the event loop, so the writer outpaces it; nothing is timed.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Response } from 'express';
import { streamXlsx } from '../../api/xlsx';

/** A response whose client reads slowly: each chunk is taken on a later turn, from a 4 KiB buffer. */
class SlowResponse extends Writable {
  readonly chunks: Buffer[] = [];
  constructor() {
    super({ highWaterMark: 4096 });
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.chunks.push(chunk);
    setImmediate(done);
  }
  status(): this {
    return this;
  }
  setHeader(): this {
    return this;
  }
}

const ROWS = 6000;

test('an export into a slow response reads no row while the response is full, and is complete', async () => {
  const res = new SlowResponse();
  let pulled = 0;
  let pulledIntoFullResponse = 0;
  let sawFull = false;
  // Pages of rows as a query would give them (a page's first row waits for its query); random text, so the
  // zip cannot shrink them to nothing. Each row is checked when it is asked for.
  async function* rows(): AsyncGenerator<{ n: number; text: string }> {
    for (let page = 0; page < ROWS / 500; page++) {
      for (let i = 0; i < 500; i++) {
        if (res.writableNeedDrain) pulledIntoFullResponse += 1;
        if (i === 0) await new Promise((resolve) => setImmediate(resolve));
        // The writer must come to a full response at all, or this test would show nothing.
        sawFull ||= res.writableNeedDrain;
        pulled += 1;
        yield { n: pulled, text: randomBytes(48).toString('base64') };
      }
    }
  }
  const finished = new Promise((resolve) => res.on('finish', resolve));
  await streamXlsx(res as unknown as Response, 'test.xlsx', [
    {
      name: '明细',
      rows: rows(),
      columns: [
        { header: '序号', width: 8, value: (r: { n: number }) => r.n },
        { header: '内容', width: 70, value: (r: { text: string }) => r.text },
      ],
    },
  ]);
  await finished;

  expect(pulled).toBe(ROWS);
  expect(sawFull).toBe(true);
  expect(pulledIntoFullResponse).toBe(0);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.concat(res.chunks) as unknown as ExcelJS.Buffer);
  const ws = wb.getWorksheet('明细');
  expect(ws?.rowCount).toBe(ROWS + 1);
  expect(ws?.getRow(ROWS + 1).getCell(1).value).toBe(ROWS);
});
