import { z } from 'zod';
import { AssigneeRuleInput, id, RatioInput, stepKey, text } from '../../api/schemas';
import { APPROVAL_MODES } from '../kernel/approval';

export const ApprovalStepBody = z
  .object({
    key: stepKey,
    name: text(100),
    mode: z.enum(APPROVAL_MODES).openapi({ description: 'sequential 依次, all 会签, any 或签, vote 票决' }),
    assignees: AssigneeRuleInput,
    candidates: z.array(text(64)).max(50).optional(),
    voteRule: z
      .object({
        quorum: RatioInput.optional().openapi({ description: 'Share of members present; default 2/3, met inclusively' }),
        pass: RatioInput.optional().openapi({ description: 'Share of 应到 whose 同意 a candidate needs; default 1/2, met strictly' }),
        principalId: id.optional().openapi({ description: 'The principal leader, a member, who votes last on each candidate' }),
        secret: z.boolean().optional().openapi({ description: '无记名 (default true): nothing stored or shown links a ballot to its voter; false: 记名, each member’s ballots are in the action log' }),
      })
      .strict()
      .optional(),
  })
  .strict();

/** The route's rules (unique keys, vote steps' candidates) are checked by rules.ts, in the start plan. */
export const StartApprovalRequestBody = z
  .object({
    requestId: id.openapi({ description: 'Business key; the workflow id is approval-<requestId>', example: 'HT2026-031' }),
    title: text(200),
    steps: z.array(ApprovalStepBody).min(1, 'needs at least one step').max(10, 'at most 10 steps'),
  })
  .strict()
  .openapi('StartApprovalRequest');
