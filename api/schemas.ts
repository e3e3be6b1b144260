/**
 * Request and response schemas. The same zod schemas validate requests and generate the OpenAPI
 * document (api/openapi.ts), so the docs cannot drift from what the API accepts.
 */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { isValidDate } from '../domain/dates';
import { EDUCATIONS, GRADES } from '../domain/grades';
import { APPROVAL_MODES, DIFFICULTIES, PROCEDURE_TYPES, ROLES, FOUR_MUSTS } from '../workflows/definitions';
import { VOTE_CHOICES } from '../workflows/lib/vote';

extendZodWithOpenApi(z);

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1–64 letters, digits, "_", "." or "-", starting with a letter or digit');
export const dateString = z
  .string()
  .refine(isValidDate, 'must be a calendar date YYYY-MM-DD')
  .openapi({ example: '2026-12-31', format: 'date' });

export const Problem = z
  .object({
    status: z.number().int(),
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  })
  .openapi('Problem', { description: 'Every error: a JSON problem with a stable code.' });

export const LoginBody = z.object({ username: text(64), password: z.string().min(1, 'must not be empty').max(200) }).strict().openapi('LoginBody');

export const User = z
  .object({ id: z.string(), username: z.string(), displayName: z.string(), unitId: z.string(), roles: z.array(z.string()) })
  .openapi('User');

export const LoginResult = z.object({ token: z.string(), expiresAt: z.string(), user: User }).openapi('LoginResult');

export const Assignment = z
  .object({
    unitId: id.openapi({ description: 'Responsible unit' }),
    dueDate: dateString.optional().openapi({ description: 'Defaults from the difficulty grade (1, 6 or 12 months)' }),
  })
  .strict();

export const ProblemInput = z
  .object({
    no: z.string().regex(/^[0-9A-Za-z][0-9A-Za-z.]{0,15}$/, 'must be a short number such as "1" or "2.3"'),
    title: text(200),
    description: z.string().max(4000).optional(),
    difficulty: z.enum(DIFFICULTIES).default('normal'),
    leadUnitId: id.openapi({ description: 'Lead department (牵头部门); its head signs after the unit head' }),
    assignments: z.array(Assignment).min(1, 'needs at least one responsible unit').max(100),
  })
  .strict();

export const StartRectificationBody = z
  .object({
    feedbackId: id.openapi({ description: 'Business key; the workflow id is rectification-<feedbackId>', example: 'XC2026-07' }),
    title: text(200),
    inspectionGroup: text(200),
    feedbackDate: dateString,
    inspectionOfficeUnitId: id.default('xcb').openapi({ description: 'Inspection office (巡察办): reviews and signs last' }),
    problems: z.array(ProblemInput).min(1, 'needs at least one problem').max(200),
  })
  .strict()
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    body.problems.forEach((p, pi) => {
      if (seen.has(p.no)) ctx.addIssue({ code: 'custom', path: ['problems', pi, 'no'], message: `problem number ${p.no} appears twice` });
      seen.add(p.no);
      const units = new Set<string>();
      p.assignments.forEach((a, ai) => {
        if (units.has(a.unitId)) {
          ctx.addIssue({ code: 'custom', path: ['problems', pi, 'assignments', ai, 'unitId'], message: `unit ${a.unitId} is assigned twice` });
        }
        units.add(a.unitId);
      });
    });
    const items = body.problems.reduce((n, p) => n + p.assignments.length, 0);
    if (items > 500) ctx.addIssue({ code: 'custom', path: ['problems'], message: `at most 500 unit items per feedback, got ${items}` });
  })
  .openapi('StartRectification');

export const StartResult = z
  .object({ workflowId: z.string(), runId: z.string(), type: z.string(), items: z.array(z.string()) })
  .openapi('StartResult');

const Evidence = z.object({ name: text(200), ref: text(500) }).strict();
const InstitutionalRule = z
  .object({ title: text(200), documentRef: text(200).openapi({ example: '教党〔2026〕12号' }) })
  .strict()
  .openapi('InstitutionalRule', { description: '建章立制: the rule adopted so the problem does not recur' });

