/**
 * 任职回避 downwards, over HTTP (issue 11): a candidate whose relative leads a unit directly below the post's unit, at a
 * grade below the post's, would be that relative's direct superior, and fails positionRecusal from master data (the
 * unit tree and the relations); the shortlist refuses them. The upward direction is test/api/selection-relations.api.test.ts's.
 */
import { chinaDateOf } from '../../domain/dates';
import type { CandidateView, SelectionState } from '../../procedures/cadre-selection/messages';
import { UnitSchema } from '../../platform/entities';
import { inboxTask, newKey, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { workflowIds } from '../helpers/ids';
import { addCommittee, addPeople } from '../helpers/members';
import { monthsAgo } from '../helpers/today';

const stack = useApiStack(async (env) => {
  await addCommittee(env.orm, 'arh', 'ar', 3);
  // 市教育局基础教育科: a unit 市教育局 (jyj) leads, so the 市教育局局长 post leads its leadership.
  const em = env.orm.em.fork();
  em.create(UnitSchema, { id: 'jyj-jck', name: '市教育局基础教育科', kind: 'unit', headUserId: null, parentId: 'jyj' });
  await em.flush();
  await addPeople(env.orm, [
    // Two 副处 candidates at 市教育局 for its 正处 post; XF01's spouse heads 基础教育科 (正科), XF02's spouse is a 科员 there.
    { id: 'XF01', name: '候选一', unitId: 'jyj', currentGrade: 'deputyDivision', gradeSince: monthsAgo(60) },
    { id: 'XF02', name: '候选二', unitId: 'jyj', currentGrade: 'deputyDivision', gradeSince: monthsAgo(60) },
    { id: 'XF11', name: '科长一', unitId: 'jyj-jck', currentGrade: 'section', gradeSince: monthsAgo(60) },
    { id: 'XF12', name: '科员二', unitId: 'jyj-jck', currentGrade: 'staff', gradeSince: monthsAgo(60) },
  ]);
});

const STAFF = 'zzb-staff';
const select = async (wf: string, body: unknown) => stack.h.call('POST', `/procedures/${wf}/selection`, { token: await stack.h.login(STAFF), key: newKey(), body });
const stageOf = (wf: string, stage: string): Promise<SelectionState> =>
  eventually(async () => {
    const state = ((await stack.h.call('GET', `/procedures/${wf}`, { token: await stack.h.login(STAFF) })).body as { state?: SelectionState }).state;
    return state?.stage === stage ? state : undefined;
  }, 30_000, `${wf} at ${stage}`);

describe('任职回避: the candidate as a relative’s direct superior (a unit the post’s unit leads)', () => {
  test('a relative leading a unit below the post’s, at a grade below it, fails the candidate and the shortlist refuses them; a relative there without a leading grade does not', async () => {
    const relations = [{ personId: 'XF01', relativeId: 'XF11', relation: 'spouse' }, { personId: 'XF12', relativeId: 'XF02', relation: 'spouse' }];
    expect((await stack.h.call('PUT', '/selection/relations', { token: await stack.h.login(STAFF), key: newKey(), body: { relations } })).body).toEqual({ recorded: 2 });

    const selectionId = uniqueId('ar');
    const post = { title: '市教育局局长', unitId: 'jyj', positions: 1, targetGrade: 'division', isPartyPost: false };
    const started = await stack.h.call('POST', '/procedures/cadreSelection', {
      token: await stack.h.login(STAFF),
      key: newKey(),
      body: {
        selectionId,
        title: '市教育局局长人选',
        principles: { post, candidateScope: '全市县处级副职干部', method: 'meeting', timetable: '2026年12月底前完成' },
        principlesApprovers: { kind: 'unitHead', unitId: 'zzb' },
        committee: { kind: 'role', role: 'approver', unitId: 'arh' },
        principalId: 'ar-3',
      },
    });
    expect(started.status).toBe(201);
    const wf = workflowIds.cadreSelection(selectionId);
    const task = await inboxTask(stack.h, 'zzb-head', wf, 'principles');
    expect((await stack.h.call('POST', `/tasks/${task}/actions`, { token: await stack.h.login('zzb-head'), key: newKey(), body: { action: 'approve', comment: '同意' } })).status).toBe(200);
    await stageOf(wf, 'nomination');
    const meeting = { determined: 30, present: 25, votes: [{ personId: 'XF01', votes: 20 }, { personId: 'XF02', votes: 19 }] };
    expect((await select(wf, { action: 'recordNomination', date: chinaDateOf(new Date()), meeting })).status).toBe(200);

    const state = await stageOf(wf, 'shortlist');
    const check = (personId: string) => (state.candidates.find((c) => c.personId === personId) as CandidateView).check;
    const xf01 = check('XF01');
    expect(xf01?.results.filter((r) => r.applicable && !r.passed).map((r) => r.predicate)).toEqual(['positionRecusal']);
    expect(xf01?.results.find((r) => r.predicate === 'positionRecusal')).toMatchObject({
      passed: false,
      actual: "related to XF11 (spouse) below division in the leadership of the unit jyj-jck under the post's unit (direct subordinate, 直接下级)",
      fact: expect.stringContaining('relativesInChildUnits=XF11 (spouse, section, jyj-jck)'),
    });
    expect(check('XF02')).toMatchObject({ eligible: true });

    const refused = await select(wf, { action: 'setShortlist', personIds: ['XF01'], concentratedOpinion: '推荐意见集中' });
    expect(refused.body).toMatchObject({ status: 422, code: 'candidate_not_eligible' });
    expect(JSON.stringify(refused.body.details)).toContain('positionRecusal');
    expect((await select(wf, { action: 'setShortlist', personIds: ['XF02'], concentratedOpinion: '推荐意见集中' })).status).toBe(200);
  });
});
