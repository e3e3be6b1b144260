/**
 * The grade ladder (职级) and the education ladder (学历) of cadres, defined once so the qualification
 * predicates (DOMAIN.md §1) can reason about "deputy → principal", "principal at the level below →
 * deputy at the level above" and "at least college". Pure data and arithmetic, no I/O.
 */

/** The levels (层级) a grade belongs to, lowest first. 科员 sits below the leadership levels. */
export const GRADE_LEVELS = ['clerk', 'section', 'division', 'bureau'] as const;
export type GradeLevel = (typeof GRADE_LEVELS)[number];

export const GRADE_LEVEL_NAMES: Record<GradeLevel, string> = {
  clerk: '科员级',
  section: '科级',
  division: '县处级',
  bureau: '厅局级',
};

/** The grades, lowest first; the index is the rank. */
export const GRADES = ['staff', 'deputySection', 'section', 'deputyDivision', 'division', 'deputyBureau', 'bureau'] as const;
export type Grade = (typeof GRADES)[number];

export interface GradeInfo {
  grade: Grade;
  /** The name users see. */
  name: string;
  /** 0 for 科员, up to 6 for 正厅. */
  rank: number;
  level: GradeLevel;
  /** 副职 or 正职; null for 科员, which is not a leadership grade. */
  position: 'deputy' | 'principal' | null;
  /** Other names the same grade goes by in personnel files and spreadsheets. */
  aliases: readonly string[];
}

const INFO: Record<Grade, Omit<GradeInfo, 'grade' | 'rank'>> = {
  staff: { name: '科员', level: 'clerk', position: null, aliases: ['科员级', '一级科员', '二级科员'] },
  deputySection: { name: '副科', level: 'section', position: 'deputy', aliases: ['副科级', '乡科级副职', '科级副职'] },
  section: { name: '正科', level: 'section', position: 'principal', aliases: ['正科级', '乡科级正职', '科级正职'] },
  deputyDivision: { name: '副处', level: 'division', position: 'deputy', aliases: ['副处级', '县处级副职'] },
  division: { name: '正处', level: 'division', position: 'principal', aliases: ['正处级', '县处级正职'] },
  deputyBureau: { name: '副厅', level: 'bureau', position: 'deputy', aliases: ['副厅级', '厅局级副职'] },
  bureau: { name: '正厅', level: 'bureau', position: 'principal', aliases: ['正厅级', '厅局级正职'] },
};

export const GRADE_INFO: Readonly<Record<Grade, GradeInfo>> = Object.fromEntries(
  GRADES.map((grade, rank) => [grade, { grade, rank, ...INFO[grade] }]),
) as Record<Grade, GradeInfo>;

export function isGrade(s: string): s is Grade {
  return (GRADES as readonly string[]).includes(s);
}

export function gradeRank(g: Grade): number {
  return GRADE_INFO[g].rank;
}

export function levelOf(g: Grade): GradeLevel {
  return GRADE_INFO[g].level;
}

/** Negative when a is below b, 0 when equal, positive when above. */
export function compareGrades(a: Grade, b: Grade): number {
  return gradeRank(a) - gradeRank(b);
}

/** How many rungs a move from `from` to `to` climbs (negative for a move down). 破格 never climbs two at once. */
export function gradeSteps(from: Grade, to: Grade): number {
  return gradeRank(to) - gradeRank(from);
}

/** The next grade up, or null at the top. */
export function nextGrade(g: Grade): Grade | null {
  return GRADES[gradeRank(g) + 1] ?? null;
}

/** The principal grade of a deputy's level (副处 → 正处); null for a grade that is not a deputy. */
export function principalOf(g: Grade): Grade | null {
  const info = GRADE_INFO[g];
  if (info.position !== 'deputy') return null;
  return GRADES.find((x) => GRADE_INFO[x].level === info.level && GRADE_INFO[x].position === 'principal') ?? null;
}

/** The level above (县处级 → 厅局级), or null at the top. */
export function levelAbove(level: GradeLevel): GradeLevel | null {
  return GRADE_LEVELS[GRADE_LEVELS.indexOf(level) + 1] ?? null;
}

/** 副职 → 正职 of the same level (副处 → 正处). */
export function isDeputyToPrincipal(from: Grade, to: Grade): boolean {
  return principalOf(from) === to;
}

/** 正职 at one level → 副职 at the level above (正科 → 副处, 正处 → 副厅). */
export function isPrincipalToDeputyAbove(from: Grade, to: Grade): boolean {
  const a = GRADE_INFO[from];
  const b = GRADE_INFO[to];
  return a.position === 'principal' && b.position === 'deputy' && levelAbove(a.level) === b.level;
}

/** Education (学历), lowest first; the index is the rank. */
export const EDUCATIONS = ['highSchool', 'college', 'bachelor', 'master', 'doctor'] as const;
export type Education = (typeof EDUCATIONS)[number];

export const EDUCATION_INFO: Readonly<Record<Education, { name: string; rank: number; aliases: readonly string[] }>> = {
  highSchool: { name: '高中及以下', rank: 0, aliases: ['高中', '中专', '中专及以下', '初中', '高中/中专'] },
  college: { name: '大专', rank: 1, aliases: ['大学专科', '专科'] },
  bachelor: { name: '本科', rank: 2, aliases: ['大学本科', '大学'] },
  master: { name: '硕士研究生', rank: 3, aliases: ['硕士', '研究生'] },
  doctor: { name: '博士研究生', rank: 4, aliases: ['博士'] },
};

export function isEducation(s: string): s is Education {
  return (EDUCATIONS as readonly string[]).includes(s);
}

export function educationRank(e: Education): number {
  return EDUCATION_INFO[e].rank;
}

/** Whether `e` meets `min` (本科 meets 大专). */
export function educationAtLeast(e: Education, min: Education): boolean {
  return educationRank(e) >= educationRank(min);
}

function lookup<T extends string>(codes: readonly T[], names: (code: T) => readonly string[], input: string): T | null {
  const s = input.trim();
  const lower = s.toLowerCase();
  for (const code of codes) {
    if (code.toLowerCase() === lower) return code;
    if (names(code).includes(s)) return code;
  }
  return null;
}

/** A grade from its code (`deputyDivision`) or any of its Chinese names (副处, 副处级, 县处级副职); null if none. */
export function gradeFromName(input: string): Grade | null {
  return lookup(GRADES, (g) => [GRADE_INFO[g].name, ...GRADE_INFO[g].aliases], input);
}

/** An education from its code (`bachelor`) or any of its Chinese names (本科, 大学本科); null if none. */
export function educationFromName(input: string): Education | null {
  return lookup(EDUCATIONS, (e) => [EDUCATION_INFO[e].name, ...EDUCATION_INFO[e].aliases], input);
}