const comment = z.string().trim().max(2000).optional();
/** A step's key within its procedure, e.g. review or decision. */
const stepKey = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'must be 1–32 letters, digits, "_" or "-", starting with a letter');
const Ballot = z
  .object({
    candidateId: text(64),
    choice: z.enum(VOTE_CHOICES).openapi({ description: 'agree 同意, disagree 不同意, defer 缓议' }),
  })
  .strict();
export const ActBody = z
  .discriminatedUnion('action', [
    z
      .object({
        action: z.literal('submit'),
        comment,
        data: z
          .object({
            measures: text(8000),
            evidence: z.array(Evidence).min(1, 'needs at least one piece of evidence').max(100),
            institutionalRule: InstitutionalRule.optional(),
            noRuleReason: text(2000).optional(),
          })
          .strict(),
      })
      .strict(),
    z.object({ action: z.literal('pass'), comment }).strict(),
    z.object({ action: z.literal('approve'), comment }).strict(),
    z
      .object({
        action: z.literal('vote'),
        comment,
        ballots: z
          .array(Ballot)
          .min(1, 'needs one ballot per candidate')
          .max(100)
          .openapi({ description: '票决: one ballot per candidate, every candidate of the step exactly once' }),
      })
      .strict(),
    z
      .object({
        action: z.literal('return'),
        comment: text(2000).openapi({ description: 'The reason; required' }),
        returnTo: stepKey.optional().openapi({ description: 'This step or an earlier one (a step key); by default the first step' }),
      })
      .strict(),
    z.object({ action: z.literal('transfer'), comment, targetUserId: id.openapi({ description: '转办: who takes the task over' }) }).strict(),
    z
      .object({
        action: z.literal('addSigner'),
        comment,
        targetUserId: id.openapi({ description: '加签: who is added' }),
        position: z.enum(['before', 'after']).openapi({ description: 'before: they sign first, then you; after: they sign after you' }),
      })
      .strict(),
    z
      .object({
        action: z.literal('sign'),
        comment,
        data: z.object({ institutionalRule: InstitutionalRule.optional(), noRuleReason: text(2000).optional() }).strict().optional(),
      })
      .strict(),
  ])
  .openapi('ActBody');

export const TaskViewSchema = z
  .object({ taskId: z.string(), step: z.string(), seq: z.number(), round: z.number(), assigneeIds: z.array(z.string()), openedAt: z.string() })
  .openapi('TaskView');

export const ActResult = z
  .object({
    taskId: z.string(),
    action: z.string(),
    status: z.string(),
    stage: z.string(),
    nextTask: TaskViewSchema.nullable(),
    openTasks: z.array(TaskViewSchema),
  })
  .openapi('ActResult');

export const ManageBody = z
  .discriminatedUnion('action', [
    z.object({ action: z.literal('withdraw'), comment }).strict(),
    z.object({ action: z.literal('urge'), taskId: z.string().min(1).max(320), comment }).strict(),
    z.object({ action: z.literal('copy'), userIds: z.array(id).min(1, 'needs at least one person').max(50), comment }).strict(),
    z.object({ action: z.literal('closeVote'), comment }).strict(),
  ])
  .openapi('ManageBody', {
    description: '撤回 (initiator, before anyone acts), 催办 (supervisor or initiator), 抄送, closeVote (the initiator closes a vote step, with a quorum present)',
  });

const RatioInput = z
  .object({ num: z.number().int().min(0), den: z.number().int().min(1) })
  .strict()
  .refine((r) => r.num <= r.den, 'must be between 0 and 1 (num <= den)');

export const AssigneeRuleInput = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('user'), userId: id }).strict(),
    z.object({ kind: z.literal('role'), role: z.enum(ROLES), unitId: id }).strict(),
    z.object({ kind: z.literal('unitHead'), unitId: id }).strict(),
  ])
  .openapi('AssigneeRule', { description: 'Resolved from master data when the step opens' });

