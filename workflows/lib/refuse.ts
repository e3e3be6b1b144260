import { ApplicationFailure } from '@temporalio/workflow';
import type { RefusalCode } from '../definitions';

/** The error an Update validator throws; its type is the stable code the API reports. */
export function refuse(code: RefusalCode, message: string, details?: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({ message, type: code, nonRetryable: true, details: details ? [details] : [] });
}
