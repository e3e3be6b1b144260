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
  redeploymentTerm: '揭榜出征任期',
};

export const STEP_LABELS: Record<string, string> = {
  submit: '单位提交',
  report: '整改报告',
  submitted: '已报送',
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
  // 揭榜出征's term (任期, procedures/redeployment/term.workflow.ts): its reports, then the two assessments.
  reports: '任期报告',
  confirm: '确认报告',
  hostAssessment: '承接单位考核',
  departmentAssessment: '组织部门考核',
  assessed: '已考核',
};

/** A step whose key another type uses for something else: the term's 'report' is its periodic report, not a 整改报告. */
const TYPE_STEP_LABELS: Record<string, Record<string, string>> = { redeploymentTerm: { report: '任期报告' } };
/** A step or stage of a procedure of `type`, in Chinese. */
export const stepLabel = (type: string | null | undefined, key: string | null | undefined): string => (key && type ? TYPE_STEP_LABELS[type]?.[key] : undefined) ?? label(STEP_LABELS, key);

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
  report: '报送整改报告',
  submitReport: '报送任期报告',
  confirmReport: '确认任期报告',
  assessTerm: '任期考核',
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
  submitted: '已报送',
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
  invalid_qualification_override: '任职资格条件的调整有误（条件名称或取值不被接受）',
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
  not_present: '您未列入本次会议的到会人员（缺席或回避），不能投票',
  minutes_already_attached: '会议记录已附，不能重复附加',
  // 干部选拔任用
  recommendation_before_principles: '推荐日期早于原则审定冻结之日（先定原则、再商人头）',
  recommendation_expired: '民主推荐结果已超过一年有效期',
  postpone_too_long: '暂缓任职最长三个月',
  political_exam_required: '须先对人选进行任前政治素质考察',
  eligibility_date_fixed: '任职资格计算截止日期在推荐后已确定，不能修改',
  integrity_signer_not_office_holder: '签字人不是人选所在单位该职务的在任人员',
  integrity_signer_is_candidate: '人选本人不能签署廉洁自律意见',
  integrity_same_signer: '两处廉洁自律签字不能由同一人签署',
  postponement_not_due: '暂缓期限未到，尚不能作最终决定',
  vote_already_started: '已有成员投票，不能再暂缓表决',
  reconsideration_not_agreed: '复议须经半数以上成员同意',
  personal_matters_concealed: '个人有关事项报告存在瞒报，不能继续',
  check_pending: '尚有核查待核实，考察不能完成',
  over_establishment: '超出核定职数，须有批准记录',
  recused_member: '与人选有回避关系的成员不参加表决',
  // 揭榜出征
  invalid_task: '任务信息有误',
  not_eligible: '不符合揭榜条件',
  too_many_applications: '揭榜任务数超过上限',
  invalid_ranking: '排序有误（只能排列通过资格审查的报名人，且不能重复）',
  rankings_incomplete: '尚有任务未排序或尚有报名人未资格审查',
  invalid_adjustment: '匹配调整有误（超出名额、人选已匹配或不符合条件）',
  invalid_acknowledgement: '任务书确认有误（只能由本人或接收单位确认一次）',
  letter_not_found: '任务书不存在',
  not_cadre: '只能由出征干部本人办理',
  invalid_report: '工作报告有误',
  term_not_ended: '任期尚未结束，不能考核',
  assessment_incomplete: '考核不完整（优秀须列明实绩，不合格须列明后续处理）',
  not_department: '只能由组织部门办理',
  invalid_termination_reason: '提前终止的理由有误',
  term_closed: '任期已结束或正在考核',
  // 政治素质考察
  invalid_plan: '考察方案有误',
  too_few_respondents: '问卷人数少于最低要求',
  invalid_evidence: '取证材料有误',
  grade_not_in_set: '定档不在规定的档次中',
  use_of_result_incomplete: '结果运用未涵盖定档或问题要求的事项',
  empty_scope: '考察范围须至少包含一个单位',
  invalid_scope: '考察范围中的单位不能重复',
  // The API's own refusals
  too_deep: '提交的内容嵌套过深',
  too_many_items: '匹配的事项过多，请缩小筛选范围',
  too_many_attempts: '登录失败次数过多，请稍后再试',
  local_login_disabled: '本系统已改用统一身份认证登录',
  identity_provider_unavailable: '统一身份认证暂不可用，请稍后再试',
  idempotency_key_required: '请求缺少防重复提交标识',
  headers_too_large: '请求头过大',
  request_timeout: '请求超时',
  malformed_request: '请求格式错误',
  bad_request: '请求无法读取',
  database_unavailable: '数据库暂不可用，请稍后再试',
  projection_unavailable: '操作已生效，但暂时未能记录，请稍后重试同一操作',
  internal_error: '系统内部错误',
  not_ready: '系统尚未就绪',
  http_error: '请求未成功',
};

