/**
 * Cadre selection (干部选拔任用) through the API, all seven stages, with the regulation's rules
 * refusing what they must. The public notice and the probation run on a compressed clock here
 * (the two calendar activities are replaced); production computes them from the calendar.
 */
import { addDays, addMonths, chinaDateOf } from '../../domain/dates';
import { workflowIds } from '../helpers/ids';
import { inboxTask as inboxTaskOf, newKey, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { maybeRecordHistory } from '../helpers/histories';
import { addIntegritySigners } from '../helpers/selection-signers';
import { addCommittee, addPeople } from '../helpers/members';
import { monthsAgo } from '../helpers/today';

let committee: string[] = [];
const T003_SINCE = monthsAgo(18);
/** What the workflow asked the (fake) public-notice calendar activity, in order. */
const noticeAsked: { fromDate: string; workingDays: number }[] = [];

let signers = { partySecretary: '', disciplineSecretary: '' };
const stack = useApiStack(
  async (env) => {
    committee = await addCommittee(env.orm, 'cwh', 'cw', 9);
    signers = await addIntegritySigners(env.orm);
    await addPeople(env.orm, [
      { id: 'T001', name: '张明', gradeSince: '2021-03-01', currentPost: '市教育局副局长' },
      { id: 'T002', name: '李华', gradeSince: '2022-09-01' },
      // Only a year and a half as 副处 (counted from today, so whenever the test runs): short of the 2 years a deputy needs before a principal post.
      { id: 'T003', name: '王强', gradeSince: T003_SINCE },
      // 正科 → 正处 would be two levels at once.
      { id: 'T004', name: '赵磊', currentGrade: 'section', gradeSince: '2018-01-01' },
      // 4 years as 副处, but under a 诫勉 (影响期) recorded in the test below; born 1975 (51 at the cut-off, over a limit of 50).
      { id: 'T005', name: '钱坤', gradeSince: '2022-09-01', birthDate: '1975-03-01' },
    ]);
  },
  {
    computeNoticePeriod: async (input: { fromDate: string; workingDays: number }) => {
      noticeAsked.push(input);
      return { startDate: '2026-11-26', endDate: '2026-12-02', endsAt: new Date(Date.now() + 1_500).toISOString(), workingDays: 5 };
    },
    computeProbationEnd: async () => new Date(Date.now() + 500).toISOString(),
  },
);

const key = newKey;
const inboxTask = (user: string, wf: string, step: string) => inboxTaskOf(stack.h, user, wf, step);

async function startSelection(selectionId: string, patch: Record<string, unknown> = {}) {
  return stack.h.call('POST', '/procedures/cadreSelection', {
    token: await stack.h.login('zzb-staff'),
    key: key(),
    body: {
      selectionId,
      title: '市教育局局长人选',
      principles: {
        post: { title: '市教育局局长', unitId: 'jyj', positions: 1, targetGrade: 'division', isPartyPost: false },
        candidateScope: '全市县处级副职干部',
        method: 'meeting',
        timetable: '2026年12月底前完成',
        ...patch,
      },
      principlesApprovers: { kind: 'unitHead', unitId: 'zzb' },
      committee: { kind: 'role', role: 'approver', unitId: 'cwh' },
      principalId: 'cw-9',
    },
  });
}

const act = async (wf: string, body: unknown, user = 'zzb-staff') =>
  stack.h.call('POST', `/procedures/${wf}/selection`, { token: await stack.h.login(user), key: key(), body });
const task = async (user: string, taskId: string, body: unknown) =>
  stack.h.call('POST', `/tasks/${taskId}/actions`, { token: await stack.h.login(user), key: key(), body });

const nomination = (present: number) => ({
  action: 'recordNomination',
  date: chinaDateOf(new Date()),
  meeting: {
    determined: 30,
    present,
    votes: [
      { personId: 'T001', votes: 15 },
      { personId: 'T002', votes: 9 },
      { personId: 'T003', votes: 4 },
      { personId: 'T004', votes: 2 },
    ],
  },
});

test('bad qualificationOverrides at the start: 422 invalid_qualification_override naming the key, the value never echoed, nothing started', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ minEducation: 3 }, 'minEducation'],
    [{ experienceLevels: true }, 'experienceLevels'],
    [{ minYearsAsDeputie: 1 }, 'minYearsAsDeputie'],
    // 不得越两级提拔: an override may not loosen the regulation (科员 → 正处 is three steps).
    [{ maxGradeSteps: 3 }, 'maxGradeSteps'],
    [{ minYearsAsDeputy: 3, minEducationByLevel: { bureau: 'college' } }, 'minEducationByLevel'],
    // Nor the floors of 条例 art. 9: years of work, the tenure rules switched off, and 越级 without the 破格 consent (art. 11).
    [{ minWorkYears: 0 }, 'minWorkYears'],
    [{ tenureLevels: [] }, 'tenureLevels'],
    [{ maxGradeSteps: 2 }, 'maxGradeSteps'],
  ];
  for (const [qualificationOverrides, key] of cases) {
    const id = uniqueId('xb');
    const r = await startSelection(id, { qualificationOverrides });
    expect(r.body).toMatchObject({ status: 422, code: 'invalid_qualification_override', details: { field: `principles.qualificationOverrides.${key}` } });
    expect(r.status).toBe(422);
    expect(r.body.message).toMatch(new RegExp(`^principles\\.qualificationOverrides\\.${key}: `));
    expect((await stack.h.call('GET', `/procedures/${workflowIds.cadreSelection(id)}`, { token: await stack.h.login('zzb-staff') })).status).toBe(404);
  }
});

