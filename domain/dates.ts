/**
 * Calendar-date arithmetic on YYYY-MM-DD strings. Pure and deterministic, so workflows, the
 * API and activities can all use it. Instants use China time (UTC+8, no daylight saving).
 */
export const CHINA_OFFSET = '+08:00';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isValidDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dt = new Date(Date.UTC(y, mo - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === mo - 1 && dt.getUTCDate() === d;
}

function parts(s: string): [number, number, number] {
  const m = DATE_RE.exec(s);
  if (!m) throw new RangeError(`not a YYYY-MM-DD date: ${s}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function format(dt: Date): string {
  return dt.toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = parts(date);
  return format(new Date(Date.UTC(y, m - 1, d + days)));
}

/** Adds months, clamping to the last day of the target month (2026-08-31 + 6 → 2027-02-28). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = parts(date);
  const lastDay = new Date(Date.UTC(y, m - 1 + months + 1, 0)).getUTCDate();
  return format(new Date(Date.UTC(y, m - 1 + months, Math.min(d, lastDay))));
}

export function yearOf(date: string): number {
  return parts(date)[0];
}

/** The instant a China calendar day starts. */
export function startOfChinaDay(date: string): string {
  return new Date(`${date}T00:00:00${CHINA_OFFSET}`).toISOString();
}

/**
 * The deadlines a window of China calendar days holds, as instants: a deadline is the end of its day (the
 * next day's 00:00), so due on day D is after the start of D and at most the start of D+1.
 */
export function dueWindow(from?: string, to?: string): { after?: string; upTo?: string } {
  return { ...(from ? { after: startOfChinaDay(from) } : {}), ...(to ? { upTo: startOfChinaDay(addDays(to, 1)) } : {}) };
}

/** The China calendar date of an instant. */
export function chinaDateOf(instant: Date): string {
  return format(new Date(instant.getTime() + 8 * 3600_000));
}
