/**
 * The console shows Chinese: every refusal code a procedure module or the API can answer has its Chinese text
 * in the console (web/src/labels.ts), and what the console makes of the API's English messages (zod's, the
 * rules', the people import's row problems) has no English word left in it. The browser tests check the
 * same on the screens they reach (expectChinese in ./browser.ts); this covers the codes no screen reaches.
 */
import { fromZod } from '../../api/errors';
import { LoginBody } from '../../api/schemas';
import { parsePeopleSheet } from '../../domain/people-import';
import { KernelRefusal } from '../../procedures/kernel/messages';
import { MeetingRefusal } from '../../procedures/kernel/vote';
import { RectificationRefusal } from '../../procedures/rectification/messages';
import { RedeploymentCommandBody, StartRedeploymentBody } from '../../procedures/redeployment/schemas';
import { TermRefusal } from '../../procedures/redeployment/term-messages';
import { PROCEDURES } from '../../procedures/registry';
import { SelectionRefusal, SELECTION_STAGES } from '../../procedures/cadre-selection/messages';
import { EXAMINATION_STAGES, ExaminationRefusal } from '../../procedures/political-examination/messages';
import { REDEPLOYMENT_STAGES, RedeploymentRefusal } from '../../procedures/redeployment/messages';
import SCHEMAS from '../../web/src/start-schemas.json';
import { ACTION_LABELS, STEP_LABELS, TYPE_LABELS, detailText, hasEnglish, problemText, stepLabel } from '../../web/src/labels';


/** The API's own codes a user can meet (api/: errors, auth, idempotency, import limits, the server's parser). */
const API_CODES = [
  'unauthenticated', 'forbidden', 'out_of_scope', 'validation_error', 'malformed_json', 'invalid_text', 'too_deep', 'not_found',
  'task_not_found', 'procedure_not_found', 'procedure_exists', 'procedure_ended', 'unknown_unit', 'unit_not_found', 'unknown_user',
  'person_not_found', 'no_assignee', 'idempotency_key_reused', 'idempotency_in_progress', 'idempotency_key_required', 'payload_too_large',
  'too_many_rows', 'too_many_items', 'too_many_attempts', 'local_login_disabled', 'identity_provider_unavailable', 'worker_unavailable',
  'state_unavailable', 'projection_unavailable', 'database_unavailable', 'calendar_year_not_found', 'calendar_not_covered', 'weak_password',
  'letter_not_found', 'headers_too_large', 'request_timeout', 'malformed_request', 'bad_request', 'internal_error', 'not_ready',
];
const MODULE_CODES = [KernelRefusal, MeetingRefusal, SelectionRefusal, RectificationRefusal, RedeploymentRefusal, TermRefusal, ExaminationRefusal].flatMap((o) => Object.values(o) as string[]);

