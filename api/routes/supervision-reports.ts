/**
 * Supervision reports (督查报表) per period and unit, per rectification feedback and per batch, as JSON
 * and as XLSX downloads, for supervisors and the staff who start procedures, within their scope.
 */
import { z } from 'zod';
import { chinaDateOf } from '../../domain/dates';
import { periodOf, PERIOD_KINDS } from '../../domain/reports';
import { batchReport, feedbackClosing, feedbackReport, periodReport, type FeedbackClosing } from '../../platform/reports';
import type { ProblemSummary, UnitSummary } from '../../procedures/rectification/messages';
import { access, procedureScopeSql } from '../authz';
import { BadRequest, NotFound } from '../errors';
import { exportNames, type ExportNames } from '../export-names';
import { streamXlsx, type Column, type Sheet } from '../xlsx';
import { id, WorkflowIdParam } from '../schemas';
import type { RouteContext } from './context';
import { downloadRoute } from './download';
import { TYPES, typeLabel } from './supervision';

/** Reports are for supervisors and for the staff (经办人) who start the procedures, each within their scope. */
const REPORT_ROLES = ['supervisor', 'staff'] as const;

const ReportQuery = z
  .object({
    period: z.enum(PERIOD_KINDS, { message: `must be one of ${PERIOD_KINDS.join(', ')}` }).default('month'),
    at: z.string().max(16).optional().openapi({ description: 'The period: 2026-11 (month), 2026-Q4 (quarter) or 2026 (year); the current one by default' }),
    unit: id.optional(),
    type: z.enum(TYPES, { message: `must be one of ${TYPES.join(', ')}` }).optional(),
  })
  .strict();

/** The period a report query names, or a 400 naming `at`. */
function reportPeriod(q: z.output<typeof ReportQuery>) {
  const today = chinaDateOf(new Date());
  const at = q.at ?? (q.period === 'year' ? today.slice(0, 4) : q.period === 'quarter' ? `${today.slice(0, 4)}-Q${Math.floor((Number(today.slice(5, 7)) - 1) / 3) + 1}` : today.slice(0, 7));
  const p = periodOf(q.period, at);
  if (!p) throw new BadRequest('validation_error', `at: must name a ${q.period} as ${q.period === 'month' ? '2026-11' : q.period === 'quarter' ? '2026-Q4' : '2026'}`, { field: 'at' });
  return p;
}

const Escalations = z.object({ supervisionNotice: z.number().int(), warning: z.number().int(), accountability: z.number().int() });
const PeriodReportSchema = z
  .object({
    period: z.object({ kind: z.string(), label: z.string(), from: z.string(), to: z.string().openapi({ description: 'Exclusive' }) }),
    rows: z.array(
      z.object({
        unitId: z.string(),
        type: z.string(),
        started: z.number().int(),
        closed: z.number().int(),
        onTime: z.number().int(),
        due: z.number().int(),
        onTimeRate: z.number().nullable(),
        returns: z.number().int(),
        returnsPerItem: z.number().nullable(),
        escalations: Escalations,
        stages: z.array(z.object({ stage: z.string(), tasks: z.number().int(), avgWorkingDays: z.number().nullable(), p90WorkingDays: z.number().nullable() })),
      }),
    ),
  })
  .openapi('PeriodReport');
const FeedbackPartSchema = z.object({
  key: z.string(),
  items: z.number().int(),
  open: z.number().int(),
  overdue: z.number().int(),
  returns: z.number().int(),
  escalations: Escalations,
  ended: z.object({
    items: z.number().int(),
    signedOff: z.number().int(),
    withdrawn: z.number().int(),
    withdrawnLate: z.number().int(),
    onTime: z.number().int(),
    submittedOnTime: z.number().int(),
    late: z.number().int(),
    onTimeRate: z.number(),
  }),
});
const FeedbackReportSchema = z
  .object({ workflowId: z.string(), title: z.string(), perProblem: z.array(FeedbackPartSchema), perUnit: z.array(FeedbackPartSchema) })
  .openapi('RectificationFeedbackReport');

const BatchPartSchema = z.object({
  key: z.string(),
  items: z.number().int(),
  open: z.number().int(),
  overdue: z.number().int(),
  closed: z.number().int(),
  onTime: z.number().int(),
  escalations: Escalations,
});
const BatchReportSchema = z
  .object({ workflowId: z.string(), type: z.string(), title: z.string(), perStage: z.array(BatchPartSchema), perUnit: z.array(BatchPartSchema) })
  .openapi('BatchReport');
