/** An instant as a China date and time (the department's time zone, whatever the browser's). */
export function fmt(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
}
export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleDateString('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });
}
/**
 * A person the procedure names by personnel number, as 姓名（T001）: by the names the API answers beside the
 * state (GET /procedures/:workflowId people), the number alone when it has none for them.
 */
export function personLabel(people: readonly { id: string; name: string }[] | undefined, id: string): string {
  const name = people?.find((p) => p.id === id)?.name;
  return name ? `${name}（${id}）` : id;
}
/** A deadline is the end of a China day (the next day's 00:00); shown as that day. */
export function fmtDue(iso: string | null | undefined): string {
  if (!iso) return '—';
  return fmtDate(new Date(new Date(iso).getTime() - 1).toISOString());
}
