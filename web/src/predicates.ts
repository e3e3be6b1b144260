/**
 * A candidate's eligibility check (任职资格, domain/qualifications.ts) as a committee member reads it, predicate
 * by predicate, in Chinese. The workflow's state carries each predicate's label, what it required, what it found
 * and the record fields it used as the domain writes them: Chinese with English beside it ('工作年限 ≥ 5 年 (years
 * of work)', '6 年 2 个月 (6y 2m) as of 2026-11-30', 'workStartDate=2003-07-01'), for logs and curl. The
 * console turns each known phrase into Chinese; a text with an English word left in it is not shown (—) rather
 * than shown half in English (test/unit/console-predicates.test.ts runs every branch of every predicate).
 */
import { hasEnglish } from './labels';

export interface PredicateResult {
  predicate: string;
  label: string;
  passed: boolean;
  applicable: boolean;
  required: string;
  actual: string;
  fact: string;
}

const GRADES: Record<string, string> = { staff: '科员', deputySection: '副科', section: '正科', deputyDivision: '副处', division: '正处', deputyBureau: '副厅', bureau: '正厅' };
const EDUCATION: Record<string, string> = { highSchool: '高中及以下', college: '大专', bachelor: '本科', master: '硕士研究生', doctor: '博士研究生' };
const RELATIONS: Record<string, string> = { spouse: '配偶', directBlood: '直系血亲', collateral: '三代以内旁系血亲', inLaw: '近姻亲' };
const BAR_KINDS: Record<string, string> = { partySanction: '党纪处分', governmentSanction: '政务处分', admonition: '诫勉', organizationalHandling: '组织处理', annualAssessment: '年度考核' };

/** The record fields the predicates name in their fact. */
const FACT_FIELDS: Record<string, string> = {
  workStartDate: '参加工作时间',
  grassrootsYears: '基层工作年限',
  currentGrade: '现职级',
  gradeSince: '任现职级时间',
  targetGrade: '拟任职级',
  education: '学历',
  partyJoinDate: '入党时间',
  isPartyPost: '党的领导职务',
  lastPromotionDate: '最近提拔时间',
  lastPromotionOutOfTurn: '最近提拔是否破格',
  birthDate: '出生日期',
  barRecords: '影响期记录',
  relativesInUnit: '本单位领导班子中的亲属',
  relativesInParentUnit: '上级单位领导班子中的亲属',
  relativesInChildUnits: '下级单位领导班子中的亲属',
  person: '人员编号',
};

/** Why a predicate does not apply (notApplicable's reason). */
const NOT_APPLICABLE: [RegExp, string | ((...m: string[]) => string)][] = [
  [/^post level (.+)$/, '职位层级为$1，不要求'],
  [/^(.+?) → (.+?) is not deputy → principal$/, (_m, a, b) => `${a} → ${b} 不是副职转任正职`],
  [/^(.+?) → (.+?) is not principal below → deputy above$/, (_m, a, b) => `${a} → ${b} 不是下级正职转任上级副职`],
  [/^not a Party post$/, '不是党的领导职务'],
  [/^last promotion was not out of turn$/, '上次提拔不是破格提拔'],
  [/^not a promotion$/, '不是提拔'],
  [/^the post sets no age limit$/, '该职位未设年龄上限'],
  [/^not an out-of-turn promotion$/, '不是破格提拔'],
];

/** A grade or an education with its English id beside it ('正处 (division)'): the Chinese name. */
const withoutIds = (s: string): string => s.replace(/\s*\(([A-Za-z]+)\)/g, (m, id: string) => (GRADES[id] || EDUCATION[id] ? '' : m));
/** A span of months as the domain writes it: '6 年 2 个月 (6y 2m)'. */
const months = (s: string): string => s.replace(/\s*\(\d+y \d+m\)/g, '');

function replaceFirst(s: string, rules: [RegExp, string | ((...m: string[]) => string)][]): string {
  for (const [re, zh] of rules) if (re.test(s)) return typeof zh === 'string' ? s.replace(re, zh) : s.replace(re, zh as (...m: string[]) => string);
  return s;
}

/** The label: the Chinese before its English gloss. */
export function predicateLabel(r: PredicateResult): string {
  return r.label.replace(/\s*\([^()]*[A-Za-z]{3,}[^()]*\)\s*$/, '').replace(/, /g, '，');
}

