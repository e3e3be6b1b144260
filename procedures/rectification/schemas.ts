import { z } from 'zod';
import { comment, dateString, id, text } from '../../api/schemas';
import { DIFFICULTIES, RESPONSIBILITY_KINDS } from './messages';
import { listsProblem } from './rules';

/** The most unit items one feedback may fan out to (full coverage of a city's units). */
export const MAX_ITEMS = 5000;
/** 三张清单 per feedback: the most tasks and responsibilities. */
export const MAX_TASKS = 1000;
export const MAX_RESPONSIBILITIES = 2000;

export const Assignment = z
  .object({
    unitId: id.openapi({ description: 'Responsible unit' }),
    dueDate: dateString.optional().openapi({ description: 'Defaults from the difficulty grade (1, 6 or 12 months)' }),
  })
  .strict();

/** 任务清单: one rectification task (整改任务) of a problem. */
export const RectificationTaskInput = z
  .object({
    no: z.string().regex(/^[0-9A-Za-z][0-9A-Za-z.]{0,15}$/, 'must be a short number such as "1" or "1.2"'),
    measure: text(500).openapi({ description: 'The rectification measure (整改措施)' }),
    dueDate: dateString.optional().openapi({ description: 'The task’s own time limit (整改时限), if it has one' }),
  })
  .strict()
  .openapi('RectificationTask');

/** 责任清单: who answers for a task. */
export const ResponsibilityInput = z
  .object({
    taskNo: z.string().max(16).openapi({ description: 'The task (任务清单 no) it answers for' }),
    unitId: id.openapi({ description: 'Responsible unit: one the problem is assigned to, or its lead department' }),
    kind: z.enum(RESPONSIBILITY_KINDS).default('responsible').openapi({ description: 'lead 牵头, responsible 责任, cooperating 配合' }),
    leader: text(100).optional().openapi({ description: 'The responsible leader (责任领导), by name or post' }),
    person: text(100).optional().openapi({ description: 'The person in charge (责任人), by name or post' }),
  })
  .strict()
  .openapi('Responsibility');

export const ProblemInput = z
  .object({
    no: z.string().regex(/^[0-9A-Za-z][0-9A-Za-z.]{0,15}$/, 'must be a short number such as "1" or "2.3"'),
    title: text(200),
    description: z.string().max(4000).optional(),
    difficulty: z.enum(DIFFICULTIES).default('normal'),
    leadUnitId: id.openapi({ description: 'Lead department (牵头部门); its head signs after the unit head' }),
    assignments: z.array(Assignment).min(1, 'needs at least one responsible unit').max(MAX_ITEMS),
    tasks: z.array(RectificationTaskInput).max(50).optional().openapi({ description: '任务清单: the problem’s rectification tasks' }),
    responsibilities: z.array(ResponsibilityInput).max(200).optional().openapi({ description: '责任清单: who answers for each task' }),
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
    report: z
      .union([
        z.object({ dueDate: dateString.optional().openapi({ description: 'Default: 2 months after the feedback (巡视工作条例)' }) }).strict(),
        z.literal(false),
      ], { error: 'must be { dueDate? } or false' })
      .optional()
      .openapi({
        description:
          '整改报告, on by default: one task per unit for its Party secretary (its head without one), due 2 months after the feedback. ' +
          '`false`: no report tasks, for a feedback whose units report outside this system (one recorded after its reports were made)',
      }),
  })
  .strict()
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    body.problems.forEach((p, pi) => {
      if (seen.has(p.no)) ctx.addIssue({ code: 'custom', path: ['problems', pi, 'no'], message: `problem number ${p.no} appears twice` });
      seen.add(p.no);
      // 三张清单: the pure rule the API shares (rules.ts listsProblem).
      const lists = listsProblem(p);
      if (lists) ctx.addIssue({ code: 'custom', path: ['problems', pi, ...lists.path.split(/[.[\]]+/).filter(Boolean).map((x) => (/^\d+$/.test(x) ? Number(x) : x))], message: lists.message });
      const units = new Set<string>();
      p.assignments.forEach((a, ai) => {
        if (units.has(a.unitId)) {
          ctx.addIssue({ code: 'custom', path: ['problems', pi, 'assignments', ai, 'unitId'], message: `unit ${a.unitId} is assigned twice` });
        }
        units.add(a.unitId);
      });
    });
    // The lists travel in the input, the state query and the summary: bounded so they stay far below a payload's 2 MB.
    const tasks = body.problems.reduce((n, p) => n + (p.tasks?.length ?? 0), 0);
    const resp = body.problems.reduce((n, p) => n + (p.responsibilities?.length ?? 0), 0);
    if (tasks > MAX_TASKS) ctx.addIssue({ code: 'custom', path: ['problems'], message: `at most ${MAX_TASKS} tasks per feedback, got ${tasks}` });
    if (resp > MAX_RESPONSIBILITIES) ctx.addIssue({ code: 'custom', path: ['problems'], message: `at most ${MAX_RESPONSIBILITIES} responsibilities per feedback, got ${resp}` });
    const items = body.problems.reduce((n, p) => n + p.assignments.length, 0);
    if (items > MAX_ITEMS) ctx.addIssue({ code: "custom", path: ["problems"], message: `at most ${MAX_ITEMS} unit items per feedback, got ${items}` });
  })
  .openapi('StartRectification');


const Evidence = z.object({ name: text(200), ref: text(500) }).strict();
const InstitutionalRule = z
  .object({ title: text(200), documentRef: text(200).openapi({ example: '教党〔2026〕12号' }) })
  .strict()
  .openapi('InstitutionalRule', { description: '建章立制: the rule adopted so the problem does not recur' });

/** The item's own task verbs: submit (measures and evidence), pass (review) and sign (the sign-off chain). */
export const ITEM_ACT_BODIES = [
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
  z
    .object({
      action: z.literal('sign'),
      comment,
      data: z.object({ institutionalRule: InstitutionalRule.optional(), noRuleReason: text(2000).optional() }).strict().optional(),
    })
    .strict(),
  // 整改报告: the unit's Party secretary (or head) submits the report (report.workflow.ts).
  z
    .object({
      action: z.literal('report'),
      comment,
      data: z
        .object({
          documentRef: text(200).openapi({ description: 'The report document (整改情况报告): number or file-store key', example: '教党〔2027〕3号' }),
          summary: text(4000).optional(),
        })
        .strict(),
    })
    .strict(),
] as const;
