/**
 * The edge's rule for every string a request carries (body, path and query, keys included): valid
 * Unicode text, with no NUL, no noncharacter U+FFFE/U+FFFF and no control character (C0 or C1) but tab
 * and newline (CR only before LF). Applied once, by the route declaration (api/http.ts), before anything
 * else reads the request, so a new route cannot forget it; the workflows still sanitise what they put
 * into a failure (procedures/kernel/refuse.ts).
 * JSON nesting is bounded before anything recurses over it (the idempotency fingerprint, zod).
 */
import { UNSAFE_TEXT } from '../procedures/kernel/refuse';

/** Deeper than any request body the API declares. */
export const MAX_DEPTH = 32;

// C1 controls (U+0080–U+009F) are refused like C0: none is text, and U+009B is a terminal's CSI, as
// ESC [ is. U+FFFE and U+FFFF are noncharacters: a U+FFFE is what a byte-swapped BOM reads as.
const BAD_TEXT = new RegExp(`${UNSAFE_TEXT}|[\\u0001-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\ufffe\\uffff]|\\r(?!\\n)`);

/**
 * Whether a string passes the edge's rule. The file importers apply it to every cell they read
 * (platform/spreadsheet.ts), since a file's contents are input too, only inside one base64 string.
 */
export const isCleanText = (s: string): boolean => !BAD_TEXT.test(s);

export interface InputProblem {
  code: 'invalid_text' | 'too_deep';
  /** Where, as a path within the part of the request (`steps[0].title`), as zod names fields; never the text itself. */
  field: string;
}

// A path is built from the request's own keys: bounded, so a message never carries a long one.
const join = (path: string, key: string | number): string => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key).slice(0, 200);

/**
 * The first problem in `value` (one part of a request: `where`), or null. Iterative, so no input can
 * overflow the stack. A problem at the part's root is named by the part.
 */
export function inputProblem(value: unknown, where: string): InputProblem | null {
  const p = firstProblem(value);
  return p && { ...p, field: p.field || where };
}

function firstProblem(value: unknown): InputProblem | null {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop() as { v: unknown; path: string; depth: number };
    if (typeof v === 'string') {
      if (BAD_TEXT.test(v)) return { code: 'invalid_text', field: path };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_DEPTH) return { code: 'too_deep', field: path };
    const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    // Reversed, so the first offending field in document order is the one named.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, x] = entries[i] as [string | number, unknown];
      if (typeof k === 'string' && BAD_TEXT.test(k)) return { code: 'invalid_text', field: path };
      stack.push({ v: x, path: join(path, k), depth: depth + 1 });
    }
  }
  return null;
}

/** The message for a problem: it names the field, never the text (which may itself be hostile). */
export function inputMessage(p: InputProblem): string {
  return p.code === 'too_deep'
    ? `${p.field}: nested deeper than ${MAX_DEPTH} levels`
    : `${p.field}: text must be valid Unicode without NUL or control characters (tab and newline allowed)`;
}
