/**
 * 回避 over HTTP (issue 11): relations are master data on people, imported with the people import (column 亲属关系,
 * CSV and XLSX; a re-import replaces a person's relations) and removed with PUT /selection/relations `remove`; 任职回避
 * fails a candidate whose relative would be their direct superior, holding a leading grade above the post's in the
 * unit that leads the post's unit (its parent in the unit tree). Also 破格's limits (outOfTurnLimits) and a
 * 个人有关事项 finding 待核实 holding completeInspection, over HTTP.
 */
import ExcelJS from 'exceljs';
import { chinaDateOf } from '../../domain/dates';
import type { CandidateView, Principles, SelectionState } from '../../procedures/cadre-selection/messages';
import { PersonRelationSchema, UnitSchema } from '../../platform/entities';
import { workflowIds } from '../helpers/ids';
import { newKey, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { addIntegritySigners } from '../helpers/selection-signers';
import { addCommittee, addPeople } from '../helpers/members';
import { monthsAgo } from '../helpers/today';
import { inspectionCommand } from '../helpers/selection';

let signers = { partySecretary: '', disciplineSecretary: '' };
const stack = useApiStack(async (env) => {
  await addCommittee(env.orm, 'rlh', 'rl', 3);
  signers = await addIntegritySigners(env.orm);
  // 市教育局人事科: a unit led by 市教育局 (jyj), whose 正科 post the 任职回避 test fills.
  const em = env.orm.em.fork();
  em.create(UnitSchema, { id: 'jyj-rsk', name: '市教育局人事科', kind: 'unit', headUserId: null, parentId: 'jyj' });
  await em.flush();
  await addPeople(env.orm, [
    // 破格: promoted half a year ago; promoted out of turn two years ago; 副处 for a year and a half (short of the 2 years a deputy needs).
    { id: 'PG01', name: '破格一', gradeSince: monthsAgo(6) },
    { id: 'PG02', name: '破格二', gradeSince: monthsAgo(24), lastPromotionOutOfTurn: true },
    { id: 'PG03', name: '破格三', gradeSince: monthsAgo(18) },
    // 待核实: an ordinary 副处 with 5 years in the grade.
    { id: 'HM01', name: '核实一', gradeSince: monthsAgo(60) },
  ]);
});

const STAFF = 'zzb-staff';
const b64 = (s: string | Buffer): string => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s).toString('base64');
const today = (): string => chinaDateOf(new Date());

async function importPeople(file: { format: 'csv' | 'xlsx'; content: string }, user = STAFF) {
  return stack.h.call('POST', '/people/import', { token: await stack.h.login(user), key: newKey(), body: file });
}
/** The relations stored for people whose id starts with `prefix`, as `a-b:relation` (stored either way round). */
async function relationsOf(prefix: string): Promise<string[]> {
  const rows = await stack.t.orm.em.fork().find(PersonRelationSchema, { $or: [{ personId: { $like: `${prefix}%` } }, { relativeId: { $like: `${prefix}%` } }] });
  return rows.map((r) => `${[r.personId, r.relativeId].sort().join('-')}:${r.relation}`).sort();
}

const HEADER = '编号,姓名,出生日期,单位,现职级,任现职级时间,参加工作时间,学历,亲属关系';
const person = (id: string, relatives: string, unit = 'jyj', grade = '副科', since = '2019-07-01') => `${id},王${id.slice(-1)},1980-05-01,${unit},${grade},${since},2003-07-01,本科,${relatives}`;
const csv = (...rows: string[]) => ({ format: 'csv' as const, content: b64([HEADER, ...rows].join('\n')) });

