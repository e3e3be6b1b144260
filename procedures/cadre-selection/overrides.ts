/**
 * Per-post overrides of the qualification rules (domain/qualification-rules.ts), checked once: by the
 * start's plan and by the workflow when principles are revised, both refusing with 422
 * invalid_qualification_override. An unknown key or a value of the wrong kind is refused with the key
 * named, rather than crashing the check (and retrying it) later. Not by the zod schema: the body is
 * well-formed JSON, and a rule that refuses it answers 422 like every other rule, not 400.
 */
import { DEFAULT_QUALIFICATION_RULES, type QualificationRules } from '../../domain/qualification-rules';
import { EDUCATIONS, GRADE_LEVEL_NAMES, GRADE_LEVELS, isGrade, levelOf, type Education, type GradeLevel } from '../../domain/grades';
import { SelectionRefusal } from './messages';

type Kind = 'years' | 'count' | 'boolean' | 'education' | 'levels' | 'educationByLevel';
const KINDS: Record<keyof QualificationRules, Kind> = {
  minWorkYears: 'years',
  minGrassrootsYears: 'years',
  experienceLevels: 'levels',
  minYearsAsDeputy: 'years',
  minYearsAsPrincipalBelow: 'years',
  tenureLevels: 'levels',
  minEducation: 'education',
  minEducationByLevel: 'educationByLevel',
  minPartyYears: 'years',
  minYearsAfterOutOfTurn: 'years',
  maxGradeSteps: 'count',
  principalToDeputyAboveIsOneStep: 'boolean',
};
export const QUALIFICATION_OVERRIDE_KEYS = Object.keys(DEFAULT_QUALIFICATION_RULES) as (keyof QualificationRules)[];

const isLevel = (v: unknown): boolean => typeof v === 'string' && (GRADE_LEVELS as readonly string[]).includes(v);
const isEducation = (v: unknown): boolean => typeof v === 'string' && (EDUCATIONS as readonly string[]).includes(v);

/**
 * The floors of the 《党政领导干部选拔任用工作条例》 (2019) that no post's override may loosen; a stricter value is
 * fine. Each applies to the levels of post the article names, so a post outside them (a 科级 post for the
 * experience rules) may set its own local rule:
 * - art. 9(1): 提任县处级领导职务的，应当具有五年以上工龄和两年以上基层工作经历;
 * - art. 9(3): 提任县处级以上领导职务，由副职提任正职的，应当在副职岗位工作两年以上；由下级正职提任上级副职的，应当在下级
 *   正职岗位工作三年以上 (a shorter tenure only by 破格, post.outOfTurn with the superior department's consent, which
 *   waives it in the check: an override is not that path);
 * - art. 9(4): 大学专科以上文化程度, 大学本科以上 for 地厅级 (bureau);
 * - art. 9(7): 提任党的领导职务的，还应当符合《中国共产党章程》等规定的党龄要求; the Party constitution (chapter 4, 党的地方
 *   组织) asks five years of the members of the local committees (县级以上), the level of a 县处级 Party post and above;
 * - art. 11: 不得越两级提拔, and 越级 (two steps) is 破格, which needs the superior department's prior consent
 *   (post.outOfTurn.consentRef); 提拔任职不满一年的，不得破格提拔.
 */
export const STATUTORY_FLOORS = {
  experience: { levels: ['division'] as readonly GradeLevel[], minWorkYears: 5, minGrassrootsYears: 2, article: '条例 art. 9(1)' },
  tenure: { levels: ['division', 'bureau'] as readonly GradeLevel[], minYearsAsDeputy: 2, minYearsAsPrincipalBelow: 3, article: '条例 art. 9(3)' },
  party: { levels: ['division', 'bureau'] as readonly GradeLevel[], minPartyYears: 5, article: '条例 art. 9(7), 党章' },
  minEducation: 'college' as Education,
  minEducationByLevel: { bureau: 'bachelor' } as Partial<Record<GradeLevel, Education>>,
  maxGradeSteps: 2,
  maxGradeStepsInTurn: 1,
  minYearsAfterOutOfTurn: 1,
} as const;

