/**
 * Request and response schemas of the political-quality examination; they validate the bodies and generate
 * its part of the OpenAPI document. Shapes only: the rules (group size, talk list, respondents, grade,
 * justification, use of the result) are the pure functions of rules.ts, applied by the start plan and by
 * the workflow's validators, so each lives once.
 */
import { z } from 'zod';
import { comment, dateString, id, text } from '../../api/schemas';
import { GRADES } from '../../domain/grades';
import { DIFFICULTIES } from '../rectification/messages';
import { EVIDENCE_STRANDS, INTERVIEWEE_KINDS, POLITICAL_DIMENSIONS } from './messages';

const dimension = z.enum(POLITICAL_DIMENSIONS).openapi({ description: 'loyalty 政治忠诚, steadfastness 政治定力, responsibility 政治担当, capability 政治能力, selfDiscipline 政治自律' });
const list = (what: string) => z.array(text(500)).max(50).openapi({ description: what });
const workingDays = z.number().int().max(250);

export const PlanInput = z
  .object({
    dimensions: z
      .array(z.object({ dimension, indicators: z.array(text(500)).max(20) }).strict())
      .max(5)
      .openapi({ description: 'Dimensions from the five, once each, each with its indicators' }),
    positiveList: list('What to look for (positive)'),
    negativeList: list('What would count against (反向)'),
    group: z.array(id).max(20).openapi({ description: 'The examination group (考察组): users, at least 2 different people; each evidence strand is a task for them' }),
    timetable: z
      .object({
        evidenceWorkingDays: workingDays.default(10).openapi({ description: 'Working days each evidence strand has, from the plan’s approval' }),
        strandWorkingDays: z.partialRecord(z.enum(EVIDENCE_STRANDS), workingDays).optional().openapi({ description: 'A strand’s own deadline, where it differs' }),
        acknowledgeWorkingDays: workingDays.default(5).openapi({ description: 'Working days the subject has to acknowledge the feedback' }),
        note: z.string().trim().max(2000).optional(),
      })
      .strict()
      .default({ evidenceWorkingDays: 10, acknowledgeWorkingDays: 5 }),
  })
  .strict()
  .openapi('ExaminationPlan', { description: 'Frozen with a content hash once the department approves it' });

export const StartExaminationBody = z
  .object({
    examinationId: id.openapi({ description: 'Business key; the workflow id is political-<examinationId>', example: 'ZZ2026-031' }),
    title: text(200),
    subject: z
      .discriminatedUnion('kind', [
        z
          .object({
            kind: z.literal('cadre'),
            personId: id.openapi({ description: 'The cadre (干部编号), in master data' }),
            userId: id.openapi({ description: 'The cadre’s own user account: the one who acknowledges the feedback' }),
          })
          .strict(),
        z
          .object({
            kind: z.literal('group'),
            unitId: id.openapi({ description: 'The unit whose leading group (领导班子) is examined' }),
            partySecretaryUserId: id.optional().openapi({ description: 'The group’s Party secretary, who acknowledges the feedback; by default the unit’s head' }),
          })
          .strict(),
      ])
      .openapi({ description: 'One cadre, or one unit’s leading group' }),
    plan: PlanInput,
    departmentUnitId: id.default('zzb').openapi({ description: 'The organization department: approves the plan and the analysis, records the use of the result' }),
    inspectionOfficeUnitId: id.default('xcb').openapi({ description: 'The inspection office a linked rectification goes through' }),
    rules: z
      .object({
        grades: z.array(text(20)).max(10).openapi({ description: 'The grade set, best first; default 好, 较好, 一般, 较差' }),
        justifyBelow: text(20).openapi({ description: 'A grade worse than this needs the findings it rests on; default 较好' }),
        promotionGrades: z.array(text(20)).max(10),
        coachingGrades: z.array(text(20)).max(10),
        minRespondents: z.number().int().max(100_000).openapi({ description: 'The questionnaire’s minimum of respondents; default 20' }),
        minGroup: z.number().int().min(2).max(20),
        minPerIntervieweeKind: z.number().int().min(1).max(100),
        reminderWorkingDays: z.number().int().min(0).max(20),
      })
      .strict()
      .partial()
      .optional()
      .openapi({ description: 'Overrides of the default rules, kept by this examination for its whole life' }),
  })
  .strict()
  .openapi('StartPoliticalExamination');