/** What the predicate required. */
export function predicateRequired(r: PredicateResult): string {
  const s = r.required;
  const na = /^不适用 \(n\/a: (.+)\)$/.exec(s);
  if (na) return `不适用：${withoutIds(replaceFirst(na[1]!, NOT_APPLICABLE))}`;
  return withoutIds(
    replaceFirst(s, [
      [/^≥ (.+?) \(from (.+?), reached on (.+?)\)$/, (_m, y, from, on) => `≥ ${y}（自 ${from} 起${on === '?' ? '' : `，${on} 届满`}）`],
      [/^≥ (.+?) for a (.+?) post$/, '≥ $1（$2职位）'],
      [/^≤ (\d+) step\(s\)$/, '一次至多 $1 级'],
      [/^≤ (\d+) 周岁 as of (.+?) \(born after (.+?)\)$/, (_m, n, d, b) => `截至 ${d} 不超过 ${n} 周岁${b === '?' ? '' : `（${b} 之后出生）`}`],
      [/^no bar in force on (.+)$/, '$1 不在处分、诫勉、组织处理或考核结果的影响期内'],
      [/^consent (.+?); ≥ 1 年 since the last promotion; the last promotion not out of turn$/, '经上级组织部门同意（$1）；距上次提拔满 1 年；上次提拔不是破格'],
      [
        /^no spouse, direct blood, collateral \(3 generations\) or close in-law relative in the leadership of the post’s unit(?:, nor above (\w+) in the leadership of its parent unit \S+ \(direct superior\))?(?:, nor below (\w+) in the leadership of a unit it leads \(direct subordinate\))?$/,
        (_m, up?: string, down?: string) =>
          '该单位领导班子中没有其配偶、直系血亲、三代以内旁系血亲或近姻亲' +
          (up ? `，上级单位领导班子中也没有职级高于${GRADES[up] ?? up}的上述亲属（直接上级）` : '') +
          (down ? `，下级单位领导班子中也没有职级低于${GRADES[down] ?? down}的上述亲属（直接下级）` : ''),
      ],
      [/^a record in master data$/, '干部信息库中有其档案'],
    ]),
  );
}

/** What the predicate found. */
export function predicateActual(r: PredicateResult): string {
  const [main, waived] = r.actual.split(/; 破格: waived with the prior consent /);
  const said = withoutIds(
    months(
      replaceFirst(main!, [
        [/^(.+?) as of (\d{4}-\d{2}-\d{2})$/, '截至 $2：$1'],
        [/^starts after (.+)$/, '起算日期晚于 $1'],
        [/^invalid date (.+)$/, '日期无效'],
        [/^invalid value (.+)$/, '数值无效'],
        [/^no valid birthDate (.+)$/, '无有效的出生日期'],
        [/^no lastPromotionDate recorded$/, '未记录最近提拔时间'],
        [/^(.+?): (-?\d+) step\(s\)$/, '$1，$2 级'],
        [/^none in force$/, '无'],
        [/^非党员 \(not a Party member\)$/, '非党员'],
        [/^连续破格: the last promotion was out of turn too$/, '连续破格：上次提拔也是破格提拔'],
        [/^提拔任职不满一年: promoted on (.+?), a year reached on (.+)$/, (_m, on, year) => `提拔任职不满一年：${on} 提拔${year === '?' ? '' : `，${year} 满一年`}`],
        [/^(.+?) since (\d{4}-\d{2}-\d{2})$/, '自 $2 起 $1'],
        [/^related to .+$/, (m) => recusalText(m)],
        [/^none$/, '无'],
        [/^.+ of \d{4}-\d{2}-\d{2}, bar until .+$/, (m) => barText(m)],
      ]),
    ),
  );
  return waived ? `${said}；破格提拔，经上级组织部门同意（${waived}）免于此项` : said;
}

/** The relatives a 任职回避 finding names, 'T009 (spouse), T010 (inLaw)': 'T009（配偶）、T010（近姻亲）'. */
const relatives = (list: string): string => list.replace(/\((\w+)\)/g, (_x, rel: string) => `（${RELATIONS[rel] ?? rel}）`).replace(/, /g, '、').replace(/ （/g, '（');