type BatchPartRow = z.infer<typeof BatchPartSchema>;
const BATCH_COLUMNS = (what: string, key: (k: string) => string): Column<BatchPartRow>[] => [
  { header: what, width: 24, value: (r) => key(r.key) },
  { header: '事项数', width: 10, value: (r) => r.items },
  { header: '在办', width: 8, value: (r) => r.open },
  { header: '逾期在办', width: 10, value: (r) => r.overdue },
  { header: '办结', width: 8, value: (r) => r.closed },
  { header: '按期办结', width: 10, value: (r) => r.onTime },
  { header: '督办通知', width: 10, value: (r) => r.escalations.supervisionNotice },
  { header: '预警', width: 8, value: (r) => r.escalations.warning },
  { header: '问责', width: 8, value: (r) => r.escalations.accountability },
];

type PeriodRow = z.infer<typeof PeriodReportSchema>['rows'][number];
type FeedbackPartRow = z.infer<typeof FeedbackPartSchema>;

const REPORT_COLUMNS = (names: ExportNames): Column<PeriodRow>[] => [
  { header: '单位', width: 24, value: (r) => names.unit(r.unitId) },
  { header: '事项类型', width: 22, value: (r) => typeLabel(r.type) },
  { header: '发起数', width: 10, value: (r) => r.started },
  { header: '办结数', width: 10, value: (r) => r.closed },
  { header: '按期办结数', width: 12, value: (r) => r.onTime },
  { header: '按期率', width: 10, value: (r) => r.onTimeRate, numFmt: '0.0%' },
  { header: '退回次数', width: 10, value: (r) => r.returns },
  { header: '件均退回', width: 10, value: (r) => r.returnsPerItem, numFmt: '0.00' },
  { header: '督办通知', width: 10, value: (r) => r.escalations.supervisionNotice },
  { header: '预警', width: 8, value: (r) => r.escalations.warning },
  { header: '问责', width: 8, value: (r) => r.escalations.accountability },
];
const FEEDBACK_COLUMNS = (what: string, key: (k: string) => string = (k) => k): Column<FeedbackPartRow>[] => [
  { header: what, width: 24, value: (r) => key(r.key) },
  { header: '事项数', width: 10, value: (r) => r.items },
  { header: '在办', width: 8, value: (r) => r.open },
  { header: '逾期在办', width: 10, value: (r) => r.overdue },
  { header: '已销号', width: 10, value: (r) => r.ended.signedOff },
  { header: '按期销号', width: 10, value: (r) => r.ended.onTime },
  { header: '单位按期报送', width: 14, value: (r) => r.ended.submittedOnTime },
  { header: '逾期销号', width: 10, value: (r) => r.ended.late },
  { header: '撤回', width: 8, value: (r) => r.ended.withdrawn },
  { header: '按期率', width: 10, value: (r) => r.ended.onTimeRate, numFmt: '0.0%' },
  { header: '退回次数', width: 10, value: (r) => r.returns },
  { header: '督办通知', width: 10, value: (r) => r.escalations.supervisionNotice },
  { header: '预警', width: 8, value: (r) => r.escalations.warning },
  { header: '问责', width: 8, value: (r) => r.escalations.accountability },
];

/** A rate as staff print it, in a cell of a sheet whose column mixes counts and rates. */
const percent = (rate: number): string => `${(rate * 100).toFixed(1)}%`;

/** 责任清单's kinds (procedures/rectification/messages.ts RESPONSIBILITY_KINDS). */
const RESPONSIBILITY_TEXT: Record<string, string> = { lead: '牵头', responsible: '责任', cooperating: '配合' };

type Line = { label: string; value: string | number };
/** A totals row (合计) under a table of counts: each count summed. */
type Counts = { items: number; signedOff: number; onTime: number; submittedOnTime: number };
function withTotals<R extends Counts>(rows: readonly R[], total: (t: Counts) => R): R[] {
  const t: Counts = { items: 0, signedOff: 0, onTime: 0, submittedOnTime: 0 };
  for (const r of rows) {
    t.items += r.items;
    t.signedOff += r.signedOff;
    t.onTime += r.onTime;
    t.submittedOnTime += r.submittedOnTime;
  }
  return [...rows, total(t)];
}