export const ApprovalStepBody = z
  .object({
    key: stepKey,
    name: text(100),
    mode: z.enum(APPROVAL_MODES).openapi({ description: 'sequential 依次, all 会签, any 或签, vote 票决' }),
    assignees: AssigneeRuleInput,
    candidates: z.array(text(64)).min(1, 'a vote step needs at least one candidate').max(50).optional(),
    voteRule: z
      .object({
        quorum: RatioInput.optional().openapi({ description: 'Share of members present; default 2/3, met inclusively' }),
        pass: RatioInput.optional().openapi({ description: 'Share of 应到 whose 同意 a candidate needs; default 1/2, met strictly' }),
        principalId: id.optional().openapi({ description: 'The principal leader, a member, who votes last on each candidate' }),
      })
      .strict()
      .optional(),
  })
  .strict();

export const StartApprovalRequestBody = z
  .object({
    requestId: id.openapi({ description: 'Business key; the workflow id is approval-<requestId>', example: 'HT2026-031' }),
    title: text(200),
    steps: z.array(ApprovalStepBody).min(1, 'needs at least one step').max(10, 'at most 10 steps'),
  })
  .strict()
  .superRefine((body, ctx) => {
    const keys = new Set<string>();
    body.steps.forEach((s, i) => {
      if (keys.has(s.key)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'key'], message: `step key ${s.key} appears twice` });
      keys.add(s.key);
      if (s.mode === 'vote') {
        if (!s.candidates) ctx.addIssue({ code: 'custom', path: ['steps', i, 'candidates'], message: 'a vote step needs at least one candidate' });
        else if (new Set(s.candidates).size !== s.candidates.length) {
          ctx.addIssue({ code: 'custom', path: ['steps', i, 'candidates'], message: 'a candidate appears twice' });
        }
      } else {
        if (s.candidates) ctx.addIssue({ code: 'custom', path: ['steps', i, 'candidates'], message: 'only vote steps have candidates' });
        if (s.voteRule) ctx.addIssue({ code: 'custom', path: ['steps', i, 'voteRule'], message: 'only vote steps have a vote rule' });
      }
    });
  })
  .openapi('StartApprovalRequest');

export const ManageResult = z
  .object({ action: z.string(), status: z.string(), notified: z.array(z.string()) })
  .openapi('ManageResult');