test('先定原则、再商人头 through all seven stages to a confirmed appointment, each rule refusing what it must', async () => {
  const id = uniqueId('xb');
  const wf = workflowIds.cadreSelection(id);
  expect((await startSelection(id)).status).toBe(201);

  // 1. No name before the principles are approved and frozen.
  const early = await act(wf, nomination(20));
  expect(early.status).toBe(409);
  expect(early.body.code).toBe('principles_not_frozen');
  const approved = await task('zzb-head', await inboxTask('zzb-head', wf, 'principles'), { action: 'approve', comment: '同意' });
  expect(approved.status).toBe(200);
  const frozen = await eventually(async () => {
    const r = await stack.h.call('GET', `/procedures/${wf}`, { token: await stack.h.login('zzb-staff') });
    return r.body.state?.stage === 'nomination' ? r.body.state : undefined;
  }, 30_000, 'the principles to freeze');
  expect(frozen.frozen).toHaveLength(1);
  expect(frozen.frozen[0].hash).toMatch(/^[0-9a-f]{64}$/);
  // The approval answers once the principles are frozen: the freeze is in the audit chain at once.
  const audit = await stack.h.call('GET', `/procedures/${wf}/audit`, { token: await stack.h.login('zzb-staff') });
  const frozenEntry = (audit.body as { kind: string; payload: unknown }[]).find((e) => e.kind === 'principles:frozen');
  if (!frozenEntry) throw new Error('no principles:frozen entry');
  expect(frozenEntry.payload).toMatchObject({ version: 1, hash: frozen.frozen[0].hash });

  // 2. Nomination: a meeting needs 2/3 of the determined participants (20 of 30, not 19).
  const thin = await act(wf, nomination(19));
  expect(thin.status).toBe(422);
  expect(thin.body).toMatchObject({ code: 'nomination_quorum_not_met', details: { field: 'meeting.present' } });
  const unknownPerson = await act(wf, { ...nomination(20), meeting: { determined: 30, present: 20, votes: [{ personId: 'NOPE', votes: 1 }] } });
  expect(unknownPerson.status).toBe(422);
  expect(unknownPerson.body.code).toBe('unknown_person');
  const nominated = await act(wf, nomination(20));
  expect(nominated.status).toBe(200);
  const checks = Object.fromEntries(nominated.body.state.candidates.map((c: { personId: string; check: { eligible: boolean; results: { predicate: string; passed: boolean; applicable: boolean; fact: string }[] } }) => [c.personId, c.check]));
  expect([checks.T001.eligible, checks.T002.eligible, checks.T003.eligible, checks.T004.eligible]).toEqual([true, true, false, false]);
  const failed = (pid: string) => checks[pid].results.filter((r: { passed: boolean; applicable: boolean }) => r.applicable && !r.passed);
  expect(failed('T003').map((r: { predicate: string }) => r.predicate)).toEqual(['minYearsAsDeputy']);
  expect(failed('T003')[0].fact).toContain(`gradeSince=${T003_SINCE}`);
  expect(failed('T004').map((r: { predicate: string }) => r.predicate)).toContain('maxGradeSteps');

  // 3. Shortlist: 差额, and only candidates who meet the frozen principles.
  const single = await act(wf, { action: 'setShortlist', personIds: ['T001'] });
  expect(single.status).toBe(422);
  expect(single.body.code).toBe('shortlist_not_competitive');
  const ineligible = await act(wf, { action: 'setShortlist', personIds: ['T001', 'T003'] });
  expect(ineligible.status).toBe(422);
  expect(ineligible.body).toMatchObject({ code: 'candidate_not_eligible', details: { personId: 'T003', failed: ['minYearsAsDeputy'] } });
  expect((await act(wf, { action: 'setShortlist', personIds: ['T001', 'T002'] })).status).toBe(200);

  // 4. Inspection: a group of 2+, a notice before it starts, 凡提四必 and the 廉洁 signatures.
  const inspection = {
    action: 'recordInspection',
    group: ['zzb-staff', 'zzb-head'],
    noticeDate: '2026-11-21',
    startDate: '2026-11-23',
    talks: 32,
    evaluations: [
      { personId: 'T001', excellent: 25, competent: 6, basicallyCompetent: 1, incompetent: 0 },
      { personId: 'T002', excellent: 18, competent: 10, basicallyCompetent: 3, incompetent: 1 },
    ],
    fieldVisit: true,
  };
  expect((await act(wf, { ...inspection, group: ['zzb-staff'] })).body.code).toBe('inspection_incomplete');
  expect((await act(wf, { ...inspection, noticeDate: '2026-11-23' })).body).toMatchObject({ code: 'inspection_incomplete', details: { field: 'noticeDate' } });
  expect((await act(wf, inspection)).status).toBe(200);
  const premature = await act(wf, { action: 'completeInspection' });
  expect(premature.status).toBe(422);
  expect(premature.body.message).toMatch(/凡提四必 for T001/);
  for (const check of ['personnelFile', 'personalMatters', 'disciplineOpinion', 'complaints']) {
    expect((await act(wf, { action: 'recordCheck', personId: 'T001', check, result: 'clear' })).status).toBe(200);
  }
  // A negative finding removes the candidate, with the reason recorded.
  expect((await act(wf, { action: 'recordCheck', personId: 'T002', check: 'complaints', result: 'negative' })).body.details).toMatchObject({ field: 'note' });
  const removed = await act(wf, { action: 'recordCheck', personId: 'T002', check: 'complaints', result: 'negative', note: '反映问题经核实属实' });
  expect(removed.body.state.candidates.find((c: { personId: string }) => c.personId === 'T002').removed.reason).toMatch(/反映问题经核实属实/);
  // 廉洁自律: signed by the holders of the two posts in the candidate's unit, recorded in master data, two
  // different people, neither the candidate (issue 11, defect 5).
  expect((await act(wf, { action: 'signIntegrity', personId: 'T001', as: 'partySecretary' })).body).toMatchObject({ status: 400 });
  expect((await act(wf, { action: 'signIntegrity', personId: 'T001', as: 'partySecretary', signedBy: 'T002' })).body).toMatchObject({ status: 403, code: 'integrity_signer_not_office_holder' });
  expect((await act(wf, { action: 'signIntegrity', personId: 'T001', as: 'partySecretary', signedBy: signers.partySecretary })).status).toBe(200);
  expect((await act(wf, { action: 'signIntegrity', personId: 'T001', as: 'disciplineSecretary', signedBy: signers.partySecretary })).body).toMatchObject({ status: 403, code: 'integrity_signer_not_office_holder' });
  const oneSignature = await act(wf, { action: 'completeInspection' });
  expect(oneSignature.body.message).toMatch(/廉洁自律/);
  expect((await act(wf, { action: 'signIntegrity', personId: 'T001', as: 'disciplineSecretary', signedBy: signers.disciplineSecretary })).status).toBe(200);
  expect((await act(wf, { action: 'completeInspection' })).status).toBe(200);

  // 5. Decision at a recorded meeting (会议): its date and attendance first, then each present member votes; the
  // principal last; quorum 2/3 of the attendance recorded; 同意 of more than half of 应到; the minutes before it closes.
  const closeVote = async () => stack.h.call('POST', `/procedures/${wf}/actions`, { token: await stack.h.login('zzb-staff'), key: key(), body: { action: 'closeVote' } });
  await eventually(async () => ((await stack.h.call('GET', `/procedures/${wf}`, { token: await stack.h.login('zzb-staff') })).body.state?.stage === 'decision' ? true : undefined), 30_000, 'the decision');
  expect((await closeVote()).body).toMatchObject({ status: 409, code: 'meeting_not_open' });
  const meetingDay = chinaDateOf(new Date());
  // 5 of 9 in the room: no quorum, and nothing recorded.
  expect((await act(wf, { action: 'openMeeting', date: meetingDay, present: committee.slice(0, 5) })).body).toMatchObject({ status: 422, code: 'quorum_not_met', details: { present: 5, shouldAttend: 9, needed: 6 } });
  expect((await act(wf, { action: 'openMeeting', date: meetingDay, present: [...committee.slice(0, 6), 'T001'] })).body).toMatchObject({ status: 422, code: 'invalid_attendance', details: { field: 'present[6]' } });
  expect((await act(wf, { action: 'openMeeting', date: addDays(meetingDay, 1), present: committee })).body).toMatchObject({ status: 422, code: 'invalid_input', details: { field: 'date' } });
  // cw-8 is absent: 8 of 9 present.
  const present = committee.filter((m) => m !== 'cw-8');
  const opened = await act(wf, { action: 'openMeeting', date: meetingDay, present });
  expect(opened.status).toBe(200);
  expect(opened.body.state.meetings).toEqual([expect.objectContaining({ date: meetingDay, shouldAttend: committee, present, recused: [], absent: ['cw-8'], minutes: null })]);
  expect((await act(wf, { action: 'openMeeting', date: meetingDay, present })).body).toMatchObject({ status: 409, code: 'meeting_already_open' });
  const ballot = (choice: string) => ({ action: 'vote', ballots: [{ candidateId: 'T001', choice }] });
  const principalTask = await inboxTask('cw-9', wf, 'decision');
  // Only those present have a ballot task; the absent member has none.
  const ballotHolders = opened.body.state.openTasks.flatMap((t: { assigneeIds: string[] }) => t.assigneeIds);
  expect([...ballotHolders].sort()).toEqual([...present].sort());
  // A member votes on whom the selection names: the procedure answers its candidates by name and post (issue 12),
  // though a member may not read /people; nothing else of the personnel record beside the state.
  const member = committee[1] as string;
  const reads = async (): Promise<number> => Number((await stack.t.orm.em.fork().getConnection().execute<{ n: string }[]>('select count(*) as n from person_read'))[0]?.n);
  const readsBefore = await reads();
  const seen = await stack.h.call('GET', `/procedures/${wf}`, { token: await stack.h.login(member) });
  expect(seen.status).toBe(200);
  const candidateIds = seen.body.state.candidates.map((c: { personId: string }) => c.personId);
  expect(seen.body.people.map((p: { id: string }) => p.id).sort()).toEqual([...candidateIds].sort());
  expect(seen.body.people.find((p: { id: string }) => p.id === 'T001')).toEqual({ id: 'T001', name: '张明', post: '市教育局副局长' });
  expect(seen.body.people.find((p: { id: string }) => p.id === 'T002')).toEqual({ id: 'T002', name: '李华', post: null });
  for (const p of seen.body.people) expect(Object.keys(p).sort()).toEqual(['id', 'name', 'post']);
  expect(JSON.stringify(seen.body.people)).not.toContain('1980-01-01');
  // The committee decides on the candidates' eligibility, so its members at the meeting see the checks whole, fact
  // by fact (issue 12's task page), and each such read is logged like any read of a person (issue 10).
  const checked = seen.body.state.candidates.filter((c: { check: unknown }) => c.check) as { personId: string; check: { redacted?: boolean; results: { actual: string; fact: string }[] } }[];
  expect(checked.length).toBeGreaterThan(0);
  for (const c of checked) {
    expect(c.check.redacted).toBeUndefined();
    expect(c.check.results.some((r) => r.fact !== '' && r.actual !== '')).toBe(true);
  }
  const logged = await stack.t.orm.em.fork().getConnection().execute<{ person_id: string; route: string }[]>('select person_id, route from person_read where user_id = ? order by person_id', [member]);
  expect(logged.map((r) => r.person_id)).toEqual(checked.map((c) => c.personId).sort());
  expect(new Set(logged.map((r) => r.route))).toEqual(new Set(['/procedures/:workflowId']));
  expect(await reads()).toBe(readsBefore + checked.length);
  expect((await stack.h.call('GET', '/people/T001', { token: await stack.h.login(member) })).status).toBe(404);
  // Nor can a ballot be cast for them: the task route does not show them the others' tasks.
  expect((await task('cw-8', principalTask, ballot('agree'))).status).toBe(404);
  const principalFirst = await task('cw-9', principalTask, ballot('agree'));
  expect(principalFirst.status).toBe(409);
  expect(principalFirst.body.code).toBe('principal_votes_last');
  const choices = ['agree', 'agree', 'agree', 'agree', 'agree', 'disagree', 'defer'];
  for (const [i, c] of choices.entries()) {
    const member = committee[i] as string;
    expect((await task(member, await inboxTask(member, wf, 'decision'), ballot(c))).status).toBe(200);
  }
  expect((await closeVote()).body).toMatchObject({ status: 409, code: 'minutes_required' });
  expect((await act(wf, { action: 'attachMinutes', minutesRef: '常委会会议纪要〔2026〕12号' })).status).toBe(200);
  expect((await act(wf, { action: 'attachMinutes', minutesRef: '常委会会议纪要〔2026〕13号' })).body).toMatchObject({ status: 409, code: 'minutes_already_attached' });
  // The principal's ballot completes the decision: its China date is the day the notice counts from.
  const decidedFrom = chinaDateOf(new Date());
  expect((await task('cw-9', principalTask, ballot('agree'))).status).toBe(200);

  // 6. Public notice: objections are recorded and each ends in an outcome.
  const onNotice = await eventually(async () => {
    const r = await stack.h.call('GET', `/procedures/${wf}`, { token: await stack.h.login('zzb-staff') });
    return r.body.state?.stage === 'publicNotice' ? r.body.state : undefined;
  }, 30_000, 'the public notice');
  expect(onNotice.candidates.find((c: { personId: string }) => c.personId === 'T001').decision).toBe('passed');
  expect(onNotice.decisionTally.candidates[0]).toMatchObject({ candidateId: 'T001', agree: 6, disagree: 1, defer: 1, notVoted: 1, outcome: 'passed' });
  // 实到 is the attendance the meeting recorded, not who voted.
  expect(onNotice.decisionTally).toMatchObject({ shouldAttend: 9, present: 8, quorumMet: true });
  expect(onNotice.meetings[0].minutes).toMatchObject({ ref: '常委会会议纪要〔2026〕12号', by: 'zzb-staff' });
  // 任前公示: at least 5 working days, counted from the decision date (China time). The calendar
  // activity is faked here, so check what the workflow asked of it, once.
  const decidedUntil = chinaDateOf(new Date());
  expect(noticeAsked).toEqual([{ fromDate: decidedFrom === decidedUntil ? decidedFrom : expect.stringMatching(`^(${decidedFrom}|${decidedUntil})$`), workingDays: 5 }]);
  const objected = await act(wf, { action: 'recordObjection', personId: 'T001', text: '来信反映其分管领域存在问题' });
  const objectionId = objected.body.state.candidates.find((c: { personId: string }) => c.personId === 'T001').objections[0].id;
  // Past the 3 months a postponement may run (rules.ts maxPostponeMonths), counted from today.
  const tooLong = await act(wf, { action: 'resolveObjection', objectionId, outcome: 'postpone', note: '待核实', postponeUntil: addMonths(chinaDateOf(new Date()), 6) });
  expect(tooLong.status).toBe(422);
  expect(tooLong.body.code).toBe('postpone_too_long');
  expect((await act(wf, { action: 'resolveObjection', objectionId, outcome: 'appointWithReminder', note: '经核实问题轻微，提醒谈话' })).status).toBe(200);

  // 7. Appointment (its date, 任职通知 and 任职谈话, issue 11), probation from it, assessment.
  await eventually(async () => {
    const r = await stack.h.call('GET', `/procedures/${wf}`, { token: await stack.h.login('zzb-staff') });
    return r.body.state?.stage === 'appointment' ? true : undefined;
  }, 30_000, 'the appointment stage');
  const today = chinaDateOf(new Date());
  expect((await act(wf, { action: 'recordAppointment', personId: 'T002', appointedOn: today, noticeRef: '市委任〔2026〕8号', talkOn: today })).body.code).toBe('invalid_input');
  const appointment = await act(wf, { action: 'recordAppointment', personId: 'T001', appointedOn: today, noticeRef: '市委任〔2026〕8号', talkOn: today });
  expect(appointment.status).toBe(200);
  expect(appointment.body.state.candidates.find((c: { personId: string }) => c.personId === 'T001').appointment).toMatchObject({ appointedOn: today, probation: true });
  await eventually(async () => {
    const r = await stack.h.call('GET', `/procedures/${wf}`, { token: await stack.h.login('zzb-staff') });
    return r.body.state?.stage === 'probation' && r.body.state.probationEndsAt && Date.now() > Date.parse(r.body.state.probationEndsAt) ? true : undefined;
  }, 30_000, 'the probation to end');
  expect((await act(wf, { action: 'assess', personId: 'T002', result: 'fit' })).body.code).toBe('invalid_input');
  expect((await act(wf, { action: 'assess', personId: 'T001', result: 'fit', note: '试用期满考核称职' })).status).toBe(200);
  const closed = await eventually(async () => {
    const r = await stack.h.call('GET', `/procedures/${wf}`, { token: await stack.h.login('zzb-staff') });
    return r.body.procedure?.status === 'closed' ? r.body : undefined;
  }, 30_000, 'the selection to close');
  expect(closed.procedure.result).toMatchObject({ appointed: ['T001'], confirmed: ['T001'], removedToFormerGrade: [], principlesVersions: 1 });
  const verify = await stack.h.call('GET', `/procedures/${wf}/audit/verify`, { token: await stack.h.login('zzb-staff') });
  expect(verify.body.ok).toBe(true);
  // A selection lives for a year, across deploys: its history is replayed by test/workflows/replay.test.ts.
  await maybeRecordHistory('cadre-selection.json', stack.t.env.client.workflow.getHandle(wf));
});