/** Common phrases of the API's validation messages, in Chinese. */
const TALK_KINDS: Record<string, string> = { informed: '知情人', key: '关键人', dissenting: '持不同意见者' };
const TYPE_NAMES: Record<string, string> = { number: '数字', int: '整数', string: '文字', array: '列表', boolean: '是或否', object: '一组字段' };
const PHRASES: [RegExp, string | ((...m: string[]) => string)][] = [
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
  // zod's own messages (the API's request schemas), and the rules' common ones.
  [/^Invalid input: expected (\w+), received (?!undefined)\w+/, (_m, t) => `须为${TYPE_NAMES[t!] ?? '规定的格式'}`],
  [/^Invalid option: expected one of/, '不在可选范围内'],
  [/^Too small: expected string to have >=?(\d+) characters?/, '至少 $1 个字符'],
  [/^Too small: expected array to have >=?(\d+) items?/, '至少 $1 项'],
  [/^Too small: expected number to be >=?(-?[\d.]+)/, '不能小于 $1'],
  [/^Too big: expected string to have <=?(\d+) characters?/, '不能超过 $1 个字符'],
  [/^Too big: expected array to have <=?(\d+) items?/, '最多 $1 项'],
  [/^Too big: expected number to be <=?(-?[\d.]+)/, '不能大于 $1'],
  [/^Invalid (?:ISO )?date/, '日期无效'],
  [/must not be blank/, '不能为空'],
  [/must be a YYYY-MM-DD date/, '须为 YYYY-MM-DD 格式的日期'],
  [/^\d+ unknown fields?$|^unknown fields?: /, '包含不接受的字段'],
  [/appears twice/, '重复出现'],
  [/too many failed logins; try again in (\d+) s/, '请 $1 秒后再试'],
  // The people import's row errors (POST /people/import, errors[].errors[].message).
  [/^"(.*)" is not a calendar date$/, '“$1”不是有效的日期'],
  [/^"(.*)" has no day;.*$/, '“$1”缺少日'],
  [/^(.*) is not a date;.*$/, '$1 不是日期（请写作 YYYY-MM-DD）'],
  // The row problems name the column, never the cell's text (the API never echoes a file's contents).
  [/^is not a date;.*$/, '不是日期（请写作 YYYY-MM-DD）'],
  [/^has text that is not allowed/, '含有不允许的字符（空字符、控制字符或无效字符）'],
  [/^(\S+) is outside 1900–2099$/, '$1 不在 1900–2099 年之间'],
  // A calendar day outside the year it is loaded for (api/routes/calendar.ts).
  [/^(\d{4}-\d{2}-\d{2}) is not in (\d{4})$/, '$1 不在 $2 年内'],
  [/^is required$/, '必填'],
  [/^(.*) is not a personnel number$/, '$1 不是有效的编号'],
  [/^.*must be 1–64 letters, digits.*$/, '编号须为 1–64 位字母、数字、“_”“.”或“-”，以字母或数字开头'],
  [/^"(.*)" is not a gender;.*$/, '“$1”不是性别，须为“男”或“女”'],
  [/^is not a gender;.*$/, '不是性别，须为“男”或“女”'],
  // The lists name each value in Chinese with its API name in brackets, which the console leaves out.
  [/^"(.*)" is not a grade; use one of (.+)$/, (_m, v, list) => `“${v}”不是职级，须为以下之一：${list!.replace(/ \([A-Za-z]+\)/g, '').replace(/, /g, '、')}`],
  [/^"(.*)" is not an education; use one of (.+)$/, (_m, v, list) => `“${v}”不是学历，须为以下之一：${list!.replace(/ \([A-Za-z]+\)/g, '').replace(/, /g, '、')}`],
  [/^is not a grade; use one of (.+)$/, (_m, list) => `不是职级，须为以下之一：${list!.replace(/ \([A-Za-z]+\)/g, '').replace(/, /g, '、')}`],
  [/^is not an education; use one of (.+)$/, (_m, list) => `不是学历，须为以下之一：${list!.replace(/ \([A-Za-z]+\)/g, '').replace(/, /g, '、')}`],
  [/^"(.*)" is not a number of years$/, '“$1”不是年数'],
  [/^is not a number of years$/, '不是年数'],
  [/^(\S+) has more than one decimal$/, '$1 超过一位小数'],
  [/^(\S+) must be between 0 and 99\.9$/, '$1 须在 0 到 99.9 之间'],
  [/^"(.*)" is not yes or no;.*$/, '“$1”须为“是”或“否”'],
  [/^is not yes or no;.*$/, '须为“是”或“否”'],
  [/^"(.*)" is not a health result;.*$/, '“$1”不是体检结论，须为合格、基本合格或不合格'],
  [/^is not a health result;.*$/, '不是体检结论，须为合格、基本合格或不合格'],
  [/^lists more than 20 fields$/, '专业领域最多 20 个'],
  [/^a field must be at most 32 characters$/, '每个专业领域不超过 32 个字符'],
  [/^(\S+) is in the future$/, '$1 晚于今天'],
  [/^(\S+) is not after the birth date (\S+)$/, '$1 不晚于出生日期 $2'],
  [/^(\S+) is before the work start date (\S+)$/, '$1 早于参加工作时间 $2'],
  [/^.*out-of-turn \(破格\) promotion needs its date.*$/, '破格提拔须填写最近提拔时间'],
  [/^.*a health result \(体检结论\) needs its date.*$/, '填写体检结论须同时填写体检日期'],
  [/^.*a health check date \(体检日期\) needs its result.*$/, '填写体检日期须同时填写体检结论'],
  [/^(\S+) years is more than the (\S+) years since the work start date$/, '基层工作年限 $1 年超过参加工作以来的 $2 年'],
  [/^(\S+) already appears in row (\d+)$/, '$1 与第 $2 行重复'],
  [/^no unit has the id or name "(.*)"$/, '没有编号或名称为“$1”的单位'],
  [/^no unit has this id or name$/, '没有该编号或名称的单位'],
  [/^only the organization department imports people without a unit$/, '只有组织部门可以导入无单位的人员'],
  [/^the unit is outside your scope$/, '该单位超出您的管理范围'],
  [/^the person belongs to a unit outside your scope$/, '该人员所在单位超出您的管理范围'],
  [/^a new person needs a unit in your scope$/, '新增人员须属于您管理范围内的单位'],
  [/^the account is linked to another person in this file$/, '该账号已关联本文件中的另一人'],
  [/^no user account has this id$/, '没有该用户账号'],
  [/^the account is linked to another person$/, '该账号已关联其他人员'],
  [/the principal is not a member of this vote/, '主要负责人须是参加表决的成员'],
  [/the talk list needs at least (\d+) of each kind \(informed, key, dissenting\); too few: (.+)/, (_m, n, few) => `知情人、关键人、持不同意见者每类至少 ${n} 人；不足：${few!.split(/,\s*/).map((k) => TALK_KINDS[k] ?? k).join('、')}`],
  [/the principal leader votes last on (.+); still to vote: (.+)/, '对“$1”尚有到会成员未投票（$2）'],
];

