/** zod schemas of 揭榜出征's requests (they also generate the OpenAPI document). Shapes only: the rules are rules.ts's. */
import { z } from 'zod';
import { AssigneeRuleInput, comment, dateString, id, meetingCommandBodies, RatioInput as ratio, text } from '../../api/schemas';
import { GRADES } from '../../domain/grades';
import { VOTE_CHOICES } from '../kernel/vote';

const taskId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/, 'must be 1–32 letters, digits, "_", "." or "-"');

export const RequirementsInput = z
  .object({
    grades: z.object({ min: z.enum(GRADES).optional(), max: z.enum(GRADES).optional() }).strict().optional(),
    fields: z.array(text(32)).max(20).optional().openapi({ description: 'Skills or fields (专业领域); the cadre needs one of them, or all with fieldsMatch "all"' }),
    fieldsMatch: z.enum(['any', 'all']).optional(),
    maxAge: z.number().int().optional().openapi({ description: 'Age limit in years; the list’s default (60) when absent' }),
    health: z.enum(['fit', 'fitWithLimits']).optional().openapi({ description: 'The health a check must show; absent: anything but unfit' }),
  })
  .strict();

export const TaskInput = z
  .object({
    taskId,
    title: text(200),
    description: text(4000),
    hostUnitId: id,
    term: z.object({ start: dateString, end: dateString }).strict(),
    people: z.number().int().openapi({ description: 'How many cadres the task takes (its capacity in the matching)' }),
    requirements: RequirementsInput.default({}),
    goals: z.array(text(500)).max(20).optional().openapi({ description: 'The goals written into the task letter (任务书)' }),
  })
  .strict()
  .openapi('ChallengeTask');

export const StartRedeploymentBody = z
  .object({
    listId: id,
    title: text(200),
    tasks: z.array(TaskInput).min(1).max(2000),
    rules: z
      .object({
        maxApplications: z.number().int().min(1).max(10).optional().openapi({ description: 'N: tasks one cadre may apply for (default 2)' }),
        maxAge: z.number().int().min(18).max(80).optional(),
        healthValidMonths: z.number().int().min(1).max(60).optional(),
        reportEveryMonths: z.number().int().min(1).max(12).optional().openapi({ description: 'Progress reports every this many months (default 1, monthly)' }),
        reportWorkingDays: z.number().int().min(1).max(30).optional(),
        maxHistoryEvents: z.number().int().min(40).max(3500).optional().openapi({ description: 'The list continues as new once its history has this many events (default 3,500)' }),
      })
      .strict()
      .optional(),
    meeting: AssigneeRuleInput.optional().openapi({ description: 'The department meeting (部务会) that votes; default the department’s approvers' }),
    meetingRule: z
      .object({ quorum: ratio.optional(), pass: ratio.optional(), principalId: id.optional(), secret: z.boolean().optional().openapi({ description: '无记名 (default true); false: 记名' }) })
      .strict()
      .optional(),
  })
  .strict()
  .openapi('StartRedeployment');

const reason = text(2000);
const personId = id.openapi({ description: 'A person in master data (干部编号)' });

export const RedeploymentCommandBody = z
  .discriminatedUnion('action', [
    z.object({ action: z.literal('addTask'), task: TaskInput, reason }).strict(),
    z
      .object({
        action: z.literal('changeTask'),
        taskId,
        // No default here: a change names only the fields it replaces.
        changes: TaskInput.omit({ taskId: true, requirements: true }).partial().extend({ requirements: RequirementsInput.optional() }).strict(),
        reason,
      })
      .strict(),
    z.object({ action: z.literal('withdrawTask'), taskId, reason }).strict(),
    z.object({ action: z.literal('publish'), closeDate: dateString }).strict(),
    z.object({ action: z.literal('closeApplications'), reason }).strict(),
    z.object({ action: z.literal('apply'), personId, taskIds: z.array(taskId).min(1).max(10).openapi({ description: 'In order of preference' }), statement: text(4000) }).strict(),
    z.object({ action: z.literal('nominate'), personId, taskId, statement: text(4000), cadreUserId: id.openapi({ description: 'The cadre’s own user account' }) }).strict(),
    z
      .object({
        action: z.literal('recordCheck'),
        personId,
        health: z.object({ date: dateString, result: z.enum(['fit', 'fitWithLimits', 'unfit']), note: z.string().trim().max(500).optional() }).strict(),
      })
      .strict(),
    z.object({ action: z.literal('rank'), taskId, personIds: z.array(personId).max(2000).openapi({ description: 'Best first; an applicant left out is not accepted' }) }).strict(),
    z.object({ action: z.literal('runMatching') }).strict(),
    z.object({ action: z.literal('adjust'), change: z.enum(['assign', 'unassign']), taskId, personId, reason }).strict(),
    z.object({ action: z.literal('submitProposal') }).strict(),
    z.object({ action: z.literal('acknowledge'), letterId: z.string().min(1).max(200), as: z.enum(['cadre', 'hostUnit']) }).strict(),
    z
      .object({
        action: z.literal('vote'),
        choice: z.enum(VOTE_CHOICES).openapi({ description: '票决 on every matched pair at once: agree 同意, disagree 不同意, defer 缓议' }),
        except: z
          .array(z.object({ candidateId: text(80).openapi({ description: 'A matched pair, "<taskId>/<personId>"' }), choice: z.enum(VOTE_CHOICES) }).strict())
          .max(2000)
          .optional()
          .openapi({ description: 'The pairs this member votes otherwise; each pair once, with another choice than `choice`' }),
        comment,
      })
      .strict(),
    ...meetingCommandBodies({ body: 'the department meeting', members: 'the meeting’s members', quorum: 'the quorum', maxMembers: 200 }),
  ])
  .openapi('RedeploymentCommand');

/** The list's own task verb: staff submit a returned draft again. */
export const REDEPLOYMENT_ACT_BODIES = [z.object({ action: z.literal('submitList'), comment }).strict()] as const;

export const LetterParam = z.object({ workflowId: z.string().min(1).max(300), letterId: z.string().min(1).max(200) });
export const YearQuery = z.object({ year: z.coerce.number().int().min(2000).max(2100) }).strict();