const FindingInput = z
  .object({
    dimension,
    severity: z.enum(['warning', 'problem']).openapi({ description: 'warning: a warning sign (提醒谈话 or 诫勉); problem: needs rectification' }),
    text: text(2000),
    evidenceRefs: z.array(text(200)).max(20).optional().openapi({ description: 'Document numbers, complaint numbers, file-store keys' }),
  })
  .strict();

/** The examination's own task verbs: the plan's redraft, the five strands, the analysis, the acknowledgement, the use of the result. */
export const EXAMINATION_ACT_BODIES = [
  z.object({ action: z.literal('submitPlan'), comment, data: z.object({ plan: PlanInput.optional() }).strict().optional() }).strict(),
  z
    .object({
      action: z.literal('recordTalks'),
      comment,
      data: z
        .object({
          interviewees: z
            .array(z.object({ name: text(100), kind: z.enum(INTERVIEWEE_KINDS), note: z.string().trim().max(500).optional() }).strict())
            .max(500)
            .openapi({ description: 'Informed people, key people and people known to disagree, at least one of each' }),
          summary: text(8000),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      action: z.literal('recordQuestionnaire'),
      comment,
      data: z
        .object({
          respondents: z.number().int().min(0).max(1_000_000),
          items: z
            .array(
              z
                .object({
                  text: text(500),
                  direction: z.enum(['positive', 'reverse']),
                  tally: z.object({ agree: z.number().int().min(0), neutral: z.number().int().min(0), disagree: z.number().int().min(0) }).strict(),
                })
                .strict(),
            )
            .max(200),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      action: z.literal('recordDisciplineOpinion'),
      comment,
      data: z.object({ result: z.enum(['clear', 'withFindings']), documentRef: text(200), findings: z.array(FindingInput).max(100).optional() }).strict(),
    })
    .strict(),
  z
    .object({
      action: z.literal('recordFileReview'),
      comment,
      data: z.object({ result: z.enum(['clear', 'withFindings']), note: z.string().trim().max(4000).optional(), findings: z.array(FindingInput).max(100).optional() }).strict(),
    })
    .strict(),
  z
    .object({
      action: z.literal('recordReverseInspection'),
      comment,
      data: z
        .object({
          sources: z.array(z.enum(['complaints', 'serviceRecipients', 'keyTasks'])).min(1).max(3),
          summary: text(8000),
          findings: z.array(FindingInput).max(100),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      action: z.literal('analyse'),
      comment,
      data: z
        .object({
          evaluations: z.array(z.object({ dimension, text: text(4000) }).strict()).max(5),
          grade: text(20),
          basis: z.array(z.string().max(64)).max(100).optional().openapi({ description: 'The finding ids (e.g. reverseInspection-1) a grade below 较好 rests on' }),
        })
        .strict(),
    })
    .strict(),
  z.object({ action: z.literal('acknowledge'), comment, data: z.object({ statement: z.string().trim().max(4000).optional() }).strict().optional() }).strict(),
  z
    .object({
      action: z.literal('recordUse'),
      comment,
      data: z
        .object({
          promotionNote: text(2000).optional(),
          coachingPlan: text(4000).optional(),
          admonition: z.object({ kind: z.enum(['reminderTalk', 'admonition']).openapi({ description: '提醒谈话 or 诫勉' }), note: text(2000) }).strict().optional(),
          rectification: z.object({ dueDate: dateString, difficulty: z.enum(DIFFICULTIES).optional() }).strict().optional(),
        })
        .strict(),
    })
    .strict(),
] as const;

export const ExaminationCommandBody = z
  .discriminatedUnion('action', [z.object({ action: z.literal('waiveStrand'), strand: z.enum(EVIDENCE_STRANDS), reason: text(2000) }).strict()])
  .openapi('ExaminationCommand');

export const PoliticalFileEntryRow = z
  .object({
    id: z.string().openapi({ description: 'The examination’s workflow id' }),
    examinationId: z.string(),
    subjectKind: z.enum(['cadre', 'group']),
    personId: z.string().nullable(),
    unitId: z.string(),
    title: z.string(),
    examinedOn: z.string(),
    grade: z.string(),
    planHash: z.string(),
    evaluations: z.unknown(),
    findings: z.unknown(),
    useOfResult: z.unknown(),
    rectificationWorkflowId: z.string().nullable(),
    acknowledgedAt: z.string().nullable(),
    statement: z.string().nullable(),
    archivedAt: z.string(),
  })
  .openapi('PoliticalFileEntry');

export const PoliticalFile = z
  .object({
    subject: z.object({ kind: z.enum(['cadre', 'group']), id: z.string(), name: z.string() }),
    entries: z.array(PoliticalFileEntryRow).openapi({ description: 'Newest first' }),
    gate: z
      .object({ fresh: z.boolean(), reason: z.enum(['missing', 'expired', 'failing']).nullable(), months: z.number() })
      .openapi({ description: '任前政治体检: whether the newest examination is at most 12 months old and not 较差' }),
  })
  .openapi('PoliticalFile');

export const UnitIdParam = z.object({ id: z.string().min(1).max(64) });

/** The start of a full-coverage batch (全覆盖): a scope of units, one plan for all, optionally each unit's leading members too. */
export const StartExaminationBatchBody = z
  .object({
    batchId: id.openapi({ description: 'Business key; the workflow id is political-batch-<batchId>, each child’s political-<batchId>-<unitId or personId>', example: 'QFG2026' }),
    title: text(200),
    scope: z
      .union([
        z.object({ unitKind: z.enum(['unit', 'department', 'office']).openapi({ description: 'Every unit of this kind in master data' }) }).strict(),
        z.object({ unitIds: z.array(id).max(10_000).openapi({ description: 'These units, each once' }) }).strict(),
      ])
      .openapi({ description: 'All units of a kind, or a list of units' }),
    includeMembers: z.boolean().default(false).openapi({ description: 'Also examine each leading member (班子成员) of each unit as a cadre' }),
    memberMinGrade: z.enum(GRADES).default('deputyDivision').openapi({ description: 'A leading member is a cadre of the unit at this grade or above; default 副处 (deputyDivision)' }),
    memberUserIds: z
      .record(id, id)
      .optional()
      .openapi({ description: 'Personnel number → the cadre’s user account, who acknowledges the feedback; master data links no person to a user, so every leading member needs one here' }),
    plan: PlanInput,
    departmentUnitId: id.default('zzb'),
    inspectionOfficeUnitId: id.default('xcb'),
    rules: StartExaminationBody.shape.rules,
  })
  .strict()
  .openapi('StartPoliticalExaminationBatch');

const Count = z.number().int();
export const ExaminationBatchProgress = z
  .object({
    workflowId: z.string(),
    status: z.string(),
    progress: z
      .object({ total: Count, started: Count, done: Count, failed: Count })
      .nullable()
      .openapi({ description: 'The batch’s own counters (a workflow query); null when no worker answers' }),
    projected: Count.openapi({ description: 'Child examinations with a procedure row' }),
    stages: z.array(z.object({ stage: z.string(), status: z.string(), count: Count })).openapi({ description: 'Child examinations per stage and status, from PostgreSQL' }),
    overdueByUnit: z.array(z.object({ unitId: z.string(), overdue: Count })).openapi({ description: 'Overdue child examinations per unit' }),
    failures: z.array(z.object({ workflowId: z.string(), failure: z.string() })).openapi({ description: 'Children that failed (the first 200)' }),
    summary: z.unknown().nullable().openapi({ description: 'Once closed: counts per grade, reverse findings per dimension, rectifications started, on-time rate per unit' }),
  })
  .openapi('ExaminationBatchProgress');
