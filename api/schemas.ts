/**
 * Request and response schemas. The same zod schemas validate requests and generate the OpenAPI
 * document (api/openapi.ts), so the docs cannot drift from what the API accepts.
 */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { isValidDate } from '../domain/dates';
import { EDUCATIONS, GRADES } from '../domain/grades';
import { RELATIONS } from '../domain/relations';
import { ROLES } from '../procedures/kernel/messages';
import { returnProblem } from '../procedures/kernel/rules';
import { VOTE_CHOICES } from '../procedures/kernel/vote';

extendZodWithOpenApi(z);

export const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
export const id = z
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

export const TaskViewSchema = z
  .object({
    taskId: z.string(),
    step: z.string(),
    seq: z.number(),
    round: z.number(),
    assigneeIds: z.array(z.string()),
    openedAt: z.string(),
    dueAt: z.string().nullable(),
  })
  .openapi('TaskView');

export const StartResult = z
  .object({
    workflowId: z.string(),
    runId: z.string(),
    type: z.string(),
    items: z.array(z.string()),
    status: z.string(),
    stage: z.string(),
    openTasks: z.array(TaskViewSchema).openapi({ description: 'The first tasks, already in their assignees’ inboxes' }),
  })
  .openapi('StartResult');

export const comment = z.string().trim().max(2000).optional();
/** A step's key within its procedure, e.g. review or decision. */
export const stepKey = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'must be 1–32 letters, digits, "_" or "-", starting with a letter');
const Ballot = z
  .object({
    candidateId: text(64),
    choice: z.enum(VOTE_CHOICES).openapi({ description: 'agree 同意, disagree 不同意, defer 缓议' }),
  })
  .strict();
/**
 * The kernel's task actions, every procedure's: approve, vote, return, transfer, addSigner. A module adds
 * its own verbs (rectification's submit, pass and sign) through its descriptor; api/routes/tasks.ts joins them.
 */
export const KERNEL_ACT_BODIES = [
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
        comment: z
          .string()
          .trim()
          .max(2000)
          .optional()
          // The same rule the workflow's validator applies (procedures/kernel/rules.ts).
          .superRefine((c, ctx) => {
            const problem = returnProblem(c);
            if (problem) ctx.addIssue({ code: 'custom', message: problem });
          })
          .openapi({ description: 'The reason; required' }),
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
] as const;

export const ActResult = z
  .object({
    taskId: z.string().nullable(),
    action: z.string(),
    status: z.string(),
    stage: z.string(),
    nextTask: TaskViewSchema.nullable(),
    openTasks: z.array(TaskViewSchema),
    notified: z.array(z.string()).optional().openapi({ description: 'urge and copy: who was told' }),
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

export const RatioInput = z
  .object({ num: z.number().int().min(0), den: z.number().int().min(1) })
  .strict()
  .refine((r) => r.num <= r.den, 'must be between 0 and 1 (num <= den)');

export const AssigneeRuleInput = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('user'), userId: id }).strict(),
    z.object({ kind: z.literal('role'), role: z.enum(ROLES), unitId: id }).strict(),
    z.object({ kind: z.literal('unitHead'), unitId: id }).strict(),
  ])
  .openapi('AssigneeRule', { description: 'Resolved from master data when the procedure starts, and fixed from then on (a transfer hands a task on)' });


/** A query flag: the strings true and false. */
export const boolString = z.enum(['true', 'false']).transform((v) => v === 'true');
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
    kind: z.string().openapi({ example: 'action:submit', description: 'action:<action>, task:opened, task:closed, principles:frozen or procedure:closed' }),
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
        reason: z.enum(['hash_mismatch', 'prev_hash_mismatch', 'sequence_gap', 'tail_rewritten', 'truncated']).openapi({
          description:
            'tail_rewritten: the chain holds on its own, but the entry at the anchored seq has another hash than the latest audit anchor recorded ' +
            '(expected: the anchored hash, actual: the hash now). truncated: the chain ends before the anchored head (expected: the anchored seq, ' +
            'actual: the last seq now, 0 when none is left)',
        }),
        expected: z.union([z.string(), z.number()]),
        actual: z.union([z.string(), z.number()]),
      })
      .optional(),
    anchor: z
      .object({
        id: z.string(),
        anchoredAt: z.string(),
        checked: z.number().int().openapi({ description: '1 when the anchor holds this procedure’s head, 0 when it started after the anchor' }),
        rootMatches: z.boolean().openapi({ description: 'the heads the anchor recorded still hash to its Merkle root (false: the anchor tables were altered)' }),
      })
      .nullable()
      .openapi({ description: 'the latest audit anchor the chain was checked against; null when none has been recorded' }),
  })
  .openapi('AuditVerification');