describe('relations imported with the people (column 亲属关系)', () => {
  test('rows list their relatives by 编号 and relation; a bad entry is a row error naming the row and the column, never the cell; a re-import replaces them', async () => {
    const file = csv(
      person('XA01', 'XA02:配偶'),
      person('XA02', ''),
      // An unknown relative (not in master data, not in the file): the whole row is refused.
      person('XA03', 'XA01:三代以内旁系血亲;XA99:配偶'),
      person('XA04', 'XA04:近姻亲'),
      person('XA05', 'XA01:朋友'),
      // A relative imported by this file, and the API's key for the relation.
      person('XA06', 'XA02:directBlood'),
    );
    const r = await importPeople(file);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ total: 6, imported: 3, updated: 0, unchanged: 0, failed: 3 });
    expect(r.body.errors).toEqual([
      { row: 4, id: 'XA03', errors: [{ field: 'relations', column: '亲属关系', message: 'entry 2: no person in master data or imported by this file has this 编号' }] },
      { row: 5, id: 'XA04', errors: [{ field: 'relations', column: '亲属关系', message: 'entry 1 relates the person to themself' }] },
      { row: 6, id: 'XA05', errors: [{ field: 'relations', column: '亲属关系', message: expect.stringMatching(/^entry 1: the relation is not one of 配偶 \(spouse\)/) }] },
    ]);
    // The cells are not quoted.
    expect(JSON.stringify(r.body)).not.toMatch(/XA99|朋友/);
    expect(await relationsOf('XA')).toEqual(['XA01-XA02:spouse', 'XA02-XA06:directBlood']);

    // The same file again: nothing changes.
    expect((await importPeople(file)).body).toMatchObject({ imported: 0, updated: 0, unchanged: 3, failed: 3 });

    // XA01's cell now blank and XA02's naming XA06 as 近姻亲: XA01–XA02 is removed, XA02–XA06 replaced. A person's relations
    // are the pairs any row lists, so XA06 (whose row still says directBlood) contradicts it: XA06's row, the later one, fails.
    const changed = await importPeople(csv(person('XA01', ''), person('XA02', 'XA06:近姻亲'), person('XA06', 'XA02:directBlood')));
    expect(changed.body).toMatchObject({
      updated: 2,
      unchanged: 0,
      failed: 1,
      errors: [{ row: 4, id: 'XA06', errors: [{ field: 'relations', column: '亲属关系', message: 'entry 1: row 3 gives the same two people another relation' }] }],
    });
    expect(await relationsOf('XA')).toEqual(['XA02-XA06:inLaw']);

    // A file without the column leaves the relations as they were.
    const without = [HEADER.replace(/,亲属关系$/, ''), person('XA02', '').replace(/,$/, '')].join('\n');
    expect((await importPeople({ format: 'csv', content: b64(without) })).body).toMatchObject({ unchanged: 1, failed: 0 });
    expect(await relationsOf('XA')).toEqual(['XA02-XA06:inLaw']);
  });

  test('an XLSX with the column imports relations the same way', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('名册');
    ws.addRow(['编号', '姓名', '出生日期', '单位', '现职级', '任现职级时间', '参加工作时间', '学历', '亲属关系']);
    ws.addRow(['XB01', '冯刚', new Date(Date.UTC(1979, 6, 1)), 'jyj', '副处', new Date(Date.UTC(2018, 0, 2)), '2000/8/1', '本科', 'XB02：配偶；XB03:直系血亲']);
    ws.addRow(['XB02', '何琳', new Date(Date.UTC(1981, 3, 9)), 'wjw', '正科', new Date(Date.UTC(2019, 5, 30)), '2003/7/1', '本科', null]);
    ws.addRow(['XB03', '冯小', new Date(Date.UTC(2001, 3, 9)), 'wjw', '科员', new Date(Date.UTC(2023, 6, 1)), '2023/7/1', '本科', 'XB01:直系血亲']);
    ws.addRow(['XB04', '冯大', new Date(Date.UTC(1975, 3, 9)), 'wjw', '科员', new Date(Date.UTC(2023, 6, 1)), '2003/7/1', '本科', 'XB01:朋友']);
    const r = await importPeople({ format: 'xlsx', content: Buffer.from(await wb.xlsx.writeBuffer()).toString('base64') });
    expect(r.body).toMatchObject({ imported: 3, failed: 1, errors: [{ row: 5, id: 'XB04', errors: [{ field: 'relations', column: '亲属关系' }] }] });
    expect(JSON.stringify(r.body)).not.toContain('朋友');
    // XB03 lists XB01 as XB01 lists XB03: one pair.
    expect(await relationsOf('XB')).toEqual(['XB01-XB02:spouse', 'XB01-XB03:directBlood']);
  });

  test('a refused row’s new person is nobody’s relative: a row naming them fails in turn, and a row naming that one too', async () => {
    // XG01 is refused (a relation 朋友); XG02 names XG01, XG03 names XG02: each is refused, none is imported, no 500.
    const r = await importPeople(csv(person('XG03', 'XG02:配偶'), person('XG01', 'XG09:朋友'), person('XG02', 'XG01:直系血亲'), person('XG04', 'XG05:配偶'), person('XG05', '')));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ imported: 2, failed: 3 });
    const unknown = (row: number, id: string) => ({ row, id, errors: [{ field: 'relations', column: '亲属关系', message: 'entry 1: no person in master data or imported by this file has this 编号' }] });
    expect(r.body.errors).toEqual([unknown(2, 'XG03'), { row: 3, id: 'XG01', errors: [expect.objectContaining({ field: 'relations' })] }, unknown(4, 'XG02')]);
    expect(await relationsOf('XG')).toEqual(['XG04-XG05:spouse']);
  });

  test('only the organization department’s staff import the column: a unit’s file with it is refused whole (403 naming the column)', async () => {
    const refused = await importPeople(csv(person('XC01', '')), 'jyj-staff');
    expect(refused.body).toMatchObject({ status: 403, code: 'forbidden', details: { field: 'content', column: '亲属关系', rule: 'relations.department' } });
    expect(refused.body.message).toMatch(/^content: the column 亲属关系 \(relations\) is recorded by the organization department’s staff \(组织部\) only/);
    const without = [HEADER.replace(/,亲属关系$/, ''), person('XC01', '').replace(/,$/, '')].join('\n');
    expect((await importPeople({ format: 'csv', content: b64(without) }, 'jyj-staff')).body).toMatchObject({ imported: 1, failed: 0 });
  });
});

