/**
 * 揭榜出征 (redeployment) through the API, end to end: the cadres' eligibility facts imported from a CSV;
 * the list drafted, approved and published; a task changed (its applicants notified); applications (揭榜)
 * and their refusals with the rule named; the checks; the host units' rankings; the matching proposal and
 * adjustments with reasons; the department meeting's vote; the task letters (任务书) with their sha256,
 * downloaded and acknowledged; one term child per dispatched cadre started. Each refusal leaves no trace.
 */
import { createHash } from 'node:crypto';
import { strFromU8, unzipSync } from 'fflate';
import { hashPassword } from '../../api/auth';
import { addDays, chinaDateOf } from '../../domain/dates';
import { ActionLogSchema, AppUserSchema, AuditLogSchema, IdempotencyRecordSchema, PersonSchema, ProcedureSchema, RedeploymentLetterSchema } from '../../platform/entities';
import { DEMO_PASSWORD } from '../../platform/seed';
import { redeploymentTermWorkflowId } from '../../procedures/redeployment/term-messages';
import { inboxTask, newKey, traceOf, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { maybeRecordHistory } from '../helpers/histories';
import { bornAged, daysAgo, termAhead } from '../helpers/today';

const stack = useApiStack(async (t) => {
  // The cadres' own accounts: they apply, acknowledge their letter and report during the term.
  const em = t.orm.em.fork();
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  for (const [id, unitId] of [['cadre-zhang', 'wjw'], ['cadre-li', 'jyj'], ['cadre-wang', 'jyj']] as const) {
    em.create(AppUserSchema, { id, username: id, displayName: id, unitId, roles: [], passwordHash, createdAt: new Date() });
  }
  await em.flush();
});
const STAFF = 'zzb-staff';
const TODAY = chinaDateOf(new Date());

// Relative to today (helpers/today.ts): health checks within their 12 months, ages under the limit of 60, and a
// term ahead, whenever the test runs.
const HEALTH_ZHANG = daysAgo(53);
const TERM = termAhead();
const CSV = [
  '编号,姓名,出生日期,单位,现职级,任现职级时间,参加工作时间,学历,退出领导岗位时间,专业领域,体检日期,体检结论,用户账号',
  `GB9101,张伟,${bornAged(58)},wjw,正处,2015-01-01,1990-07-01,本科,2025-06-30,教育、乡村振兴,${HEALTH_ZHANG},合格,cadre-zhang`,
  `GB9102,李娜,${bornAged(56)},jyj,副处,2016-01-01,1992-07-01,硕士,2025-03-01,卫生,${daysAgo(71)},合格,`,
  `GB9103,王刚,${bornAged(55)},jyj,正处,2017-01-01,1993-07-01,本科,,教育,,,`,
].join('\n');

const task = (taskId: string, hostUnitId: string, fields: string[], o: Record<string, unknown> = {}) => ({
  taskId,
  title: `${taskId} 一线任务`,
  description: '驻村帮扶，推动乡村振兴重点项目',
  hostUnitId,
  term: TERM,
  people: 1,
  requirements: { fields, maxAge: 60 },
  goals: ['完成项目建设', '培养本地人才'],
  ...o,
});

const call = async (method: 'GET' | 'POST', path: string, user: string, body?: unknown) =>
  stack.h.call(method, path, { token: await stack.h.login(user), ...(method === 'POST' ? { key: newKey(), body } : {}) });
const command = (wf: string, body: unknown, user = STAFF) => call('POST', `/procedures/${wf}/redeployment`, user, body);

async function expectNoTrace(wf: string, refused: () => Promise<{ status: number; body: any }>, status: number, code: string, field?: string): Promise<any> {
  const before = await traceOf(stack.t, wf);
  const r = await refused();
  expect(r.status).toBe(status);
  expect(r.body.code).toBe(code);
  if (field) expect(r.body.details?.field).toBe(field);
  expect(await traceOf(stack.t, wf)).toEqual(before);
  return r.body;
}

describe('揭榜出征 over HTTP', () => {
  it('imports the eligibility facts with the people import', async () => {
    const r = await call('POST', '/people/import', STAFF, { format: 'csv', content: Buffer.from(CSV).toString('base64') });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ imported: 3, failed: 0 });
    const p = await call('GET', '/people/GB9101', STAFF);
    expect(p.body).toMatchObject({ leftLeadershipPostOn: '2025-06-30', fields: ['教育', '乡村振兴'], health: { date: HEALTH_ZHANG, result: 'fit' }, userId: 'cadre-zhang' });
    expect((await call('GET', '/people/GB9102', STAFF)).body).toMatchObject({ userId: null });
    // 用户账号 links the person to their account; an unknown account, or one linked to someone else, is a
    // row error naming the field, and the row is not imported.
    const em = stack.t.orm.em.fork();
    expect((await em.findOneOrFail(PersonSchema, { id: 'GB9101' })).userId).toBe('cadre-zhang');
    expect((await em.findOneOrFail(PersonSchema, { id: 'GB9102' })).userId).toBeNull();
    const header = CSV.split('\n')[0];
    const bad = [header, 'GB9104,赵六,1969-01-01,jyj,正处,2015-01-01,1990-07-01,本科,2025-06-30,教育,,,nobody', 'GB9105,钱七,1969-01-01,jyj,正处,2015-01-01,1990-07-01,本科,2025-06-30,教育,,,cadre-zhang'].join('\n');
    const refused = await call('POST', '/people/import', STAFF, { format: 'csv', content: Buffer.from(bad).toString('base64') });
    expect(refused.body).toMatchObject({ imported: 0, failed: 2 });
    expect(refused.body.errors.map((e: any) => [e.id, e.errors.map((x: any) => x.field)])).toEqual([
      ['GB9104', ['userId']],
      ['GB9105', ['userId']],
    ]);
    expect(await em.count(PersonSchema, { id: { $in: ['GB9104', 'GB9105'] } })).toBe(0);
  });

  it('refuses a list whose task’s term ends before it starts: 422 naming the field, nothing started', async () => {
    const listId = uniqueId('L');
    const wf = `redeployment-${listId}`;
    const r = await call('POST', '/procedures/redeployment', STAFF, { listId, title: '榜单', tasks: [task('T1', 'jyj', [], { term: { start: '2027-01-01', end: '2026-12-31' } })] });
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ code: 'invalid_task', details: { field: 'tasks[0].term.end' } });
    // A host unit master data does not have: the first such task is named.
    const unknownHost = await call('POST', '/procedures/redeployment', STAFF, { listId, title: '榜单', tasks: [task('T1', 'jyj', []), task('T2', 'nowhere', [])] });
    expect(unknownHost.body).toMatchObject({ status: 422, code: 'unknown_unit', message: 'tasks[1].hostUnitId: the unit does not exist', details: { field: 'tasks[1].hostUnitId' } });
    const em = stack.t.orm.em.fork();
    expect(await em.count(ProcedureSchema, { workflowId: wf })).toBe(0);
    await expect(stack.t.env.client.workflow.getHandle(wf).describe()).rejects.toThrow();
  });

  it('runs a list from the draft to the dispatch and starts one term per cadre', async () => {
    const listId = uniqueId('L');
    const started = await call('POST', '/procedures/redeployment', STAFF, {
      listId,
      title: '2026年第一批揭榜出征榜单',
      tasks: [task('T1', 'jyj', ['教育']), task('T2', 'wjw', ['卫生'])],
    });
    expect(started.status).toBe(201);
    const wf = started.body.workflowId as string;
    expect(wf).toBe(`redeployment-${listId}`);
    expect(started.body.stage).toBe('listApproval');

    // The department's head approves the list.
    const approval = await inboxTask(stack.h, 'zzb-head', wf, 'listApproval');
    expect((await call('POST', `/tasks/${approval}/actions`, 'zzb-head', { action: 'approve' })).body.stage).toBe('approved');
    // An application before the list is published is a stage error.
    await expectNoTrace(wf, () => command(wf, { action: 'apply', personId: 'GB9101', taskIds: ['T1'], statement: '愿赴一线' }, 'cadre-zhang'), 409, 'wrong_stage');
    const published = await command(wf, { action: 'publish', closeDate: addDays(TODAY, 10) });
    expect(published.body.stage).toBe('published');

    // A change whose term ends before it starts: 422 naming the field, nothing changes.
    await expectNoTrace(wf, () => command(wf, { action: 'changeTask', taskId: 'T1', changes: { term: { start: '2027-02-01', end: '2027-01-01' } }, reason: '调整' }), 422, 'invalid_task', 'changes.term.end');

    // Applications (揭榜): in order of preference, at most 2, by eligible cadres only.
    expect((await command(wf, { action: 'apply', personId: 'GB9101', taskIds: ['T1', 'T2'], statement: '熟悉教育工作' }, 'cadre-zhang')).status).toBe(200);
    expect((await command(wf, { action: 'apply', personId: 'GB9102', taskIds: ['T2'], statement: '医务背景' }, 'cadre-li')).status).toBe(200);
    const notEligible = await expectNoTrace(wf, () => command(wf, { action: 'apply', personId: 'GB9103', taskIds: ['T1'], statement: '愿意' }, 'cadre-wang'), 422, 'not_eligible');
    expect(notEligible.details.rule).toBe('leftLeadershipPost');
    const over = await expectNoTrace(wf, () => command(wf, { action: 'apply', personId: 'GB9102', taskIds: ['T1', 'T3x'], statement: '再报' }, 'cadre-li'), 422, 'unknown_task');
    expect(over.details.field).toBe('taskIds[1]');
    // A third task: over the limit of 2.
    expect((await command(wf, { action: 'addTask', task: task('T3', 'jyj', []), reason: '新增需求' })).status).toBe(200);
    const limit = await expectNoTrace(wf, () => command(wf, { action: 'apply', personId: 'GB9101', taskIds: ['T3'], statement: '再报' }, 'cadre-zhang'), 422, 'too_many_applications');
    expect(limit.details.rule).toBe('maxApplications');

    // A change is recorded, and the task's applicants are told.
    const changed = await command(wf, { action: 'changeTask', taskId: 'T2', changes: { people: 2 }, reason: '卫健委增加名额' });
    const t2 = changed.body.state.tasks.find((t: any) => t.taskId === 'T2');
    expect(t2).toMatchObject({ people: 2, version: 2 });
    expect(t2.changes[0]).toMatchObject({ kind: 'changed', fields: ['people'], reason: '卫健委增加名额' });
    expect([...t2.changes[0].notified].sort()).toEqual(['cadre-li', 'cadre-zhang']);
    const told = await call('GET', '/notifications', 'cadre-li');
    expect(JSON.stringify(told.body)).toContain('T2');
    expect((await command(wf, { action: 'withdrawTask', taskId: 'T3', reason: '需求取消' })).status).toBe(200);

    // The list closes early; an application after the close names the rule.
    expect((await command(wf, { action: 'closeApplications', reason: '报名人数已满足' })).body.stage).toBe('checks');
    const closed = await expectNoTrace(wf, () => command(wf, { action: 'apply', personId: 'GB9102', taskIds: ['T1'], statement: '补报' }, 'cadre-li'), 422, 'applications_closed');
    expect(closed.details.rule).toBe('applicationClose');

    // Eligibility and health checks: every predicate with its fact.
    await command(wf, { action: 'recordCheck', personId: 'GB9101', health: { date: TODAY, result: 'fit' } });
    const checked = await command(wf, { action: 'recordCheck', personId: 'GB9102', health: { date: TODAY, result: 'fit' } });
    expect(checked.body.stage).toBe('ranking');
    const checks = checked.body.state.checks as any[];
    expect(checks.map((c) => [c.personId, c.taskId, c.eligible])).toEqual([
      ['GB9101', 'T1', true],
      ['GB9101', 'T2', false],
      ['GB9102', 'T2', true],
    ]);
    expect(checks[1].results.find((r: any) => !r.passed)).toMatchObject({ predicate: 'fields', fact: 'fields=教育|乡村振兴' });

    // The checks are personnel data (issue 10 §3): GET /procedures/:workflowId shows a cadre's facts and health
    // record only to whom may read the cadre's record (组织部 staff, the cadre's own unit's staff, the cadre),
    // and logs each such read as /people does; the others see the outcomes, not the facts.
    const readLog = stack.t.orm.em.fork();
    const reads = async (user: string) =>
      (await readLog.execute<{ person_id: string }[]>(`select person_id from person_read where user_id = ? and route = '/procedures/:workflowId' order by person_id`, [user])).map((r) => r.person_id);
    const shownTo = async (user: string) => {
      const r = await call('GET', `/procedures/${wf}`, user);
      expect(r.status).toBe(200);
      const state = r.body.state as { checks: { personId: string; eligible: boolean; redacted?: boolean; results: { predicate: string; passed: boolean; fact: string; actual: string }[] }[]; health: Record<string, unknown> };
      const factsOf = (personId: string) => state.checks.filter((c) => c.personId === personId).flatMap((c) => c.results.map((x) => x.fact)).join(' ');
      return { body: JSON.stringify(r.body), zhang: factsOf('GB9101'), li: factsOf('GB9102'), health: Object.keys(state.health).sort(), state };
    };
    // The list keeps the predicates that failed (keptCheck): 张伟's fields for T2. Both health checks are kept.
    const department = await shownTo(STAFF);
    expect([department.zhang.trim(), department.li.trim(), department.health]).toEqual(['fields=教育|乡村振兴', '', ['GB9101', 'GB9102']]);
    expect(department.state.health.GB9101).toMatchObject({ date: TODAY, result: 'fit' });
    expect(await reads(STAFF)).toEqual(['GB9101', 'GB9102']);
    // The department's head approved the list, so sees it, but is no personnel staff: outcomes only, nothing logged.
    const head = await shownTo('zzb-head');
    expect(head.body).not.toMatch(/fields=|"fit"/);
    expect([head.zhang.trim(), head.li.trim(), head.health]).toEqual(['', '', []]);
    expect(head.state.checks.map((c) => [c.personId, c.eligible, c.redacted, c.results.map((x) => [x.predicate, x.passed, x.actual])])).toEqual([
      ['GB9101', true, true, []],
      ['GB9101', false, true, [['fields', false, '']]],
      ['GB9102', true, true, []],
    ]);
    expect(await reads('zzb-head')).toEqual([]);
    // 教育局 staff (a host unit) see their own cadre 李娜's health record, not 卫健委's 张伟's facts.
    const jyj = await shownTo('jyj-staff');
    expect([jyj.zhang.trim(), jyj.health]).toEqual(['', ['GB9102']]);
    expect(await reads('jyj-staff')).toEqual(['GB9102']);
    // 张伟 sees his own record's facts, not the other applicant's.
    const zhang = await shownTo('cadre-zhang');
    expect([zhang.zhang.trim(), zhang.health]).toEqual(['fields=教育|乡村振兴', ['GB9101']]);
    expect(await reads('cadre-zhang')).toEqual(['GB9101']);
    // The actions keep the facts each rule was applied to (birth date, master data's health records), and the
    // audit log repeats them: shown and logged the same way.
    const recorded = async (user: string) => {
      const actions = await call('GET', `/procedures/${wf}/actions`, user);
      const audit = await call('GET', `/procedures/${wf}/audit`, user);
      expect([actions.status, audit.status]).toEqual([200, 200]);
      return [JSON.stringify(actions.body), JSON.stringify(audit.body)];
    };
    for (const text of await recorded(STAFF)) expect([text.includes(bornAged(58)), text.includes(HEALTH_ZHANG)]).toEqual([true, true]);
    for (const text of await recorded('zzb-head')) {
      expect([text.includes(bornAged(58)), text.includes(bornAged(56)), text.includes(HEALTH_ZHANG), text.includes('"redacted":true')]).toEqual([false, false, false, true]);
    }
    const logged = await readLog.execute<{ user_id: string; route: string }[]>(`select distinct user_id, route from person_read where route like '/procedures/:workflowId/%' order by 1, 2`);
    expect(logged).toEqual([
      { user_id: STAFF, route: '/procedures/:workflowId/actions' },
      { user_id: STAFF, route: '/procedures/:workflowId/audit' },
      { user_id: STAFF, route: '/procedures/:workflowId/redeployment' },
    ]);

    // Host units rank their own tasks' applicants only.
    await expectNoTrace(wf, () => command(wf, { action: 'rank', taskId: 'T1', personIds: ['GB9101'] }, 'wjw-staff'), 403, 'not_allowed');
    await expectNoTrace(wf, () => command(wf, { action: 'runMatching' }), 422, 'rankings_incomplete');
    await command(wf, { action: 'rank', taskId: 'T1', personIds: ['GB9101'] }, 'jyj-staff');
    await command(wf, { action: 'rank', taskId: 'T2', personIds: ['GB9102'] }, 'wjw-head');

    // The matching (双向选择) as a proposal; staff adjust it with a reason per change.
    const matched = await command(wf, { action: 'runMatching' });
    expect(matched.body.stage).toBe('proposal');
    expect(matched.body.state.proposal).toMatchObject({
      pairs: [
        { taskId: 'T1', personId: 'GB9101' },
        { taskId: 'T2', personId: 'GB9102' },
      ],
      unmatchedTasks: [{ taskId: 'T2', open: 1 }],
      unmatchedCadres: [],
    });
    await expectNoTrace(wf, () => command(wf, { action: 'adjust', change: 'assign', taskId: 'T2', personId: 'GB9101', reason: '调剂' }), 422, 'invalid_adjustment', 'personId');
    await command(wf, { action: 'adjust', change: 'unassign', taskId: 'T2', personId: 'GB9102', reason: '接收单位意见复核' });
    const readjusted = await command(wf, { action: 'adjust', change: 'assign', taskId: 'T2', personId: 'GB9102', reason: '复核后维持' });
    expect(readjusted.body.state.proposal.adjustments.map((a: any) => [a.action, a.reason])).toEqual([
      ['unassign', '接收单位意见复核'],
      ['assign', '复核后维持'],
    ]);
    const proposal = await call('GET', `/procedures/${wf}/redeployment/proposal`, STAFF);
    expect(proposal.body.proposal.pairs).toHaveLength(2);

    // The department meeting votes on the matched pairs (zzb's approvers: zzb-head).
    expect((await command(wf, { action: 'submitProposal' })).body.stage).toBe('meeting');
    // At a recorded meeting: its date and attendance, and its minutes before the vote closes.
    expect((await command(wf, { action: 'openMeeting', date: TODAY, present: ['zzb-head'] })).status).toBe(200);
    expect((await command(wf, { action: 'attachMinutes', minutesRef: '部务会纪要〔2026〕1号' })).status).toBe(200);
    const vote = await inboxTask(stack.h, 'zzb-head', wf, 'meeting');
    // The state names the running step and what its tasks allow, as the console offers them.
    const atMeeting = (await call('GET', `/procedures/${wf}`, STAFF)).body.state;
    expect(atMeeting.currentStep).toMatchObject({ key: 'meeting', mode: 'vote', allowed: expect.arrayContaining(['vote']) });
    expect([...atMeeting.commands].sort()).toEqual(['attachMinutes', 'openMeeting', 'vote']);
    const voted = await call('POST', `/tasks/${vote}/actions`, 'zzb-head', {
      action: 'vote',
      ballots: [
        { candidateId: 'T1/GB9101', choice: 'agree' },
        { candidateId: 'T2/GB9102', choice: 'agree' },
      ],
    });
    expect(voted.status).toBe(200);
    expect(voted.body.stage).toBe('dispatch');

    // Task letters (任务书): generated, kept with their sha256, downloadable.
    const state = (await call('GET', `/procedures/${wf}`, STAFF)).body.state;
    expect(state.approvedPairs).toHaveLength(2);
    const letters = state.letters as any[];
    expect(letters.map((l) => l.letterId)).toEqual([`${listId}-T1-GB9101`, `${listId}-T2-GB9102`]);
    const dl = await fetch(`${stack.api.baseUrl}/procedures/${wf}/redeployment/letters/${letters[0].letterId}`, { headers: { authorization: `Bearer ${await stack.h.login('cadre-zhang')}` } });
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(dl.headers.get('content-disposition')).toBe(`attachment; filename*=UTF-8''${encodeURIComponent(`任务书-${letters[0].letterId}.docx`)}`);
    const bytes = Buffer.from(await dl.arrayBuffer());
    const bodySha256 = createHash('sha256').update(bytes).digest('hex');
    expect(dl.headers.get('x-content-sha256')).toBe(bodySha256);
    expect(letters[0].sha256).toBe(bodySha256);
    expect(letters[0].mediaType).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    const em = stack.t.orm.em.fork();
    // The hash stored with the letter, and the one the audit entry recorded, are the body's.
    expect((await em.findOneOrFail(RedeploymentLetterSchema, { id: letters[0].letterId })).sha256).toBe(bodySha256);
    const issuedEntries = await em.find(AuditLogSchema, { workflowId: wf, kind: 'letter:issued' });
    expect(issuedEntries.map((a) => a.payload)).toContainEqual(expect.objectContaining({ letterId: letters[0].letterId, sha256: bodySha256 }));
    // A DOCX (a zip) whose document names the cadre, the task and the term.
    const doc = strFromU8(unzipSync(bytes)['word/document.xml'] ?? new Uint8Array()).replace(/<[^>]+>/g, '');
    for (const s of ['任务书', '出征干部：张伟（GB9101）', 'T1 一线任务（T1）', `任期：${TERM.start} 至 ${TERM.end}`]) expect(doc).toContain(s);
    expect(await em.count(AuditLogSchema, { workflowId: wf, kind: 'letter:issued' })).toBe(2);

    // Who reads a letter: the cadre it is addressed to, the department's staff, the host unit's staff and
    // head; anyone else is told it does not exist (404, the same answer as for no letter at all).
    const download = async (user: string, letterId: string) =>
      fetch(`${stack.api.baseUrl}/procedures/${wf}/redeployment/letters/${letterId}`, { headers: { authorization: `Bearer ${await stack.h.login(user)}` } });
    for (const user of [STAFF, 'jyj-staff', 'jyj-head']) expect([user, (await download(user, letters[0].letterId)).status]).toEqual([user, 200]);
    const none = await (await download(STAFF, `${listId}-T9-GB0000`)).json();
    for (const user of ['cadre-li', 'wjw-staff', 'wjw-head', 'zzb-head', 'cadre-wang']) {
      const r = await download(user, letters[0].letterId);
      expect([user, r.status, await r.json()]).toEqual([user, 404, none]);
    }
    // The person's own account in master data reads their letter too.
    expect((await download('cadre-wang', letters[1].letterId)).status).toBe(404);
    await em.nativeUpdate(PersonSchema, { id: 'GB9102' }, { userId: 'cadre-wang' });
    expect((await download('cadre-wang', letters[1].letterId)).status).toBe(200);
    await em.nativeUpdate(PersonSchema, { id: 'GB9102' }, { userId: null });

    // Cadre and host unit acknowledge; only they can.
    await expectNoTrace(wf, () => command(wf, { action: 'acknowledge', letterId: letters[0].letterId, as: 'cadre' }, 'cadre-li'), 422, 'invalid_acknowledgement', 'as');
    await command(wf, { action: 'acknowledge', letterId: letters[0].letterId, as: 'cadre' }, 'cadre-zhang');
    await command(wf, { action: 'acknowledge', letterId: letters[0].letterId, as: 'hostUnit' }, 'jyj-head');
    await command(wf, { action: 'acknowledge', letterId: letters[1].letterId, as: 'cadre' }, 'cadre-li');
    const last = await command(wf, { action: 'acknowledge', letterId: letters[1].letterId, as: 'hostUnit' }, 'wjw-staff');
    expect(last.body.stage).toBe('terms');

    // One term child per dispatched cadre, through the fan-out.
    const terms = [redeploymentTermWorkflowId(listId, 'T1', 'GB9101'), redeploymentTermWorkflowId(listId, 'T2', 'GB9102')];
    await eventually(async () => ((await call('GET', `/procedures/${wf}/redeployment/figures`, STAFF)).body.terms.started === 2 ? true : undefined), 30_000, 'both terms started');
    for (const id of terms) expect((await stack.t.env.client.workflow.getHandle(id).describe()).type).toBe('redeploymentTerm');
    const figures = (await call('GET', `/procedures/${wf}/redeployment/figures`, STAFF)).body;
    expect(figures.terms.workflowIds).toEqual(terms);
    expect(figures.figures).toMatchObject({ applications: 3, applicants: 2, eligible: 2, matched: 2, dispatched: 2 });
    expect(figures.figures.byHostUnit.map((u: any) => [u.unitId, u.dispatched])).toEqual([
      ['jyj', 1],
      ['wjw', 1],
    ]);
    expect(await em.count(ActionLogSchema, { workflowId: wf })).toBeGreaterThan(15);
    expect(await em.count(IdempotencyRecordSchema, {})).toBeGreaterThan(0);
    await maybeRecordHistory('redeployment.json', stack.t.env.client.workflow.getHandle(wf));
  });

  it('declares the letter download in the OpenAPI document: a DOCX body with its X-Content-SHA256', async () => {
    const doc = await call('GET', '/openapi.json', STAFF);
    const ok = doc.body.paths['/procedures/{workflowId}/redeployment/letters/{letterId}']?.get?.responses?.['200'];
    expect(Object.keys(ok?.content ?? {})).toEqual(['application/vnd.openxmlformats-officedocument.wordprocessingml.document']);
    expect(ok.headers).toHaveProperty('X-Content-SHA256');
  });
});