/** Names the console shows as they are (file formats, the Temporal Web UI). */
const LATIN_NAMES = new Set(['XLSX', 'CSV', 'DOCX', 'SHA', 'Temporal', 'Web', 'UI', 'YYYY', 'MM', 'DD', 'HTTP']);
/**
 * Whether a text has an English word in it: a run of 3+ letters standing alone. An identifier (T1, GB9101,
 * zzb-head, T1/GB9101, a field path) is a name, not a word, and a known name (XLSX) is allowed.
 */
export function hasEnglish(text: string): boolean {
  return (text.match(/[A-Za-z0-9_./-]+/g) ?? []).some((t) => /^[A-Za-z]{3,}$/.test(t) && !LATIN_NAMES.has(t));
}

/** Why an audit chain's verification failed (GET /procedures/:workflowId/audit/verify, firstBroken.reason). */
export const AUDIT_REASON_LABELS: Record<string, string> = {
  hash_mismatch: '哈希不符',
  prev_hash_mismatch: '与上一条的链接不符',
  sequence_gap: '序号不连续',
  tail_rewritten: '末尾记录被改写（与锚定的哈希不符）',
  truncated: '记录被截短（少于锚定的条数）',
};

/** A detail of the API's (an import row's problem) in Chinese, or, when no phrase knows it, `fallback`. */
export function detailText(message: string, fallback = '该项有误'): string {
  const detail = message.replace(/^[A-Za-z][\w.[\]-]*: /, '');
  for (const [re, zh] of PHRASES) {
    if (!re.test(detail)) continue;
    const said = typeof zh === 'string' ? detail.replace(re, zh) : detail.replace(re, zh);
    return hasEnglish(said) ? fallback : said;
  }
  return fallback;
}

/**
 * A refusal in Chinese: the code's text, with the API's detail where a known phrase translates it. The API's
 * messages are English (they are for logs and curl); an untranslated detail is left out rather than shown in
 * English, so a user reads the code's text (a field's name comes from the form it is shown at).
 */
export function problemText(code: string, apiMessage: string): string {
  const base = PROBLEMS[code] ?? '操作未成功';
  const detail = apiMessage.replace(/^[A-Za-z][\w.[\]-]*: /, '');
  for (const [re, zh] of PHRASES) {
    if (!re.test(detail)) continue;
    const said = typeof zh === 'string' ? detail.replace(re, zh) : detail.replace(re, zh);
    // A phrase that leaves an English remainder (a list of kinds) gives the code's text only.
    if (hasEnglish(said)) return base;
    return code !== 'validation_error' && code !== 'unauthenticated' && PROBLEMS[code] ? `${base}：${said}` : said;
  }
  return base;
}
