/**
 * The qualification rules of cadre selection (任职资格, DOMAIN.md §1) as data: the regulation's defaults and
 * how a post's overrides apply over them. The predicates that read them are in domain/qualifications.ts;
 * the overrides a start or a revision may carry are checked in procedures/cadre-selection/overrides.ts.
 *
 * Pure and deterministic: the workflow imports it.
 */
import type { Education, GradeLevel } from './grades';

export interface QualificationRules {
  /** 工龄: years of work, for posts whose level is in `experienceLevels`. */
  minWorkYears: number;
  /** 基层工作经历: years at grassroots level, for posts whose level is in `experienceLevels`. Tenths count. */
  minGrassrootsYears: number;
  /** Levels of the post the two experience rules apply to. Art. 9(1): 提任县处级领导职务. */
  experienceLevels: readonly GradeLevel[];
  /** 副职 → 正职 of the same level: years in the current (deputy) grade. */
  minYearsAsDeputy: number;
  /** 下级正职 → 上级副职: years in the current (principal) grade. */
  minYearsAsPrincipalBelow: number;
  /** Levels of the post the two tenure rules apply to. */
  tenureLevels: readonly GradeLevel[];
  /** 学历: the minimum for every post. */
  minEducation: Education;
  /** A higher minimum by the level of the post (厅局级以上一般应当具有大学本科以上文化程度). Merged key by key. */
  minEducationByLevel: Readonly<Partial<Record<GradeLevel, Education>>>;
  /** 党龄 for Party posts (党的领导职务) only. A post's own `minPartyYears` wins over this. */
  minPartyYears: number;
  /** When the last promotion was out of turn (破格), no further promotion until this many years after it. */
  minYearsAfterOutOfTurn: number;
  /** How many rungs of the grade ladder one promotion may climb (never two levels at once). */
  maxGradeSteps: number;
  /** 正职 at the level below → 副职 at the level above counts as one step, whatever the ladder says. */
  principalToDeputyAboveIsOneStep: boolean;
}

export const DEFAULT_QUALIFICATION_RULES: QualificationRules = {
  minWorkYears: 5,
  minGrassrootsYears: 2,
  experienceLevels: ['division'],
  minYearsAsDeputy: 2,
  minYearsAsPrincipalBelow: 3,
  // DOMAIN.md states the tenure rules without a level; the regulation (art. 9(2)) says 县处级以上, so a
  // local practice that exempts 科级 removes 'section' here.
  tenureLevels: ['section', 'division', 'bureau'],
  minEducation: 'college',
  minEducationByLevel: { bureau: 'bachelor' },
  // E.g. 5 years for a member of a municipal Party committee (党章: 县级以上各级委员会委员).
  minPartyYears: 5,
  minYearsAfterOutOfTurn: 1,
  maxGradeSteps: 1,
  principalToDeputyAboveIsOneStep: true,
};

export type QualificationOverrides = Partial<QualificationRules>;

/**
 * The rules of one post: `overrides` over `base` (the defaults unless given). Undefined values are
 * ignored; `minEducationByLevel` is merged key by key, every other field replaces the base's.
 */
export function resolveRules(
  overrides?: QualificationOverrides,
  base: QualificationRules = DEFAULT_QUALIFICATION_RULES,
): QualificationRules {
  const rules: QualificationRules = { ...base, minEducationByLevel: { ...base.minEducationByLevel } };
  if (!overrides) return rules;
  for (const [key, value] of Object.entries(overrides) as [keyof QualificationRules, unknown][]) {
    if (value === undefined) continue;
    if (key === 'minEducationByLevel') {
      rules.minEducationByLevel = { ...rules.minEducationByLevel, ...(value as QualificationRules['minEducationByLevel']) };
    } else {
      (rules as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return rules;
}