test('master data for the rules: office holders and 影响期 records are recorded by staff; a barred or too old candidate fails the check, naming the record, its end and the date', async () => {
  const staff = await stack.h.login('zzb-staff');
  const put = (path: string, body: unknown, token = staff) => stack.h.call('PUT', path, { token, key: key(), body });
  // Office holders: an unknown unit or person is named; a bad post is a validation error; a good row is recorded.
  expect((await put('/selection/office-holders', { holders: [{ unitId: 'nope', office: 'partySecretary', personId: 'T001', since: '2024-01-01' }] })).body).toMatchObject({ status: 422, code: 'unknown_unit', details: { field: 'holders[0].unitId' } });
  expect((await put('/selection/office-holders', { holders: [{ unitId: 'jyj', office: 'partySecretary', personId: 'NOPE', since: '2024-01-01' }] })).body).toMatchObject({ status: 422, code: 'unknown_person' });
  // The first unknown reference in the request's order is named: a good row first, then a row with both unknown (its unit first).
  const holder = { unitId: 'jyj', office: 'partySecretary', personId: 'T001', since: '2024-01-01' };
  expect((await put('/selection/office-holders', { holders: [holder, { ...holder, unitId: 'nope', personId: 'NOPE' }] })).body).toEqual({
    status: 422,
    code: 'unknown_unit',
    message: 'holders[1].unitId: not in master data',
    details: { field: 'holders[1].unitId' },
  });
  // Relations: either side of a row.
  expect((await put('/selection/relations', { relations: [{ personId: 'NOPE', relativeId: 'T003', relation: 'spouse' }] })).body).toMatchObject({ status: 422, code: 'unknown_person', details: { field: 'relations[0].personId' } });
  expect((await put('/selection/relations', { relations: [{ personId: 'T004', relativeId: 'T003', relation: 'spouse' }, { personId: 'T004', relativeId: 'NOPE', relation: 'inLaw' }] })).body).toMatchObject({
    status: 422,
    code: 'unknown_person',
    details: { field: 'relations[1].relativeId' },
  });
  expect((await put('/selection/office-holders', { holders: [{ unitId: 'jyj', office: 'mayor', personId: 'T001', since: '2024-01-01' }] })).status).toBe(400);
  expect((await put('/selection/office-holders', { holders: [{ unitId: 'jyj', office: 'partySecretary', personId: 'T004', since: '2024-01-01', until: '2025-01-01' }] })).body).toEqual({ recorded: 1 });
  expect((await put('/selection/office-holders', { holders: [{ unitId: 'jyj', office: 'partySecretary', personId: 'T004', since: '2024-01-01' }] }, await stack.h.login('jyj-head'))).status).toBe(403);
  // A unit's own staff do not record the selection's master data: only the organization department's (组织部).
  for (const path of ['/selection/office-holders', '/selection/bar-records', '/selection/relations', '/selection/establishment']) {
    const body = {
      '/selection/office-holders': { holders: [{ unitId: 'jyj', office: 'partySecretary', personId: 'T004', since: '2024-01-01' }] },
      '/selection/bar-records': { records: [{ personId: 'T004', kind: 'admonition', category: '诫勉', date: '2026-01-01' }] },
      '/selection/relations': { relations: [{ personId: 'T004', relativeId: 'T003', relation: 'spouse' }] },
      '/selection/establishment': { rows: [{ unitId: 'jyj', grade: 'division', approved: 9 }] },
    }[path];
    expect((await put(path, body, await stack.h.login('jyj-staff'))).body).toMatchObject({ status: 403, code: 'forbidden' });
  }
  // 影响期 records.
  const today = chinaDateOf(new Date());
  const admonished = addDays(today, -30);
  expect((await put('/selection/bar-records', { records: [{ personId: 'NOPE', kind: 'admonition', category: '诫勉', date: admonished }] })).body).toMatchObject({ status: 422, code: 'unknown_person', details: { field: 'records[0].personId' } });
  expect((await put('/selection/bar-records', { records: [{ personId: 'T005', kind: 'admonition', category: '诫勉', date: admonished, ref: '纪诫〔2026〕3号' }] })).body).toEqual({ recorded: 1 });

  // 职数: one 正处 post approved in jyj, already held (the Party secretary, and the demo data's 正处 there): a selection for one more is 超职数配备.
  expect((await put('/selection/establishment', { rows: [{ unitId: 'nope', grade: 'division', approved: 1 }] })).body).toMatchObject({ status: 422, code: 'unknown_unit', details: { field: 'rows[0].unitId' } });
  expect((await put('/selection/establishment', { rows: [{ unitId: 'jyj', grade: 'division', approved: 1 }] })).body).toEqual({ recorded: 1 });
  const post = { title: '市教育局局长', unitId: 'jyj', positions: 1, targetGrade: 'division', isPartyPost: false, maxAge: 50 };
  const over = await startSelection(uniqueId('xb'), { post });
  expect(over.body).toMatchObject({ status: 422, code: 'over_establishment', details: { field: 'principles.post.positions', approved: 1, positions: 1 } });
  expect(over.body.details.filled).toBeGreaterThanOrEqual(1);
  const id = uniqueId('xb');
  const wf = workflowIds.cadreSelection(id);
  expect((await startSelection(id, { post, overEstablishmentApproval: '市委编委〔2026〕12号' })).status).toBe(201);
  expect((await task('zzb-head', await inboxTask('zzb-head', wf, 'principles'), { action: 'approve', comment: '同意' })).status).toBe(200);
  await eventually(async () => ((await stack.h.call('GET', `/procedures/${wf}`, { token: staff })).body.state?.stage === 'nomination' ? true : undefined), 30_000, 'nomination');
  expect((await act(wf, { action: 'recordNomination', date: today, meeting: { determined: 30, present: 25, votes: [{ personId: 'T002', votes: 12 }, { personId: 'T005', votes: 10 }] } })).status).toBe(200);
  const state = await eventually(async () => {
    const s = (await stack.h.call('GET', `/procedures/${wf}`, { token: staff })).body.state;
    return s?.stage === 'shortlist' ? s : undefined;
  }, 30_000, 'shortlist');
  const check = state.candidates.find((c: { personId: string }) => c.personId === 'T005').check;
  expect(check.eligible).toBe(false);
  expect(check.asOf).toBe(today);
  const bar = check.results.find((r: { predicate: string }) => r.predicate === 'promotionBars');
  expect(bar).toMatchObject({ passed: false, asOf: today, actual: `诫勉 (admonition) of ${admonished}, bar until ${addMonths(admonished, 6)}` });
  expect(bar.fact).toContain('纪诫〔2026〕3号');
  expect(check.results.find((r: { predicate: string }) => r.predicate === 'maxAge')).toMatchObject({ passed: false, fact: 'birthDate=1975-03-01' });
  // Every rule is listed, with its fact and date.
  expect(check.results.filter((r: { fact: string; asOf: string }) => !r.fact || r.asOf !== today)).toEqual([]);
  expect(state.candidates.find((c: { personId: string }) => c.personId === 'T002').check.eligible).toBe(true);
});