/**
 * A closed feedback's 整改情况报告 (its workflow's RectificationSummary, projected as its result): the totals, the
 * failed items, the units' 整改报告 and the closing date; per unit and per problem with a totals row; and the
 * 三张清单 (问题清单, 任务清单, 责任清单) as the feedback started with them.
 */
// Sheets of different row types, as streamXlsx takes them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function closingSheets(c: FeedbackClosing, names: ExportNames): Sheet<any>[] {
  const s = c.summary;
  const lines: Line[] = [
    { label: '反馈意见', value: c.title },
    { label: '办结日期', value: chinaDateOf(new Date(s.closedAt)) },
    { label: '整改事项', value: s.items },
    { label: '已销号', value: s.signedOff },
    { label: '按期销号', value: s.onTime },
    { label: '单位按期报送', value: s.submittedOnTime },
    { label: '逾期销号', value: s.late },
    { label: '撤回', value: s.withdrawn },
    { label: '逾期撤回', value: s.withdrawnLate },
    { label: '办理失败', value: s.failed },
    { label: '按期率', value: percent(s.onTimeRate) },
    ...(s.reports
      ? [
          { label: '整改报告应报单位', value: s.reports.units },
          { label: '整改报告已报送', value: s.reports.submitted },
          { label: '整改报告按期报送', value: s.reports.onTime },
          { label: '整改报告撤回', value: s.reports.withdrawn },
          { label: '整改报告办理失败', value: s.reports.failed },
          { label: '整改报告按期率', value: percent(s.reports.onTimeRate) },
        ]
      : []),
  ];
  const TOTAL = '合计';
  const units = withTotals<UnitSummary>(s.perUnit, (t) => ({ unitId: TOTAL, items: t.items, signedOff: t.signedOff, onTime: t.onTime, submittedOnTime: t.submittedOnTime }));
  const problemTitle = new Map(c.problems.map((p) => [p.no, p]));
  const problems = withTotals<ProblemSummary>(s.perProblem ?? [], (t) => ({
    problemNo: TOTAL,
    items: t.items,
    signedOff: t.signedOff,
    onTime: t.onTime,
    submittedOnTime: t.submittedOnTime,
    withdrawnLate: (s.perProblem ?? []).reduce((n, p) => n + p.withdrawnLate, 0),
    onTimeRate: s.onTimeRate,
  }));
  // 三张清单: a row per responsibility of each task; a problem without tasks (or a task without one) still has its row.
  type ListRow = { no: string; title: string; lead: string | null; taskNo: string | null; measure: string | null; due: string | null; unit: string | null; kind: string | null; leader: string | null; person: string | null };
  const lists: ListRow[] = c.problems.flatMap((p): ListRow[] => {
    const ps = s.perProblem?.find((x) => x.problemNo === p.no);
    const base = { no: p.no, title: p.title, lead: p.leadUnitId ? names.unit(p.leadUnitId) : null };
    const tasks = ps?.tasks ?? [];
    if (!tasks.length) return [{ ...base, taskNo: null, measure: null, due: null, unit: null, kind: null, leader: null, person: null }];
    return tasks.flatMap((t): ListRow[] => {
      const task = { ...base, taskNo: t.no, measure: t.measure, due: t.dueDate ?? null };
      const rs = (ps?.responsibilities ?? []).filter((r) => r.taskNo === t.no);
      if (!rs.length) return [{ ...task, unit: null, kind: null, leader: null, person: null }];
      return rs.map((r) => ({ ...task, unit: names.unit(r.unitId), kind: RESPONSIBILITY_TEXT[r.kind] ?? r.kind, leader: r.leader ?? null, person: r.person ?? null }));
    });
  });
  return [
    {
      name: '整改情况报告',
      rows: lines,
      columns: [
        { header: '项目', width: 20, value: (l: Line) => l.label },
        { header: '情况', width: 48, value: (l: Line) => l.value },
      ],
    },
    {
      name: '分单位汇总',
      rows: units,
      columns: [
        { header: '责任单位', width: 24, value: (u: UnitSummary) => (u.unitId === TOTAL ? TOTAL : names.unit(u.unitId)) },
        { header: '事项数', width: 10, value: (u: UnitSummary) => u.items },
        { header: '已销号', width: 10, value: (u: UnitSummary) => u.signedOff },
        { header: '按期销号', width: 10, value: (u: UnitSummary) => u.onTime },
        { header: '单位按期报送', width: 14, value: (u: UnitSummary) => u.submittedOnTime },
      ],
    },
    {
      name: '分问题汇总',
      rows: problems,
      columns: [
        { header: '问题序号', width: 10, value: (p: ProblemSummary) => p.problemNo },
        { header: '问题', width: 40, value: (p: ProblemSummary) => problemTitle.get(p.problemNo)?.title ?? null },
        { header: '事项数', width: 10, value: (p: ProblemSummary) => p.items },
        { header: '已销号', width: 10, value: (p: ProblemSummary) => p.signedOff },
        { header: '按期销号', width: 10, value: (p: ProblemSummary) => p.onTime },
        { header: '单位按期报送', width: 14, value: (p: ProblemSummary) => p.submittedOnTime },
        { header: '逾期撤回', width: 10, value: (p: ProblemSummary) => p.withdrawnLate },
        { header: '按期率', width: 10, value: (p: ProblemSummary) => p.onTimeRate, numFmt: '0.0%' },
      ],
    },
    {
      name: '三张清单',
      rows: lists,
      columns: [
        { header: '问题序号', width: 10, value: (l: ListRow) => l.no },
        { header: '问题', width: 40, value: (l: ListRow) => l.title },
        { header: '牵头部门', width: 20, value: (l: ListRow) => l.lead },
        { header: '任务序号', width: 10, value: (l: ListRow) => l.taskNo },
        { header: '整改措施', width: 40, value: (l: ListRow) => l.measure },
        { header: '完成时限', width: 12, value: (l: ListRow) => l.due },
        { header: '责任单位', width: 24, value: (l: ListRow) => l.unit },
        { header: '责任类型', width: 10, value: (l: ListRow) => l.kind },
        { header: '责任领导', width: 12, value: (l: ListRow) => l.leader },
        { header: '责任人', width: 12, value: (l: ListRow) => l.person },
      ],
    },
  ];
}