describe('PUT /selection/relations removes with `remove`', () => {
  test('a pair is removed whichever way round it was recorded; unknown people and a pair both recorded and removed are refused', async () => {
    const token = await stack.h.login(STAFF);
    const put = async (body: unknown) => (await stack.h.call('PUT', '/selection/relations', { token, key: newKey(), body })).body;
    expect(await importPeople(csv(person('XD01', ''), person('XD02', ''), person('XD03', '')))).toMatchObject({ status: 200 });
    expect(await put({ relations: [{ personId: 'XD01', relativeId: 'XD02', relation: 'spouse' }, { personId: 'XD01', relativeId: 'XD03', relation: 'inLaw' }] })).toEqual({ recorded: 2 });
    expect(await put({ remove: [{ personId: 'XD02', relativeId: 'XD01' }] })).toEqual({ recorded: 0, removed: 1 });
    expect(await relationsOf('XD')).toEqual(['XD01-XD03:inLaw']);
    expect(await put({ remove: [{ personId: 'XD02', relativeId: 'XD01' }] })).toEqual({ recorded: 0, removed: 0 });
    expect(await put({ remove: [{ personId: 'NOPE', relativeId: 'XD01' }] })).toMatchObject({ status: 422, code: 'unknown_person', details: { field: 'remove[0].personId' } });
    const both = await put({ relations: [{ personId: 'XD01', relativeId: 'XD03', relation: 'spouse' }], remove: [{ personId: 'XD03', relativeId: 'XD01' }] });
    expect(both).toMatchObject({ status: 400, code: 'validation_error' });
    expect(JSON.stringify(both)).toMatch(/remove\[0\]|remove\.0/);
    expect(await put({})).toMatchObject({ status: 400, code: 'validation_error' });
    expect(await relationsOf('XD')).toEqual(['XD01-XD03:inLaw']);
  });
});

// --- a selection, up to the shortlist --------------------------------------------------------------------------------

type Post = Principles['post'];
async function act(wf: string, body: unknown) {
  return stack.h.call('POST', `/procedures/${wf}/selection`, { token: await stack.h.login(STAFF), key: newKey(), body });
}
async function stateOf(wf: string): Promise<SelectionState | undefined> {
  return ((await stack.h.call('GET', `/procedures/${wf}`, { token: await stack.h.login(STAFF) })).body as { state?: SelectionState }).state;
}
const untilStage = (wf: string, stage: string): Promise<SelectionState> =>
  eventually(async () => {
    const s = await stateOf(wf);
    return s?.stage === stage ? s : undefined;
  }, 30_000, `${wf} at ${stage}`);
