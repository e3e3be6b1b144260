import { z } from 'zod';
import { AssigneeRuleInput, dateString, id, meetingCommandBodies, text } from '../../api/schemas';
import { GRADES } from '../../domain/grades';
import { BAR_KINDS } from '../../domain/promotion-bars';
import { pairKey, RELATIONS } from '../../domain/relations';
import { QUALIFICATION_OVERRIDE_KEYS } from './overrides';
import { CHECK_RESULTS, FOUR_MUSTS, INTEGRITY_OFFICES, PERSONAL_MATTERS_FINDINGS } from './messages';
import { DEFAULT_POLITICAL_EXAM_MONTHS } from './political-gate';



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
        elected: z.boolean().optional().openapi({ description: '选举产生的职务: an elected post, which has no probation' }),
        outOfTurn: z
          .object({ consentRef: text(200).openapi({ description: 'The superior organisation department’s prior consent (document reference)' }) })
          .strict()
          .optional()
          .openapi({ description: '破格提拔: waives only the tenure rules; not within a year of the last promotion, not twice in a row' }),
        maxAge: z.number().int().min(18).max(70).optional().openapi({ description: '年龄: the upper age (周岁) at the eligibility cut-off; "45 周岁以下" is 45. Absent: no limit' }),
      })
      .strict(),
    // Checked by a rule (overrides.ts), not here: the start's plan and the workflow's revision answer 422.
    qualificationOverrides: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({
        description:
          `Per-post overrides of the qualification rules, by rule name: ${QUALIFICATION_OVERRIDE_KEYS.join(', ')}. ` +
          'A key that is not a rule, a value of the wrong kind, or one that loosens the regulation (below the floors of ' +
          '条例 art. 9 and 11 for the post: years of work and grassroots, tenure, 党龄, the level lists; maxGradeSteps over 2, ' +
          'or 2 without post.outOfTurn; minEducation below college, minEducationByLevel below bachelor for bureau) is refused with ' +
          '422 invalid_qualification_override, details.field naming the key',
      }),
    candidateScope: text(2000),
    method: z.enum(['talk', 'meeting', 'both']).openapi({ description: '民主推荐: 谈话调研推荐, 会议推荐, or both' }),
    timetable: text(2000),
    overEstablishmentApproval: text(200)
      .optional()
      .openapi({ description: '超职数配备: the recorded approval (document reference) that lets the post exceed the unit’s approved 职数' }),
    eligibilityDate: dateString.optional().openapi({
      description: '任职资格计算截止日期: the date qualifications (years, age) are counted to; default the recommendation’s date. Fixed once the recommendation is recorded',
    }),
    generalElection: z.boolean().optional().openapi({ description: '换届: always 差额' }),
    politicalExam: z
      .object({ months: z.number().int().min(1).max(60).default(DEFAULT_POLITICAL_EXAM_MONTHS) })
      .strict()
      .optional()
      .openapi({
        description:
          '任前政治体检: require each candidate’s newest political examination (政治素质考察) to be at most `months` old (default 12) and not 较差 ' +
          'before the decision stage; completeInspection is refused with political_exam_required otherwise. Absent: not required.',
      }),
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
            participants: z
              .array(id)
              .max(2000)
              .optional()
              .openapi({ description: 'The people (person ids) who took part in the meeting recommendation; one related to a candidate recommended there is refused (回避, recused_member)' }),
          })
          .strict()
          .optional(),
        talks: z
          .array(
            z
              .object({
                personId,
                mentions: z.number().int().min(0),
                recommenders: z
                  .array(id)
                  .max(500)
                  .optional()
                  .openapi({ description: 'The people (person ids) who named this candidate in the talks; one related to the candidate is refused (回避, recused_member)' }),
              })
              .strict(),
          )
          .max(200)
          .optional(),
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
        result: z.enum(CHECK_RESULTS).openapi({ description: 'clear, negative (removes the candidate, with the reason), or pending (待核实 / 未查结: holds the candidate)' }),
        finding: z
          .enum(PERSONAL_MATTERS_FINDINGS)
          .optional()
          .openapi({ description: 'personalMatters only: consistent 一致, minorOmission 漏报 (needs the explanation in note), concealment 瞒报 (blocks: negative), pending 待核实' }),
        note: z.string().trim().max(2000).optional(),
      })
      .strict(),
    z
      .object({
        action: z.literal('signIntegrity'),
        personId,
        as: z.enum(INTEGRITY_OFFICES),
        signedBy: id.openapi({ description: 'Who signed (a person in master data): the holder of `as` in the candidate’s unit (PUT /selection/office-holders), not the candidate, not the other signer' }),
      })
      .strict(),
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
    z
      .object({ action: z.literal('recordAppointment'), personId, appointedOn: dateString, noticeRef: text(200), talkOn: dateString })
      .strict()
      .openapi({ description: 'The appointment after the notice: its date, the 任职通知 (reference) and the 任职谈话 (date); the probation runs from it where it applies' }),
    z
      .object({ action: z.literal('decidePostponed'), personId, outcome: z.enum(['appoint', 'doNotAppoint']), note: text(2000) })
      .strict()
      .openapi({ description: 'The final decision on a postponed candidate, once the postponement has run out (the staff are reminded)' }),
    z.object({ action: z.literal('deferVote'), personId, reason: text(2000) }).strict().openapi({ description: '暂缓表决: decided before any member votes, with the reason' }),
    z
      .object({ action: z.literal('reconsider'), personId, reason: text(2000), agreeing: z.array(id).min(1).max(100) })
      .strict()
      .openapi({ description: '复议: reopen the vote on a candidate not passed; agreeing are the committee members (user ids) who agreed, more than half of them' }),
    ...meetingCommandBodies({ body: 'the committee', members: 'the committee members', quorum: '2/3 of the members', maxMembers: 100 }),
  ])
  .openapi('SelectionCommand');


