import { z } from 'zod';
import { comment, dateString, id, text } from '../../api/schemas';
import { DIFFICULTIES } from './messages';

/** The most unit items one feedback may fan out to (full coverage of a city's units). */
export const MAX_ITEMS = 5000;

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
    assignments: z.array(Assignment).min(1, 'needs at least one responsible unit').max(MAX_ITEMS),
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
] as const;