const boolString = z.enum(['true', 'false']).transform((v) => v === 'true');
export const ListQuery = z
  .object({
    type: z.enum(PROCEDURE_TYPES).optional(),
    unit: id.optional(),
    status: z.string().max(32).optional(),
    overdue: boolString.optional(),
    parent: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

export const ProcedureRow = z
  .object({
    workflowId: z.string(),
    type: z.string(),
    parentWorkflowId: z.string().nullable(),
    title: z.string(),
    unitIds: z.array(z.string()),
    status: z.string(),
    stage: z.string(),
    overdue: z.boolean(),
    dueAt: z.string().nullable(),
    startedBy: z.string(),
    startedAt: z.string(),
    closedAt: z.string().nullable(),
    result: z.unknown(),
    escalation: z
      .object({ rung: z.string(), at: z.string(), finalDate: z.string().optional() })
      .nullable()
      .openapi({ description: 'The overdue ladder’s latest rung: supervisionNotice (督办通知), warning (预警, with a new final date), accountability (问责)' }),
  })
  .openapi('Procedure');

export const ProcedureList = z.object({ total: z.number(), items: z.array(ProcedureRow) }).openapi('ProcedureList');

export const TaskRow = z
  .object({
    id: z.string(),
    workflowId: z.string(),
    procedureType: z.string(),
    procedureTitle: z.string().nullable(),
    step: z.string(),
    round: z.number(),
    assigneeIds: z.array(z.string()),
    status: z.string(),
    openedAt: z.string(),
    dueAt: z.string().nullable(),
    overdue: z.boolean(),
  })
  .openapi('Task');

export const ActionRow = z
  .object({
    seq: z.number(),
    taskId: z.string().nullable(),
    step: z.string().nullable(),
    actorId: z.string(),
    action: z.string(),
    comment: z.string().nullable(),
    data: z.unknown(),
    at: z.string(),
  })
  .openapi('Action');

export const AuditEntry = z
  .object({
    seq: z.number().int(),
    kind: z.string().openapi({ example: 'action:submit', description: 'action:<action>, task:opened, task:closed, procedure:dueAt or procedure:closed' }),
    actorId: z.string(),
    at: z.string(),
    payload: z.unknown(),
    prevHash: z.string().openapi({ description: 'hash of the previous entry; 64 zeros for the first' }),
    hash: z.string().openapi({ description: 'sha256 (hex) over the canonical JSON of this entry and prevHash' }),
  })
  .openapi('AuditEntry');

export const AuditVerification = z
  .object({
    workflowId: z.string(),
    ok: z.boolean(),
    checked: z.number().int().openapi({ description: 'entries verified intact before the first broken link (all of them when ok)' }),
    headHash: z.string().nullable().openapi({ description: 'hash of the last intact entry' }),
    firstBroken: z
      .object({
        seq: z.number().int(),
        reason: z.enum(['hash_mismatch', 'prev_hash_mismatch', 'sequence_gap']),
        expected: z.union([z.string(), z.number()]),
        actual: z.union([z.string(), z.number()]),
      })
      .optional(),
  })
  .openapi('AuditVerification');

export const NotificationRow = z
  .object({ id: z.string(), workflowId: z.string(), kind: z.string(), message: z.string(), createdAt: z.string() })
  .openapi('Notification');

export const UnitRow = z
  .object({ id: z.string(), name: z.string(), kind: z.string(), headUserId: z.string().nullable() })
  .openapi('Unit');

export const WorkflowIdParam = z.object({ workflowId: z.string().min(1).max(300) });
export const TaskIdParam = z.object({ taskId: z.string().min(1).max(320) });
export const IdempotencyKeyHeader = z
  .string({ error: 'the Idempotency-Key header is required on every action that changes state' })
  .min(8, 'must be at least 8 characters')
  .max(200, 'must be at most 200 characters')
  .openapi({ description: 'A client-chosen unique key; a repeated request returns the first result' });

/** A calendar year in the path. Years outside 2000–2099 are typos, not calendars. */
export const CalendarYearParam = z.object({
  year: z
    .string()
    .regex(/^20\d\d$/, 'must be a year from 2000 to 2099')
    .transform(Number)
    .openapi({ example: '2027', description: 'Calendar year' }),
});

export const CalendarDayInput = z
  .object({
    date: dateString.openapi({ example: '2027-02-08' }),
    workday: z.boolean().openapi({ description: 'false for a holiday, true for a make-up workday (调休)' }),
    name: text(100).optional().openapi({ example: '春节' }),
  })
  .strict();

export const PutCalendarYearBody = z
  .object({
    source: text(200).openapi({ description: 'Where the schedule comes from: the State Council notice', example: '国办发明电〔2026〕7号' }),
    days: z
      .array(CalendarDayInput)
      .min(1, 'needs at least the holidays of the year')
      .max(366, 'must list at most 366 days')
      .openapi({ description: 'The holidays and make-up workdays; every day not listed is a working day exactly when it is Monday–Friday' }),
  })
  .strict()
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    body.days.forEach((d, i) => {
      if (seen.has(d.date)) ctx.addIssue({ code: 'custom', path: ['days', i, 'date'], message: `${d.date} is listed twice` });
      seen.add(d.date);
    });
  })
  .openapi('PutCalendarYear');

export const CalendarYearRow = z
  .object({
    year: z.number().int(),
    source: z.string().openapi({ description: '"chinese-days" for the bundled official data, otherwise the source given when the year was loaded' }),
    loadedBy: z.string().nullable(),
    loadedAt: z.string().nullable(),
  })
  .openapi('CalendarYear');

export const CalendarDayRow = z
  .object({ date: z.string(), workday: z.boolean(), name: z.string().nullable() })
  .openapi('CalendarDay');

export const CalendarYearDetail = CalendarYearRow.extend({
  days: z.array(CalendarDayRow).openapi({ description: 'The listed days (holidays and make-up workdays), in date order' }),
}).openapi('CalendarYearDetail');

