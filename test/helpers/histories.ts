import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

/**
 * `RECORD_HISTORIES=1 npm test -- <file>` refreshes the histories that test/workflows/replay.test.ts
 * replays. Record only from code that has not yet run in production: once a version has shipped,
 * its histories stay, and changes go behind patched().
 */
export async function maybeRecordHistory(name: string, handle: WorkflowHandle): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await handle.fetchHistory();
  fs.writeFileSync(path.join(__dirname, '..', 'histories', `${name}.json`), historyToJSON(history));
}