/** 任职回避's findings, joined by '; ': in the unit's leadership, the direct superior, the direct subordinate. */
function recusalText(s: string): string {
  return s
    .split(/; (?=related to )/)
    .map((one) =>
      replaceFirst(one, [
        [/^related to (.+) above (\w+) in the leadership of the parent unit \S+ \(direct superior\)$/, (_m, list: string, g: string) => `与上级单位领导班子中职级高于${GRADES[g] ?? g}的 ${relatives(list)}有亲属关系（直接上级）`],
        [
          /^related to (.+) below (\w+) in the leadership of the units? .+ under the post's unit \(direct subordinate, 直接下级\)$/,
          (_m, list: string, g: string) => `与下级单位领导班子中职级低于${GRADES[g] ?? g}的 ${relatives(list)}有亲属关系（直接下级）`,
        ],
        [/^related to (.+) in the unit's leadership$/, (_m, list: string) => `与该单位领导班子中的 ${relatives(list)}有亲属关系`],
      ]),
    )
    .join('；');
}

/** One bar in force, or several joined by '; ': '警告 (partySanction) of 2026-03-01, bar until 2027-03-01'. */
function barText(s: string): string {
  return s
    .split('; ')
    .map((one) => one.replace(/^(.+?) \((\w+)\) of (\d{4}-\d{2}-\d{2}), bar until (.+)$/, (_m, cat, kind: string, d, end) => `${BAR_KINDS[kind] ?? kind}${cat}（${d}），影响期至 ${end}`))
    .join('；');
}

/** The record fields used: 'currentGrade=deputyDivision, gradeSince=2021-03-01' as '现职级：副处；任现职级时间：2021-03-01'. */
export function predicateFact(r: PredicateResult): string {
  // A list's entries are split by '; ' inside a value, fields by ', ' before the next 'name='.
  return r.fact
    .split(/, (?=[A-Za-z]+=)/)
    .map((pair) => {
      const m = /^([A-Za-z]+)=(.*)$/.exec(pair);
      if (!m) return pair;
      const [, key, value] = m as unknown as [string, string, string];
      return `${FACT_FIELDS[key] ?? key}：${factValue(key, value)}`;
    })
    .join('；');
}

function factValue(key: string, v: string): string {
  if (v === 'null' || v === 'none') return '无';
  if (v === 'NaN') return '无效';
  if (v === 'true') return '是';
  if (v === 'false') return '否';
  if (GRADES[v]) return GRADES[v];
  if (EDUCATION[v]) return EDUCATION[v];
  if (key === 'barRecords') {
    return v
      .split('; ')
      .map((one) => one.replace(/^(\w+):(.+?)@(\d{4}-\d{2}-\d{2})(?: \((.+)\))?$/, (_m, kind: string, cat, d, ref?: string) => `${BAR_KINDS[kind] ?? kind}${cat}（${d}${ref ? `，${ref}` : ''}）`))
      .join('、');
  }
  if (key === 'relativesInUnit' || key === 'relativesInParentUnit' || key === 'relativesInChildUnits') {
    return v
      .split('; ')
      .map((one) => one.replace(/^(\S+) \((\w+), (\w+), (\S+)\)$/, (_m, id, rel: string, grade: string) => `${id}（${RELATIONS[rel] ?? rel}，${GRADES[grade] ?? grade}）`))
      .join('、');
  }
  return v;
}

/** A text as shown: in Chinese, or '—' when a phrase the console does not know would leave English in it. */
export const shown = (text: string): string => (hasEnglish(text) ? '—' : text);

/** 凡提四必's checks, by the name a removal reason gives them. */
const CHECKS: Record<string, string> = { personnelFile: '干部档案', personalMatters: '个人有关事项报告', disciplineOpinion: '纪检监察机关意见', complaints: '信访举报' };

/**
 * Why a candidate left the selection (procedures/cadre-selection: a negative 凡提四必 check, 'complaints: <note>', or
 * principles revised so they no longer qualify, 'not qualified under principles v2'), in Chinese.
 */
export function removalText(reason: string): string {
  const check = /^(\w+): ?(.*)$/.exec(reason);
  if (check && CHECKS[check[1]!]) return `${CHECKS[check[1]!]}核查有问题${check[2] ? `：${check[2]}` : ''}`;
  const principles = /^not qualified under principles v(\d+)$/.exec(reason);
  if (principles) return `按第 ${principles[1]} 版选任原则不再符合资格`;
  return shown(reason);
}
