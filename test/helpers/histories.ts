import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { ProcedureDescriptor } from '../../procedures/descriptor';
import { PROCEDURES } from '../../procedures/registry';

/**
 * `RECORD_HISTORIES=1 npm test -- <file>` refreshes a history that the replay test replays, into the
 * folder of the module whose descriptor lists it. Record only from code that has not yet been
 * released: v0.2.0's histories stay, and changes go behind patched().
 */
export async function maybeRecordHistory(file: string, handle: WorkflowHandle): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const owner = (PROCEDURES as readonly ProcedureDescriptor[]).find((p) => p.histories.some((h) => h.file === file));
  if (!owner) throw new Error(`no descriptor lists the history ${file}`);
  const history = await handle.fetchHistory();
  fs.mkdirSync(owner.historiesDir, { recursive: true });
  fs.writeFileSync(path.join(owner.historiesDir, file), historyToJSON(history));
}
