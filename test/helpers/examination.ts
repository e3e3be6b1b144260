/**
 * A political examination of a cadre (政治素质考察), started by 组织部 staff and its plan approved by the head, as
 * the deadline tests need it: one dimension, the two lists, the group, and the strands' working days as given.
 */
import { newKey, type Http, type HttpResult } from './api';

export async function startApprovedExamination(h: Http, examinationId: string, strandWorkingDays: Record<string, number>): Promise<{ started: HttpResult; approved: HttpResult }> {
  const started = await h.call('POST', '/procedures/politicalExamination', {
    token: await h.login('zzb-staff'),
    key: newKey(),
    body: {
      examinationId,
      title: '李晓红同志政治素质考察',
      subject: { kind: 'cadre', personId: 'GB2005017', userId: 'jyj-staff' },
      plan: {
        dimensions: [{ dimension: 'loyalty', indicators: ['对党忠诚'] }],
        positiveList: ['担当作为'],
        negativeList: ['不作为'],
        group: ['zzb-staff', 'xcb-reviewer'],
        timetable: { evidenceWorkingDays: 10, strandWorkingDays, acknowledgeWorkingDays: 5 },
      },
    },
  });
  if (started.status !== 201) throw new Error(`the examination did not start: ${started.status} ${JSON.stringify(started.body)}`);
  const approved = await h.call('POST', `/tasks/${started.body.openTasks[0].taskId}/actions`, { token: await h.login('zzb-head'), key: newKey(), body: { action: 'approve' } });
  if (approved.status !== 200) throw new Error(`the plan was not approved: ${approved.status} ${JSON.stringify(approved.body)}`);
  return { started, approved };
}

/**
 * The four evidence strands of an examination recorded clear, step by step, as the batch tests record them: 个别谈话
 * with a dissenting voice, a 25-person questionnaire (one positive and one reverse item), the discipline opinion
 * and the file review.
 */
export const CLEAR_EVIDENCE: readonly (readonly [string, { action: string; data: unknown }])[] = [
  ['talks', { action: 'recordTalks', data: { interviewees: [{ name: '甲', kind: 'key' }, { name: '乙', kind: 'informed' }, { name: '丙', kind: 'dissenting' }], summary: '谈话' } }],
  [
    'questionnaire',
    {
      action: 'recordQuestionnaire',
      data: {
        respondents: 25,
        items: [
          { text: '坚决维护党中央权威', direction: 'positive', tally: { agree: 25, neutral: 0, disagree: 0 } },
          { text: '存在“七个有之”问题', direction: 'reverse', tally: { agree: 0, neutral: 1, disagree: 24 } },
        ],
      },
    },
  ],
  ['disciplineOpinion', { action: 'recordDisciplineOpinion', data: { result: 'clear', documentRef: '纪函〔2026〕7号' } }],
  ['fileReview', { action: 'recordFileReview', data: { result: 'clear' } }],
];
