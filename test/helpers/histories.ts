import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { decodePayloadsIn, payloadDataConverter } from '../../platform/payload-codec';
import type { ProcedureDescriptor } from '../../procedures/descriptor';
import { PROCEDURES } from '../../procedures/registry';

/**
 * A workflow's history with its payloads decrypted (platform/payload-codec.ts), for tests that read an
 * input or a result: the server keeps them encrypted.
 */
export async function decodedHistory(handle: WorkflowHandle): Promise<temporal.api.history.v1.IHistory> {
  const history = await handle.fetchHistory();
  await decodePayloadsIn(history, payloadDataConverter());
  return history;
}

/**
 * `RECORD_HISTORIES=1 npm test -- <file>` refreshes a history that the replay test replays, into the
 * folder of the module whose descriptor lists it. Record only from code that has not yet been
 * released: v0.2.0's histories stay, and changes go behind patched().
 */
export async function maybeRecordHistory(file: string, handle: WorkflowHandle): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const owner = (PROCEDURES as readonly ProcedureDescriptor[]).find((p) => p.histories.some((h) => h.file === file));
  if (!owner) throw new Error(`no descriptor lists the history ${file}`);
  // Recorded decrypted: a recorded history is read by people, and replays with or without a key.
  const history = await decodedHistory(handle);
  fs.mkdirSync(owner.historiesDir, { recursive: true });
  fs.writeFileSync(path.join(owner.historiesDir, file), historyToJSON(history));
}