describe('the console’s messages are Chinese', () => {
  test('the English-word check itself: a word is caught, an id or a file format is not', () => {
    expect(hasEnglish('不足：dissenting')).toBe(true);
    expect(hasEnglish('当前阶段不允许此操作（publish is taken at approved）')).toBe(true);
    expect(hasEnglish('对“T1/GB9101”尚有到会成员未投票（zzb-m2、cw-3）')).toBe(false);
    expect(hasEnglish('导出 XLSX')).toBe(false);
  });

  test.each([...new Set([...MODULE_CODES, ...API_CODES])])('%s has Chinese text, and an English detail is not shown', (code) => {
    // A message the console cannot translate: only the code's own text is shown.
    const text = problemText(code, 'action: publish is taken at approved; the list is at draft');
    expect(text).not.toBe('操作未成功');
    expect(hasEnglish(text)).toBe(false);
  });

  test('an unknown code and message still read as Chinese', () => {
    expect(problemText('some_new_code', 'something English went wrong')).toBe('操作未成功');
  });

  test('zod’s messages for the list’s start and commands, and the login, translate without English', () => {
    const bodies: [{ safeParse: (v: unknown) => { success: boolean; error?: unknown } }, unknown][] = [
      [StartRedeploymentBody, {}],
      [StartRedeploymentBody, { listId: 'L1', title: '', tasks: [{ taskId: 'T1', title: 'x', people: 'two', term: { start: 'soon' } }] }],
      [RedeploymentCommandBody, { action: 'vote', choice: 'maybe' }],
      [RedeploymentCommandBody, { action: 'publish' }],
      [RedeploymentCommandBody, { action: 'rank', taskId: 'T1', personIds: 'GB1' }],
      [RedeploymentCommandBody, { action: 'openMeeting', date: '2026-12-01', present: [], extra: 1 }],
      [LoginBody, { username: 'a', password: '' }],
    ];
    let seen = 0;
    for (const [schema, body] of bodies) {
      const r = schema.safeParse(body);
      expect(r.success).toBe(false);
      const problem = fromZod(r.error as never);
      for (const issue of (problem.details as { issues: { field: string; message: string }[] }).issues) {
        const text = problemText('validation_error', `${issue.field}: ${issue.message}`);
        expect([issue.message, text, hasEnglish(text)]).toEqual([issue.message, text, false]);
        seen += 1;
      }
    }
    expect(seen).toBeGreaterThan(8);
  });

  test('the people import’s row problems are shown in Chinese, each with what it says', () => {
    const heading = ['编号', '姓名', '性别', '出生日期', '单位', '现职级', '任现职级时间', '参加工作时间', '基层工作年限', '学历', '是否破格', '体检日期', '体检结论', '专业领域'];
    const rows = [
      ['E1', '甲', '男', '1990-02-30', 'jyj', '正科', '2020-01-01', '2012-07-01', '1', '本科', '否', '', '', ''],
      ['E2', '乙', '未知', '1990-01-01', 'jyj', '大官', '2020-01-01', '1980-07-01', '1.25', '私塾', '也许', '2026-01-01', '', ''],
      ['E3', '丙', '女', '2199-01-01', 'jyj', '正科', '2020-01-01', '2012-07-01', '99', '本科', '是', '', '良好', ''],
      ['E1', '丁', '女', '1985-01-01', 'jyj', '正科', '2020-01-01', '2008-07-01', '1', '本科', '否', '', '', ''],
    ];
    const sheet = parsePeopleSheet([heading, ...rows].map((cells, i) => ({ row: i + 1, cells })), '2026-11-30');
    const messages = sheet.errors.flatMap((e) => e.errors.map((x) => x.message));
    expect(messages.length).toBeGreaterThan(8);
    for (const m of messages) {
      const text = detailText(m, 'UNTRANSLATED');
      expect([m, text]).not.toEqual([m, 'UNTRANSLATED']);
      expect([m, hasEnglish(text)]).toEqual([m, false]);
    }
  });

  test('every procedure type, every action a form can send and every stage has its Chinese name', () => {
    // The actions: every variant of the task action and of the modules' commands, from the API's own schemas.
    const actions = new Set<string>(['start', 'withdraw', 'urge', 'copy']);
    const walk = (n: unknown): void => {
      if (!n || typeof n !== 'object') return;
      if (Array.isArray(n)) return n.forEach(walk);
      const a = (n as { properties?: { action?: { enum?: string[]; const?: string } } }).properties?.action;
      for (const x of [...(a?.enum ?? []), ...(a?.const ? [a.const] : [])]) actions.add(x);
      Object.values(n).forEach(walk);
    };
    walk(SCHEMAS);
    expect([...actions].filter((a) => !ACTION_LABELS[a])).toEqual([]);
    expect(PROCEDURES.map((p) => p.type).filter((t) => !TYPE_LABELS[t])).toEqual([]);
    // The term's steps and stages (term.workflow.ts), besides the modules' stage lists.
    const stages = [...SELECTION_STAGES, ...EXAMINATION_STAGES, ...REDEPLOYMENT_STAGES, 'reports', 'report', 'confirm', 'hostAssessment', 'departmentAssessment', 'assessed'];
    expect(stages.filter((s) => !STEP_LABELS[s])).toEqual([]);
    // A key two types use differently reads by its type: the term's report is not a rectification's 整改报告.
    expect([stepLabel('redeploymentTerm', 'report'), stepLabel('rectificationItem', 'report')]).toEqual(['任期报告', '整改报告']);
  });
});
