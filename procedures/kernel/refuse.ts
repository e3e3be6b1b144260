import { ApplicationFailure } from '@temporalio/workflow';
import { KernelRefusal } from './messages';

/** An unpaired UTF-16 surrogate or NUL, as a pattern (the API's edge refuses these and more, api/input.ts). */
export const UNSAFE_TEXT = '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]|\\u0000';
const UNSAFE = new RegExp(UNSAFE_TEXT, 'g');

/**
 * Replaces what can stop a worker or fail a PostgreSQL write: an unpaired UTF-16 surrogate (the SDK
 * core cannot encode it, and the worker shuts down) and NUL (PostgreSQL refuses it in text).
 */
export function safeText(s: string): string {
  return s.replace(UNSAFE, '\ufffd');
}

function safeValue(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return safeText(v.length > 200 ? `${v.slice(0, 200)}…` : v);
  if (depth > 4 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.slice(0, 50).map((x) => safeValue(x, depth + 1));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [safeText(k), safeValue(x, depth + 1)]));
}

/**
 * The error an Update validator throws; its type is the stable code the API reports. The message and
 * details are made safe here, once, so a refusal can never carry a string that stops the worker.
 */
export function refuse(code: string, message: string, details?: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({
    message: safeText(message.length > 500 ? `${message.slice(0, 500)}…` : message),
    type: code,
    nonRetryable: true,
    details: details ? [safeValue(details)] : [],
  });
}

/** The path of the first string in `v` that safeText would change, or null. */
export function unsafeTextPath(v: unknown, path = '', depth = 0): string | null {
  if (typeof v === 'string') return safeText(v) === v ? null : path || 'value';
  if (depth > 32 || v === null || typeof v !== 'object') return null;
  for (const [k, x] of Array.isArray(v) ? v.entries() : Object.entries(v)) {
    const p = typeof k === 'number' ? `${path}[${k}]` : path ? `${path}.${k}` : k;
    if (typeof k === 'string' && safeText(k) !== k) return path || 'key';
    const found = unsafeTextPath(x, p, depth + 1);
    if (found) return found;
  }
  return null;
}

/**
 * Refuses input carrying a NUL or an unpaired surrogate, before anything is recorded: accepted, it
 * would fail every projection write. The message names the field, never the text.
 */
export function assertCleanText(input: unknown): void {
  const path = unsafeTextPath(input);
  if (path) throw refuse(KernelRefusal.invalidText, `${safeText(path)}: text must not contain NUL or unpaired surrogate characters`, { field: safeText(path) });
}