export const NotificationRow = z
  .object({ id: z.string(), workflowId: z.string(), kind: z.string(), message: z.string(), createdAt: z.string() })
  .openapi('Notification');

export const UnitRow = z
  .object({ id: z.string(), name: z.string(), kind: z.string(), headUserId: z.string().nullable(), parentId: z.string().nullable() })
  .openapi('Unit');

export const WorkflowIdParam = z.object({ workflowId: z.string().min(1).max(300) });
export const TaskIdParam = z.object({ taskId: z.string().min(1).max(320) });
/**
 * The commands of a vote's recorded meeting (procedures/kernel/vote.ts): open it with its date and
 * attendance, attach its minutes. `who` names the body that meets, for the descriptions.
 */
export function meetingCommandBodies(who: { body: string; members: string; quorum: string; maxMembers: number }) {
  return [
    z
      .object({
        action: z.literal('openMeeting'),
        date: dateString.openapi({ description: `The China date ${who.body} meets (not in the future)` }),
        present: z.array(id).max(who.maxMembers).openapi({ description: `实到: ${who.members} (user ids) recorded present at the meeting; a recused member (回避) is not counted present` }),
      })
      .strict()
      .openapi({
        description:
          `The meeting of ${who.body}, before its vote: 应到 is ${who.members}, 实到 as recorded here. Refused without ${who.quorum} present (quorum_not_met), ` +
          'naming a non-member or someone twice (invalid_attendance), or a second time (meeting_already_open). Only the members present get a ballot task',
      }),
    z
      .object({ action: z.literal('attachMinutes'), minutesRef: text(200).openapi({ description: 'The minutes (会议记录), a document reference' }) })
      .strict()
      .openapi({ description: 'The minutes of the meeting, attached before the vote closes: the vote ends once they are attached and the members present have voted' }),
  ] as const;
}

/** The body of a file answer (a download), for the OpenAPI document. */
export const BinaryBody = z.string().openapi({ format: 'binary' });

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
    leftLeadershipPostOn: z.string().nullable().openapi({ description: '退出领导岗位时间; null: not recorded as having left a leadership post' }),
    fields: z.array(z.string()).openapi({ description: 'Skills or fields (专业领域)' }),
    health: z.object({ date: z.string(), result: z.enum(['fit', 'fitWithLimits', 'unfit']) }).nullable().openapi({ description: 'The latest health check (体检)' }),
    userId: z.string().nullable().openapi({ description: '用户账号: the person’s own account (a 揭榜出征 cadre reads their task letter with it); null: none' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Person');

/**
 * One relation of the person read (亲属关系, 回避; person_relation, stored once either way round and read both ways).
 * The other person's number and name are their personnel data: shown to readers who may read their record too, and
 * those reads are logged (person_read); for anyone else they are null and `redacted` is true.
 */
export const PersonRelationView = z
  .object({
    relation: z.enum(RELATIONS).openapi({ description: 'spouse 夫妻, directBlood 直系血亲, collateral 三代以内旁系血亲, inLaw 近姻亲' }),
    relationName: z.string().openapi({ example: '配偶' }),
    personId: z.string().nullable().openapi({ description: 'The relative’s personnel number; null when redacted' }),
    name: z.string().nullable().openapi({ description: 'The relative’s name; null when redacted' }),
    redacted: z.boolean().openapi({ description: 'true: the reader may not read the relative’s record, so only the relation is shown' }),
  })
  .strict()
  .openapi('PersonRelationView');

/** GET /people/:id: the record with the person's relations (the list, GET /people, does not carry them). */
export const PersonDetail = PersonRow.extend({
  relations: z.array(PersonRelationView).openapi({ description: '亲属关系 (回避), whichever way round each was recorded; in order of relation, then personnel number, the redacted last' }),
}).openapi('PersonDetail');

/** A person named in a procedure, as its readers see them (not the personnel record: GET /people/:id is). */
export const PersonName = z
  .object({
    id: z.string().openapi({ example: 'T001', description: 'The personnel number the state names them by' }),
    name: z.string().openapi({ example: '张明' }),
    post: z.string().nullable().openapi({ description: 'Their current post (现任职务); null: none recorded' }),
  })
  .strict()
  .openapi('PersonName');

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