const fileFact = z.object({ examinationId: z.string(), examinedOn: z.string(), grade: z.string() });

export const PoliticalGateView = z
  .object({
    required: z.boolean().openapi({ description: 'Whether the frozen principles require the 任前政治体检' }),
    months: z.number().nullable(),
    today: z.string().openapi({ description: 'The China date the reading is for' }),
    candidates: z.array(
      z.object({
        personId: z.string(),
        status: z.enum(['fresh', 'missing', 'expired', 'poor']),
        latest: fileFact.nullable(),
      }),
    ),
    examinations: z.array(z.object({ personId: z.string(), workflowId: z.string(), startedBy: z.string(), at: z.string() })),
  })
  .openapi('SelectionPoliticalGate');

export const OfficeHoldersBody = z
  .object({
    holders: z
      .array(
        z
          .object({
            unitId: id,
            office: z.enum(INTEGRITY_OFFICES).openapi({ description: 'partySecretary 党委(党组)书记, disciplineSecretary 纪委书记/纪检组长' }),
            personId,
            since: dateString,
            until: dateString.optional(),
          })
          .strict()
          .refine((h) => !h.until || h.until >= h.since, { message: 'until comes on or after since', path: ['until'] }),
      )
      .min(1)
      .max(1000),
  })
  .strict()
  .openapi('OfficeHolders');

export const BarRecordsBody = z
  .object({
    records: z
      .array(
        z
          .object({
            personId,
            kind: z.enum(BAR_KINDS).openapi({ description: 'partySanction 党纪处分, governmentSanction 政务处分, admonition 诫勉, organizationalHandling 组织处理, annualAssessment 年度考核' }),
            category: text(40).openapi({ description: '警告, 严重警告, 记过, 诫勉, 调离, 降职, 基本称职, 不称职, …' }),
            date: dateString.openapi({ description: 'The decision’s date; for an annual assessment, the last day of the year assessed' }),
            endsOn: dateString.optional().openapi({ description: 'The end of the bar when the decision states it; else from the rule table' }),
            ref: text(200).optional().openapi({ description: 'The decision’s document reference' }),
          })
          .strict()
          .refine((r) => !r.endsOn || r.endsOn > r.date, { message: 'endsOn comes after date', path: ['endsOn'] }),
      )
      .min(1)
      .max(5000),
  })
  .strict()
  .openapi('BarRecords');

export const RelationsBody = z
  .object({
    relations: z
      .array(
        z
          .object({
            personId,
            relativeId: personId,
            relation: z.enum(RELATIONS).openapi({ description: 'spouse 夫妻, directBlood 直系血亲, collateral 三代以内旁系血亲, inLaw 近姻亲' }),
          })
          .strict()
          .refine((r) => r.personId !== r.relativeId, { message: 'a person is not their own relative', path: ['relativeId'] }),
      )
      .max(5000)
      .default([]),
    remove: z
      .array(z.object({ personId, relativeId: personId }).strict())
      .max(5000)
      .optional()
      .openapi({ description: 'Pairs whose relation is removed, whichever way round it was recorded; a pair with none recorded removes nothing' }),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.relations.length === 0 && (b.remove ?? []).length === 0) ctx.addIssue({ code: 'custom', path: ['relations'], message: 'give at least one relation to record or one pair to remove' });
    // A pair both recorded and removed says two things at once.
    const recorded = new Set(b.relations.map((r) => pairKey(r.personId, r.relativeId)));
    (b.remove ?? []).forEach((r, i) => {
      if (recorded.has(pairKey(r.personId, r.relativeId))) ctx.addIssue({ code: 'custom', path: ['remove', i], message: 'the pair is also in relations' });
    });
  })
  .openapi('Relations');

export const EstablishmentBody = z
  .object({
    rows: z
      .array(z.object({ unitId: id, grade: z.enum(GRADES), approved: z.number().int().min(0).max(1000) }).strict())
      .min(1)
      .max(1000),
  })
  .strict()
  .openapi('Establishment');
