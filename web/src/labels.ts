/** What the console shows in Chinese: procedure types, steps, actions, roles, rungs and the API's refusals. */
import { VALUE_LABELS } from './field-labels';

export const TYPE_LABELS: Record<string, string> = {
  rectification: '巡视整改销号',
  rectificationItem: '整改事项',
  approvalRequest: '通用审批',
  cadreSelection: '干部选拔任用',
  politicalExamination: '政治素质考察',
  politicalExaminationBatch: '政治素质考察批次',
  redeployment: '揭榜出征',
};

export const STEP_LABELS: Record<string, string> = {
  submit: '单位提交',
  review: '巡察办审核',
  unitHead: '单位负责人签字',
  leadDepartment: '牵头部门签字',
  inspectionOffice: '巡察办销号',
  rectifying: '整改中',
  signedOff: '已销号',
  vote: '票决',
  approved: '已通过',
  rejected: '未通过',
  withdrawn: '已撤回',
  closed: '已办结',
  principles: '原则审定',
  plan: '考察方案',
  planApproval: '方案审批',
  analysis: '综合分析',
  headApproval: '部长审批',
  feedback: '反馈',
  useOfResult: '结果运用',
  archive: '归档',
  evidence: '取证',
  talks: '个别谈话',
  questionnaire: '问卷调查',
  disciplineOpinion: '纪检监察意见',
  fileReview: '档案审核',
  reverseInspection: '反向考察',
  nomination: '民主推荐',
  shortlist: '确定考察对象',
  inspection: '考察',
  decision: '党委（党组）票决',
  publicNotice: '任前公示',
  appointment: '任职',
  probation: '试用期',
  draft: '拟定榜单',
  listApproval: '榜单审批',
  published: '报名',
  checks: '资格审查',
  ranking: '排序',
  proposal: '匹配方案',
  meeting: '部务会票决',
  dispatch: '派出',
  terms: '任期',
  examining: '考察中',
};

export const ACTION_LABELS: Record<string, string> = {
  // A module's commands (recordNomination, apply, …) under the names their forms give them.
  ...VALUE_LABELS,
  start: '发起',
  submit: '提交',
  pass: '审核通过',
  sign: '签字',
  approve: '同意',
  vote: '投票',
  return: '退回',
  transfer: '转办',
  addSigner: '加签',
  withdraw: '撤回',
  urge: '催办',
  copy: '抄送',
  closeVote: '结束表决',
  overdue: '逾期',
  escalate: '升级督办',
  submitList: '提交榜单',
};

export const ROLE_LABELS: Record<string, string> = {
  staff: '经办人',
  approver: '审批人',
  reviewer: '审核员',
  supervisor: '督查专员',
  admin: '系统管理员',
  calendarAdmin: '日历管理员',
};

export const RUNG_LABELS: Record<string, string> = {
  supervisionNotice: '督办通知',
  warning: '预警',
  accountability: '问责',
};

export const CHOICE_LABELS: Record<string, string> = { agree: '同意', disagree: '不同意', defer: '缓议' };

export const STATUS_LABELS: Record<string, string> = {
  open: '进行中',
  signedOff: '已销号',
  closed: '已办结',
  approved: '已通过',
  rejected: '已否决',
  withdrawn: '已撤回',
  completed: '已完成',
};

export const label = (table: Record<string, string>, key: string | null | undefined): string => (key ? (table[key] ?? key) : '—');