/** What of the post the floors depend on: its level, whether it is a Party post, and whether it is 破格. */
export interface OverridePost {
  /** A Grade; anything else is read as no post (every floor applies). */
  targetGrade: string;
  isPartyPost?: boolean;
  outOfTurn?: { consentRef: string };
}

const below = (e: unknown, floor: Education): boolean => EDUCATIONS.indexOf(e as Education) < EDUCATIONS.indexOf(floor);
/** The post's level is one an article covers; without a post, every level it covers is assumed (the stricter reading). */
const levelOfPost = (post: OverridePost | undefined): GradeLevel | null => (post && isGrade(post.targetGrade) ? levelOf(post.targetGrade) : null);
const covers = (levels: readonly GradeLevel[], post: OverridePost | undefined): boolean => {
  const level = levelOfPost(post);
  return level === null || levels.includes(level);
};
/** The levels an override's list must keep: the post's own, or every covered level without a post. */
const mustKeep = (levels: readonly GradeLevel[], post: OverridePost | undefined): GradeLevel[] => {
  const level = levelOfPost(post);
  return level === null ? [...levels] : levels.filter((l) => l === level);
};

/** Why a well-formed value loosens the regulation for this post, or null. */
function statutoryProblem(key: string, value: unknown, post: OverridePost | undefined): string | null {
  const F = STATUTORY_FLOORS;
  const years = value as number;
  const postLevel = levelOfPost(post);
  const level = postLevel ? `a ${GRADE_LEVEL_NAMES[postLevel]} post` : 'a 县处级 post';
  const floor = (min: number, article: string, extra = ''): string | null => (years < min ? `cannot be below ${min} for ${level} (${article})${extra}` : null);
  const tenureExtra = '; a shorter tenure only by 破格 (principles.post.outOfTurn with the superior organisation department’s prior consent)';
  switch (key) {
    case 'maxGradeSteps':
      if (years > F.maxGradeSteps) return `cannot exceed ${F.maxGradeSteps}: 不得越两级提拔 (条例 art. 11)`;
      if (years > F.maxGradeStepsInTurn && !post?.outOfTurn) {
        return `${years} steps is 越级提拔, which is 破格: only with principles.post.outOfTurn and the superior organisation department’s prior consent (条例 art. 11)`;
      }
      return null;
    case 'minEducation':
      return below(value, F.minEducation) ? `cannot be below ${F.minEducation}: 大学专科以上文化程度 (条例 art. 9(4))` : null;
    case 'minEducationByLevel':
      for (const [l, e] of Object.entries(value as Record<string, unknown>)) {
        const min = F.minEducationByLevel[l as GradeLevel] ?? F.minEducation;
        if (below(e, min)) return `${l} cannot be below ${min} (条例 art. 9(4))`;
      }
      return null;
    case 'minWorkYears':
      return covers(F.experience.levels, post) ? floor(F.experience.minWorkYears, `五年以上工龄, ${F.experience.article}`) : null;
    case 'minGrassrootsYears':
      return covers(F.experience.levels, post) ? floor(F.experience.minGrassrootsYears, `两年以上基层工作经历, ${F.experience.article}`) : null;
    case 'minYearsAsDeputy':
      return covers(F.tenure.levels, post) ? floor(F.tenure.minYearsAsDeputy, `副职岗位工作两年以上, ${F.tenure.article}`, tenureExtra) : null;
    case 'minYearsAsPrincipalBelow':
      return covers(F.tenure.levels, post) ? floor(F.tenure.minYearsAsPrincipalBelow, `下级正职岗位工作三年以上, ${F.tenure.article}`, tenureExtra) : null;
    case 'minPartyYears':
      return post?.isPartyPost === false || !covers(F.party.levels, post) ? null : floor(F.party.minPartyYears, `党龄, ${F.party.article}`);
    case 'minYearsAfterOutOfTurn':
      return floor(F.minYearsAfterOutOfTurn, '提拔任职不满一年的，不得破格提拔, 条例 art. 11');
    case 'experienceLevels':
    case 'tenureLevels': {
      const { levels, article } = key === 'experienceLevels' ? F.experience : F.tenure;
      const dropped = mustKeep(levels, post).filter((l) => !(value as readonly string[]).includes(l));
      return dropped.length ? `must keep ${dropped.join(', ')}: the rule applies there by ${article}, and an override cannot switch it off` : null;
    }
    default:
      return null;
  }
}