const cand = (s: SelectionState, personId: string): CandidateView => s.candidates.find((c) => c.personId === personId) as CandidateView;
const failed = (c: CandidateView): string[] => c.check?.results.filter((r) => r.applicable && !r.passed).map((r) => r.predicate) ?? [];

/** A selection for `post`, its principles approved, the candidates recommended by a meeting: at the shortlist. */
async function nominated(post: Partial<Post>, personIds: string[]): Promise<string> {
  const selectionId = uniqueId('rl');
  const principles: Principles = {
    post: { title: '市教育局局长', unitId: 'jyj', positions: 1, targetGrade: 'division', isPartyPost: false, ...post },
    candidateScope: '全市干部',
    method: 'meeting',
    timetable: '2026年12月底前完成',
  };
  const started = await stack.h.call('POST', '/procedures/cadreSelection', {
    token: await stack.h.login(STAFF),
    key: newKey(),
    body: { selectionId, title: '人选', principles, principlesApprovers: { kind: 'unitHead', unitId: 'zzb' }, committee: { kind: 'role', role: 'approver', unitId: 'rlh' }, principalId: 'rl-3' },
  });
  expect(started.status).toBe(201);
  const wf = workflowIds.cadreSelection(selectionId);
  const taskId = await eventually(async () => {
    const inbox = (await stack.h.call('GET', '/inbox', { token: await stack.h.login('zzb-head') })).body as { id: string; workflowId: string; step: string }[];
    return inbox.find((t) => t.workflowId === wf && t.step === 'principles')?.id;
  }, 30_000, 'the principles task');
  expect((await stack.h.call('POST', `/tasks/${taskId}/actions`, { token: await stack.h.login('zzb-head'), key: newKey(), body: { action: 'approve', comment: '同意' } })).status).toBe(200);
  await untilStage(wf, 'nomination');
  const meeting = { determined: 30, present: 25, votes: personIds.map((personId, i) => ({ personId, votes: 20 - i })) };
  expect((await act(wf, { action: 'recordNomination', date: today(), meeting })).status).toBe(200);
  await untilStage(wf, 'shortlist');
  return wf;
}

describe('任职回避: a relative as the direct superior (the unit leading the post’s unit)', () => {
  test('a relative holding a leading grade above the post’s in the parent unit fails the candidate; one at the post’s grade there does not', async () => {
    // The post: 正科 in 市教育局人事科 (jyj-rsk), led by 市教育局 (jyj). Its candidates are 副科 there; their spouses are in jyj,
    // one 副处 (above 正科: leads the post), one 正科 (the post's grade: does not). Relations come with the people import.
    const imported = await importPeople(
      csv(
        person('XE01', 'XE11:配偶', 'jyj-rsk', '副科', monthsAgo(60)),
        person('XE02', 'XE12:配偶', 'jyj-rsk', '副科', monthsAgo(60)),
        person('XE11', '', 'jyj', '副处', monthsAgo(60)),
        person('XE12', '', 'jyj', '正科', monthsAgo(60)),
      ),
    );
    expect(imported.body).toMatchObject({ imported: 4, failed: 0 });
    const wf = await nominated({ title: '市教育局人事科科长', unitId: 'jyj-rsk', targetGrade: 'section' }, ['XE01', 'XE02']);
    const s = await stateOf(wf);
    const xe01 = cand(s!, 'XE01');
    expect(failed(xe01)).toEqual(['positionRecusal']);
    const recusal = xe01.check?.results.find((r) => r.predicate === 'positionRecusal');
    expect(recusal).toMatchObject({ passed: false, actual: 'related to XE11 (spouse) above section in the leadership of the parent unit jyj (direct superior)' });
    expect(recusal?.fact).toContain('relativesInParentUnit=XE11 (spouse, deputyDivision, jyj)');
    expect(cand(s!, 'XE02').check).toMatchObject({ eligible: true });
    const refused = await act(wf, { action: 'setShortlist', personIds: ['XE01'], concentratedOpinion: '推荐意见集中' });
    expect(refused.body).toMatchObject({ status: 422, code: 'candidate_not_eligible' });
    expect(JSON.stringify(refused.body.details)).toContain('positionRecusal');
    expect((await act(wf, { action: 'setShortlist', personIds: ['XE02'], concentratedOpinion: '推荐意见集中' })).status).toBe(200);
  });
});