// ---- Cadre selection (干部选拔任用)

const personId = id.openapi({ description: 'A person in master data (干部编号)' });

export const PrinciplesInput = z
  .object({
    post: z
      .object({
        title: text(200),
        unitId: id,
        positions: z.number().int().min(1).max(50),
        targetGrade: z.enum(GRADES).openapi({ description: 'The grade of the post' }),
        isPartyPost: z.boolean(),
        minPartyYears: z.number().int().min(0).max(60).optional(),
      })
      .strict(),
    qualificationOverrides: z.record(z.string(), z.union([z.number(), z.boolean()])).optional().openapi({ description: 'Per-post overrides of the qualification rules, by rule name' }),
    candidateScope: text(2000),
    method: z.enum(['talk', 'meeting', 'both']).openapi({ description: '民主推荐: 谈话调研推荐, 会议推荐, or both' }),
    timetable: text(2000),
    generalElection: z.boolean().optional().openapi({ description: '换届: always 差额' }),
  })
  .strict()
  .openapi('Principles', { description: '原则: fixed and frozen before any name is discussed (先定原则、再商人头)' });

export const StartSelectionBody = z
  .object({
    selectionId: id.openapi({ description: 'Business key; the workflow id is selection-<selectionId>', example: 'XB2026-12' }),
    title: text(200),
    principles: PrinciplesInput,
    principlesApprovers: AssigneeRuleInput.openapi({ description: 'The leaders’ meeting that approves the principles (all must approve)' }),
    committee: AssigneeRuleInput.openapi({ description: 'The Party committee whose members vote (讨论决定)' }),
    principalId: id.optional().openapi({ description: 'The principal leader, a committee member, who votes last' }),
  })
  .strict()
  .openapi('StartCadreSelection');

const date = dateString;
export const SelectionCommandBody = z
  .discriminatedUnion('action', [
    z.object({ action: z.literal('revisePrinciples'), principles: PrinciplesInput, reason: text(2000) }).strict(),
    z
      .object({
        action: z.literal('recordNomination'),
        date,
        meeting: z
          .object({
            determined: z.number().int().min(1),
            present: z.number().int().min(0),
            votes: z.array(z.object({ personId, votes: z.number().int().min(0) }).strict()).max(200),
          })
          .strict()
          .optional(),
        talks: z.array(z.object({ personId, mentions: z.number().int().min(0) }).strict()).max(200).optional(),
      })
      .strict(),
    z.object({ action: z.literal('setShortlist'), personIds: z.array(personId).min(1).max(50), concentratedOpinion: text(2000).optional() }).strict(),
    z
      .object({
        action: z.literal('recordInspection'),
        group: z.array(id).min(1).max(20),
        noticeDate: date,
        startDate: date,
        talks: z.number().int().min(0),
        evaluations: z
          .array(
            z
              .object({
                personId,
                excellent: z.number().int().min(0),
                competent: z.number().int().min(0),
                basicallyCompetent: z.number().int().min(0),
                incompetent: z.number().int().min(0),
              })
              .strict(),
          )
          .max(50),
        fieldVisit: z.boolean(),
      })
      .strict(),
    z
      .object({
        action: z.literal('recordCheck'),
        personId,
        check: z.enum(FOUR_MUSTS).openapi({ description: '凡提四必: personnelFile, personalMatters, disciplineOpinion, complaints' }),
        result: z.enum(['clear', 'negative']),
        note: z.string().trim().max(2000).optional(),
      })
      .strict(),
    z.object({ action: z.literal('signIntegrity'), personId, as: z.enum(['partySecretary', 'disciplineSecretary']) }).strict(),
    z.object({ action: z.literal('completeInspection') }).strict(),
    z.object({ action: z.literal('recordObjection'), personId, text: text(4000) }).strict(),
    z
      .object({
        action: z.literal('resolveObjection'),
        objectionId: z.string().min(1).max(64),
        outcome: z.enum(['appoint', 'appointWithReminder', 'doNotAppoint', 'postpone']),
        note: text(2000),
        postponeUntil: date.optional(),
      })
      .strict(),
    z.object({ action: z.literal('assess'), personId, result: z.enum(['fit', 'unfit']), note: z.string().trim().max(2000).optional() }).strict(),
  ])
  .openapi('SelectionCommand');