/**
 * Why the overrides cannot be used, naming the key, or null: an unknown key, a value of the wrong kind, or one
 * that loosens a floor of the regulation (STATUTORY_FLOORS) for `post` (absent: as for a 县处级 post and above).
 */
export function overridesProblem(overrides: Record<string, unknown>, post?: OverridePost): { key: string; message: string } | null {
  for (const [key, value] of Object.entries(overrides)) {
    const kind = (KINDS as Record<string, Kind | undefined>)[key];
    if (!kind) return { key, message: `not a qualification rule; the rules are ${QUALIFICATION_OVERRIDE_KEYS.join(', ')}` };
    const ok =
      kind === 'years'
        ? typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 60
        : kind === 'count'
          ? Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 6
          : kind === 'boolean'
            ? typeof value === 'boolean'
            : kind === 'education'
              ? isEducation(value)
              : kind === 'levels'
                ? Array.isArray(value) && value.every(isLevel)
                : typeof value === 'object' && value !== null && !Array.isArray(value) && Object.entries(value).every(([l, e]) => isLevel(l) && isEducation(e));
    if (!ok) {
      const expected = {
        years: 'a number of years from 0 to 60',
        count: 'a whole number from 1 to 6',
        boolean: 'true or false',
        education: `one of ${EDUCATIONS.join(', ')}`,
        levels: `a list of ${GRADE_LEVELS.join(', ')}`,
        educationByLevel: `an object from level (${GRADE_LEVELS.join(', ')}) to education (${EDUCATIONS.join(', ')})`,
      }[kind];
      return { key, message: `must be ${expected}` };
    }
    const loosened = statutoryProblem(key, value, post);
    if (loosened) return { key, message: loosened };
  }
  return null;
}

/**
 * The refusal for principles whose overrides cannot be used (the key named in `details.field`), or null. The post's
 * own Party-standing minimum (post.minPartyYears, which wins over the overrides) has the same floor.
 */
export function overridesRefusal(principles: { qualificationOverrides?: Record<string, unknown>; post?: OverridePost & { minPartyYears?: number } }): {
  code: typeof SelectionRefusal.invalidQualificationOverride;
  message: string;
  details: { field: string };
} | null {
  const post = principles.post;
  const own = post?.minPartyYears !== undefined ? statutoryProblem('minPartyYears', post.minPartyYears, post) : null;
  if (own) {
    const field = 'principles.post.minPartyYears';
    return { code: SelectionRefusal.invalidQualificationOverride, message: `${field}: ${own}`, details: { field } };
  }
  const bad = principles.qualificationOverrides && overridesProblem(principles.qualificationOverrides, post);
  if (!bad) return null;
  // A key is named back only when it is a plain identifier (as api/errors.ts names unknown keys): raw input is never echoed.
  const plain = /^[A-Za-z0-9_-]{1,64}$/.test(bad.key);
  const field = plain ? `principles.qualificationOverrides.${bad.key}` : 'principles.qualificationOverrides';
  const message = plain ? bad.message : `a key is not a qualification rule; the rules are ${QUALIFICATION_OVERRIDE_KEYS.join(', ')}`;
  return { code: SelectionRefusal.invalidQualificationOverride, message: `${field}: ${message}`, details: { field } };
}