export function supervisionReportRoutes(ctx: RouteContext): void {
  const { route } = ctx;
  const download = downloadRoute(ctx);

  route({
    method: 'get',
    path: '/supervision/reports',
    tag: 'supervision',
    summary: 'Report per period (month, quarter, year) and per unit across procedure types',
    description:
      'Per unit × type: procedures started and closed in the period; the on-time rate (closed by the due date, of those ' +
      'closed with one); returns (退回) per closed procedure; escalations per rung of the overdue ladder in the period; and per ' +
      'stage, the tasks completed in the period with their average and p90 working days (the working-day calendar). An item ' +
      'of several units counts in each.',
    access: access.roles(...REPORT_ROLES),
    query: ReportQuery,
    response: { status: 200, schema: PeriodReportSchema, description: 'The report' },
    errors: [403],
    handler: async ({ em, user, query }) => ({ status: 200, body: await periodReport(em, reportPeriod(query), { ...query, scope: procedureScopeSql(user) }) }),
  });

  route({
    method: 'get',
    path: '/supervision/reports/rectification/:workflowId',
    tag: 'supervision',
    summary: 'A rectification feedback (整改) per problem and per unit',
    description: 'Open, overdue, returns and rungs from the projections; the ended items counted by the rectification’s own rules (销号, on time, the unit’s part).',
    access: access.procedure('workflowId', { roles: [...REPORT_ROLES] }),
    params: WorkflowIdParam,
    response: { status: 200, schema: FeedbackReportSchema, description: 'The report' },
    errors: [403, 404],
    handler: async ({ em, params }) => {
      const r = await feedbackReport(em, params.workflowId);
      if (!r) throw new NotFound('procedure_not_found', 'no such rectification feedback');
      return { status: 200, body: r };
    },
  });

  download({
    path: '/supervision/reports/export',
    summary: 'The period report as XLSX (统计报表): per unit and type, and per stage',
    roles: REPORT_ROLES,
    query: ReportQuery,
    send: async ({ em, user, query, res }) => {
      const r = await periodReport(em, reportPeriod(query), { ...query, scope: procedureScopeSql(user) });
      const stages = r.rows.flatMap((row) => row.stages.map((st) => ({ row, st })));
      const names = await exportNames(em);
      await streamXlsx(res, `统计报表-${r.period.label}.xlsx`, [
        { name: '分单位', rows: r.rows, columns: REPORT_COLUMNS(names) },
        {
          name: '环节用时',
          rows: stages,
          columns: [
            { header: '单位', width: 24, value: (x: (typeof stages)[number]) => names.unit(x.row.unitId) },
            { header: '事项类型', width: 22, value: (x) => typeLabel(x.row.type) },
            { header: '环节', width: 16, value: (x) => names.stage(x.row.type, x.st.stage) },
            { header: '办结任务数', width: 12, value: (x) => x.st.tasks },
            { header: '平均工作日', width: 12, value: (x) => x.st.avgWorkingDays, numFmt: '0.00' },
            { header: 'P90工作日', width: 12, value: (x) => x.st.p90WorkingDays, numFmt: '0.00' },
          ],
        },
      ]);
    },
  });

  download({
    path: '/supervision/reports/rectification/:workflowId/export',
    summary: 'A rectification feedback per problem and per unit as XLSX (整改情况)',
    roles: REPORT_ROLES,
    params: WorkflowIdParam,
    send: async ({ em, user, params, res }) => {
      // An invisible feedback is an unknown one (api/authz.ts).
      const scope = procedureScopeSql(user);
      const [visible] = await em.execute(`select 1 from procedure p where p.workflow_id = ? and ${scope.sql}`, [params.workflowId, ...scope.params]);
      const r = visible ? await feedbackReport(em, params.workflowId) : null;
      if (!r) throw new NotFound('procedure_not_found', 'no such rectification feedback');
      const names = await exportNames(em);
      const closing = await feedbackClosing(em, params.workflowId);
      // Closed, the workbook is the 整改情况报告: the closing summary first, then the live tables.
      await streamXlsx(res, `${closing ? '整改情况报告' : '整改情况'}-${r.title}.xlsx`, [
        ...(closing ? closingSheets(closing, names) : []),
        { name: '按问题', rows: r.perProblem, columns: FEEDBACK_COLUMNS('问题序号') },
        { name: '按单位', rows: r.perUnit, columns: FEEDBACK_COLUMNS('责任单位', names.unit) },
      ]);
    },
  });

  route({
    method: 'get',
    path: '/supervision/reports/batch/:workflowId',
    tag: 'supervision',
    summary: 'A batch (全覆盖) per stage and per unit of its procedures',
    description: 'Any procedure that fans out (a political-examination batch, a rectification feedback): its children per stage (a closed one’s stage is its final status) and per unit, with open, overdue, closed, on time and the ladder’s rungs.',
    access: access.procedure('workflowId', { roles: [...REPORT_ROLES] }),
    params: WorkflowIdParam,
    response: { status: 200, schema: BatchReportSchema, description: 'The report' },
    errors: [403, 404],
    handler: async ({ em, params }) => {
      const r = await batchReport(em, params.workflowId);
      if (!r) throw new NotFound('procedure_not_found', 'no such procedure');
      return { status: 200, body: r };
    },
  });

  download({
    path: '/supervision/reports/batch/:workflowId/export',
    summary: 'A batch (全覆盖) per stage and per unit as XLSX',
    roles: REPORT_ROLES,
    params: WorkflowIdParam,
    send: async ({ em, user, params, res }) => {
      const scope = procedureScopeSql(user);
      const [visible] = await em.execute(`select 1 from procedure p where p.workflow_id = ? and ${scope.sql}`, [params.workflowId, ...scope.params]);
      const r = visible ? await batchReport(em, params.workflowId) : null;
      if (!r) throw new NotFound('procedure_not_found', 'no such procedure');
      const names = await exportNames(em);
      await streamXlsx(res, `批次情况-${r.title}.xlsx`, [
        // A closed child's stage is its final status (已销号, 已办结): the console's labels name both.
        { name: '按环节', rows: r.perStage, columns: BATCH_COLUMNS('环节', (k) => names.stage(null, k)) },
        { name: '按单位', rows: r.perUnit, columns: BATCH_COLUMNS('单位', names.unit) },
      ]);
    },
  });
}