/** The API's refusal codes in Chinese. */
const PROBLEMS: Record<string, string> = {
  unauthenticated: '用户名或密码错误，或登录已失效',
  forbidden: '没有权限执行此操作',
  out_of_scope: '超出您的管理范围',
  validation_error: '输入有误',
  malformed_json: '请求格式错误',
  invalid_text: '包含无法保存的字符',
  invalid_input: '输入的内容不被接受',
  not_found: '未找到',
  task_not_found: '待办不存在',
  procedure_not_found: '流程不存在',
  procedure_exists: '该编号的流程已存在，请勿重复发起',
  procedure_ended: '流程已结束',
  task_not_pending: '该待办已处理或已关闭',
  not_assignee: '该待办不是分配给您的',
  action_not_allowed: '当前环节不允许此操作',
  invalid_target: '所选人员不符合要求（不能是本人或已在签批中的人员）',
  reason_required: '退回必须填写理由',
  cannot_withdraw: '已有人处理，不能撤回（逾期后仅督查专员可撤回并须说明理由）',
  not_allowed: '您无权执行此操作',
  invalid_ballot: '选票无效：每位候选人须且只能投一票',
  already_voted: '您已投过票',
  principal_votes_last: '主要负责人须最后表态',
  quorum_not_met: '到会人数不足法定人数，不能结束表决',
  institutional_rule_required: '销号须有建章立制成果，或说明无需建章立制的理由',
  invalid_due_date: '整改时限不符合要求',
  calendar_not_covered: '工作日历未覆盖该年度，请先载入该年日历',
  unknown_unit: '单位不存在',
  unit_not_found: '单位不存在',
  unknown_user: '人员不存在',
  unknown_person: '干部不存在',
  person_not_found: '干部不存在',
  no_assignee: '按规则找不到办理人',
  invalid_vote_rule: '表决规则不符合要求',
  idempotency_key_reused: '重复提交的内容与首次不一致',
  idempotency_in_progress: '上一次提交仍在处理中，请稍候',
  payload_too_large: '文件过大',
  too_many_rows: '文件行数过多',
  worker_unavailable: '流程引擎暂不可用，请稍后再试',
  state_unavailable: '暂时无法读取流程状态，请稍后再试',
  calendar_year_not_found: '该年度日历不存在',
  weak_password: '密码强度不足',
  wrong_stage: '当前阶段不允许此操作',
  evidence_incomplete: '佐证材料不完整',
  principles_not_frozen: '原则尚未审定冻结，不能提出人选（先定原则、再商人头）',
  nomination_quorum_not_met: '会议推荐到会人数不足应到人数的三分之二',
  shortlist_not_competitive: '考察对象须多于拟任职数（差额）',
  candidate_not_eligible: '人选不符合已冻结的任职资格',
  inspection_incomplete: '考察尚不完整',
  unknown_task: '任务不存在或已撤下',
  applications_closed: '报名已截止',
  talk_list_incomplete: '谈话对象不全（知情人、关键人、持不同意见者各至少一人）',
  grade_unjustified: '定档低于“较好”须列明所依据的问题',
  not_subject: '只有考察对象本人可以确认反馈',
  minutes_required: '须先附会议记录，才能结束表决',
  meeting_already_open: '会议已经召开',
  meeting_not_open: '会议尚未召开',
  invalid_attendance: '到会名单有误（非成员或重复）',
};

/** Common phrases of the API's validation messages, in Chinese. */
const PHRASES: [RegExp, string][] = [
  [/must not be empty/, '不能为空'],
  [/must be a calendar date YYYY-MM-DD/, '须为 YYYY-MM-DD 格式的日期'],
  [/must be within 12 months of the feedback, by (\S+)/, '须在反馈之日起 12 个月内（不晚于 $1）'],
  [/must come after the feedback date/, '须晚于反馈日期'],
  [/needs at least one problem/, '至少需要一个问题'],
  [/needs at least one piece of evidence/, '至少需要一份佐证材料'],
  [/needs one ballot per candidate/, '须对每位候选人各投一票'],
  [/needs at least one responsible unit/, '至少需要一个责任单位'],
  [/needs at least one person/, '至少选择一人'],
  [/must be at most (\d+) characters/, '不能超过 $1 个字符'],
  [/Required|expected .*, received undefined/i, '必填'],
  [/wrong username or password/, '用户名或密码错误'],
  [/the principal is not a member of this vote/, '主要负责人须是参加表决的成员'],
  [/the talk list needs at least (\d+) of each kind \(informed, key, dissenting\); too few: (.+)/, '每类至少 $1 人；不足：$2'],
  [/the principal leader votes last on (.+); still to vote: (.+)/, '对“$1”尚有到会成员未投票（$2）'],
];

/** A refusal in Chinese: the code's text, then the API's own detail translated where a phrase is known. */
export function problemText(code: string, apiMessage: string): string {
  const base = PROBLEMS[code];
  const detail = apiMessage.replace(/^[A-Za-z][\w.[\]-]*: /, '');
  for (const [re, zh] of PHRASES) {
    if (re.test(detail)) return base && code !== 'validation_error' && code !== 'unauthenticated' ? `${base}：${detail.replace(re, zh)}` : detail.replace(re, zh);
  }
  return base ? `${base}（${detail}）` : `操作未成功：${apiMessage}`;
}
