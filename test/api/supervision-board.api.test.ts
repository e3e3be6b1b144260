/**
 * The supervision board (督查看板) over HTTP: groups by unit × stage × type, days overdue in working
 * days, rungs, assignees, the due window and the filters; who may see it; bad filters.
 */
import { boardItems } from '../../platform/board';
import { useApiStack } from '../helpers/api';
import { uniqueId } from '../helpers/env';
import { dueInWorkingDays, setDue, startItem } from '../helpers/supervision';

const stack = useApiStack();

describe('the supervision board', () => {
  let overdueWf: string;
  let soonWf: string;

  beforeAll(async () => {
    overdueWf = await startItem(stack.h, uniqueId('fb'), 'jyj');
    soonWf = await startItem(stack.h, uniqueId('fb'), 'wjw');
    await setDue(stack.t, overdueWf, dueInWorkingDays(-3), { overdue: true, rung: 'warning' });
    await setDue(stack.t, soonWf, dueInWorkingDays(2), { overdue: false });
  });

  test('groups overdue and soon-due work by unit × stage × type, with days overdue in working days, the rung and the assignees', async () => {
    const token = await stack.h.login('dc-supervisor');
    const r = await stack.h.call('GET', '/supervision/board', { token });
    expect(r.status).toBe(200);
    expect(r.body.totals).toEqual({ items: 2, overdue: 1 });
    // Oldest due first: the overdue item's group, then the soon-due one.
    expect(r.body.groups).toEqual([
      {
        unitId: 'jyj',
        type: 'rectificationItem',
        stage: 'submit',
        items: 1,
        overdue: 1,
        watched: 0,
        rungs: { none: 0, supervisionNotice: 0, warning: 1, accountability: 0 },
        highestRung: 'warning',
        oldest: { workflowId: overdueWf, title: expect.any(String), dueAt: dueInWorkingDays(-3).toISOString(), daysOverdue: 3 },
        assigneeIds: ['jyj-staff'],
        assigneeCount: 1,
      },
      expect.objectContaining({ unitId: 'wjw', type: 'rectificationItem', stage: 'submit', items: 1, overdue: 0, highestRung: 'none', assigneeIds: ['wjw-staff'] }),
    ]);
    expect(r.body.groups[1].oldest).toMatchObject({ workflowId: soonWf, daysOverdue: 0 });
  });

  test('filters: due window, unit, type, rung', async () => {
    const token = await stack.h.login('dc-supervisor');
    const units = async (q: string) => ((await stack.h.call('GET', `/supervision/board?${q}`, { token })).body.groups as { unitId: string }[]).map((g) => g.unitId);
    // Due in 2 working days: outside a 1-day window, inside a 2-day one.
    expect(await units('dueWithin=1')).toEqual(['jyj']);
    expect(await units('dueWithin=2')).toEqual(['jyj', 'wjw']);
    expect(await units('unit=wjw')).toEqual(['wjw']);
    expect(await units('rung=warning')).toEqual(['jyj']);
    expect(await units('rung=none')).toEqual(['wjw']);
    expect(await units('type=approvalRequest')).toEqual([]);
    expect(await units('watched=true')).toEqual([]);
  });

  test('for supervisors only (api/authz.ts); a bad filter is a 400 naming it', async () => {
    const other = await stack.h.call('GET', '/supervision/board', { token: await stack.h.login('jyj-head') });
    expect(other.status).toBe(403);
    const token = await stack.h.login('dc-supervisor');
    for (const [q, field] of [
      ['dueWithin=-1', 'dueWithin'],
      ['dueWithin=abc', 'dueWithin'],
      ['type=nope', 'type'],
      ['rung=high', 'rung'],
      ['colour=red', 'query'],
    ] as const) {
      const r = await stack.h.call('GET', `/supervision/board?${q}`, { token });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ status: 400, code: 'validation_error' });
      expect(r.body.message.startsWith(`${field}`)).toBe(true);
    }
  });

  test('/metrics: HTTP by route and status, open work and overdue by rung, for supervisors (or the METRICS_TOKEN)', async () => {
    expect((await stack.h.call('GET', '/metrics')).status).toBe(401);
    expect((await stack.h.call('GET', '/metrics', { token: await stack.h.login('jyj-head') })).status).toBe(403);
    const token = await stack.h.login('dc-supervisor');
    await stack.h.call('GET', '/supervision/board', { token });
    const r = await stack.h.call('GET', '/metrics', { token });
    expect(r.status).toBe(200);
    const text = r.body as string;
    expect(text).toMatch(/^tingjin_http_requests_total\{method="GET",route="\/supervision\/board",status="200"\} [1-9]/m);
    expect(text).toMatch(/^tingjin_http_request_duration_seconds_count\{method="GET",route="\/supervision\/board",status="200"\} [1-9]/m);
    expect(text).toMatch(/^tingjin_overdue_procedures\{type="rectificationItem",rung="warning"\} 1$/m);
    expect(text).toMatch(/^tingjin_open_tasks\{type="rectificationItem",stage="submit"\} 2$/m);
    expect(text).toMatch(/^tingjin_open_procedures\{type="rectificationItem",stage="submit"\} 2$/m);
  });
});

test('the items are paged in full when several are due within one millisecond (PostgreSQL keeps microseconds, the cursor milliseconds)', async () => {
  const unit = uniqueId('unit');
  const conn = stack.t.orm.em.fork().getConnection();
  const ids = [1, 2, 3, 4, 5].map((n) => `${unit}-wf-${n}`);
  for (const [n, id] of ids.entries()) {
    await conn.execute(
      `insert into procedure (workflow_id, type, title, unit_ids, status, stage, overdue, due_at, started_by, started_at, updated_at)
       values (?, 'rectificationItem', ?, array[?], 'open', 'submit', true, timestamptz '2026-11-02 01:00:00.000100+00' + ? * interval '1 microsecond', 'zzb-staff', now(), now())`,
      [id, id, unit, n * 100],
    );
    await conn.execute(`insert into task (id, workflow_id, procedure_type, step, seq, round, assignee_ids, status, opened_at) values (?, ?, 'rectificationItem', 'submit', 1, 1, '{jyj-staff}', 'pending', now())`, [`${id}:1`, id]);
  }
  const pages: string[][] = [];
  let after: { dueAt: Date; workflowId: string } | undefined;
  for (let i = 0; i < 5; i++) {
    const page = await boardItems(stack.t.orm.em.fork(), { dueWithin: 0, unit }, 2, new Date(), after);
    pages.push(page.map((p) => p.workflowId));
    const last = page.at(-1);
    if (!last || page.length < 2) break;
    after = { dueAt: last.dueAt, workflowId: last.workflowId };
  }
  expect(pages).toEqual([ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)]);
});