describe('破格 (outOfTurnLimits) over HTTP', () => {
  test('promoted less than a year ago, or out of turn last time too, fails; a short tenure otherwise is waived with the consent', async () => {
    const consentRef = '省委组织部〔2026〕12号';
    const wf = await nominated({ outOfTurn: { consentRef } }, ['PG01', 'PG02', 'PG03']);
    const s = await stateOf(wf);
    expect(failed(cand(s!, 'PG01'))).toContain('outOfTurnLimits');
    expect(cand(s!, 'PG01').check?.results.find((r) => r.predicate === 'outOfTurnLimits')?.actual).toMatch(/^提拔任职不满一年: promoted on /);
    expect(failed(cand(s!, 'PG02'))).toEqual(['outOfTurnLimits']);
    expect(cand(s!, 'PG02').check?.results.find((r) => r.predicate === 'outOfTurnLimits')?.actual).toMatch(/^连续破格/);
    expect(cand(s!, 'PG03').check).toMatchObject({ eligible: true });
    expect(cand(s!, 'PG03').check?.results.find((r) => r.predicate === 'minYearsAsDeputy')?.actual).toContain(`破格: waived with the prior consent ${consentRef}`);
    for (const personId of ['PG01', 'PG02']) {
      const refused = await act(wf, { action: 'setShortlist', personIds: [personId], concentratedOpinion: '推荐意见集中' });
      expect(refused.body).toMatchObject({ status: 422, code: 'candidate_not_eligible' });
      expect(JSON.stringify(refused.body.details)).toContain('outOfTurnLimits');
    }
    expect((await act(wf, { action: 'setShortlist', personIds: ['PG03'], concentratedOpinion: '推荐意见集中' })).status).toBe(200);
  });
});

describe('个人有关事项 待核实 holds the candidate', () => {
  test('a personalMatters finding pending refuses completeInspection (422 check_pending) until it is recorded again', async () => {
    const wf = await nominated({}, ['HM01']);
    expect((await act(wf, { action: 'setShortlist', personIds: ['HM01'], concentratedOpinion: '推荐意见集中' })).status).toBe(200);
    await untilStage(wf, 'inspection');
    const inspection = inspectionCommand(['HM01']);
    expect((await act(wf, inspection)).status).toBe(200);
    for (const check of ['personnelFile', 'disciplineOpinion', 'complaints']) {
      expect((await act(wf, { action: 'recordCheck', personId: 'HM01', check, result: 'clear' })).status).toBe(200);
    }
    expect((await act(wf, { action: 'recordCheck', personId: 'HM01', check: 'personalMatters', result: 'pending', finding: 'pending', note: '房产信息待核实' })).status).toBe(200);
    expect((await act(wf, { action: 'signIntegrity', personId: 'HM01', as: 'partySecretary', signedBy: signers.partySecretary })).status).toBe(200);
    expect((await act(wf, { action: 'signIntegrity', personId: 'HM01', as: 'disciplineSecretary', signedBy: signers.disciplineSecretary })).status).toBe(200);
    const held = await act(wf, { action: 'completeInspection' });
    expect(held.body).toMatchObject({ status: 422, code: 'check_pending', details: { personId: 'HM01', pending: ['personalMatters'], rule: 'fourMusts.pending' } });
    expect((await stateOf(wf))?.stage).toBe('inspection');
    expect((await act(wf, { action: 'recordCheck', personId: 'HM01', check: 'personalMatters', result: 'clear', finding: 'consistent' })).status).toBe(200);
    expect((await act(wf, { action: 'completeInspection' })).status).toBe(200);
    await untilStage(wf, 'decision');
  });
});