// ——— people (cadre master data) ———

/** Base64 of the file; line breaks (as `base64` writes without -w0) are ignored. */
const base64File = (maxBytes: number) =>
  z
    .string()
    .transform((s) => s.replace(/\s+/g, ''))
    .refine((s) => s.length > 0, 'must not be empty')
    .refine((s) => s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s), 'must be base64 (A–Z, a–z, 0–9, "+", "/", "=" padding)')
    .refine((s) => (s.length / 4) * 3 <= maxBytes + 2, `the file must be at most ${maxBytes / 1024 / 1024} MB`)
    .transform((s) => Buffer.from(s, 'base64'));

export const PEOPLE_IMPORT_MAX_BYTES = 5 * 1024 * 1024;

export const ImportPeopleBody = z
  .object({
    format: z.enum(['csv', 'xlsx']).openapi({ description: 'csv (UTF-8 or GB18030) or xlsx (the first worksheet is read)' }),
    filename: z.string().trim().max(255).optional().openapi({ example: '干部名册.csv' }),
    content: base64File(PEOPLE_IMPORT_MAX_BYTES).openapi({ description: 'The file, base64-encoded; at most 5 MB before encoding', type: 'string', format: 'byte' }),
  })
  .strict()
  .openapi('ImportPeople', {
    description:
      'A sheet with a header row. Columns (Chinese or English headings): 编号/id, 姓名/name, 性别/gender, 出生日期/birthDate, 单位/unitId (a unit id or name), ' +
      '现任职务/currentPost, 现职级/currentGrade, 任现职级时间/gradeSince, 参加工作时间/workStartDate, 基层工作年限/grassrootsYears, 学历/education, ' +
      '入党时间/partyJoinDate, 最近提拔时间/lastPromotionDate, 是否破格/lastPromotionOutOfTurn. Dates as YYYY-MM-DD, YYYY/M/D or Excel dates.',
  });

export const ImportRowError = z
  .object({
    row: z.number().int().openapi({ description: 'The row number as the sheet shows it; the header is row 1' }),
    id: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), column: z.string().optional(), message: z.string() })),
  })
  .openapi('ImportRowError');

export const ImportPeopleResult = z
  .object({
    total: z.number().int().openapi({ description: 'Data rows that are not empty' }),
    imported: z.number().int().openapi({ description: 'New people' }),
    updated: z.number().int().openapi({ description: 'Existing people whose data changed' }),
    unchanged: z.number().int().openapi({ description: 'Existing people the file repeats exactly' }),
    failed: z.number().int(),
    errors: z.array(ImportRowError),
  })
  .openapi('ImportPeopleResult');

export const PersonRow = z
  .object({
    id: z.string().openapi({ description: 'Personnel number (干部编号)' }),
    name: z.string(),
    gender: z.enum(['male', 'female']).nullable(),
    birthDate: z.string(),
    unitId: z.string().nullable(),
    currentPost: z.string().nullable(),
    currentGrade: z.enum(GRADES),
    currentGradeName: z.string().openapi({ example: '副处' }),
    gradeSince: z.string(),
    workStartDate: z.string(),
    grassrootsYears: z.number(),
    education: z.enum(EDUCATIONS),
    partyJoinDate: z.string().nullable().openapi({ description: 'null: not a Party member' }),
    lastPromotionDate: z.string().nullable(),
    lastPromotionOutOfTurn: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Person');

export const PersonList = z.object({ total: z.number().int(), items: z.array(PersonRow) }).openapi('PersonList');

export const PeopleQuery = z
  .object({
    unit: id.optional().openapi({ description: 'Unit id' }),
    grade: z.enum(GRADES).optional(),
    q: z.string().trim().min(1).max(64).optional().openapi({ description: 'Part of the name' }),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

export const PersonIdParam = z.object({ id: z.string().min(1).max(64) });
