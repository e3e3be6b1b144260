/**
 * Per-post overrides of the qualification rules (domain/qualification-rules.ts), checked once: by the
 * start's plan and by the workflow when principles are revised, both refusing with 422
 * invalid_qualification_override. An unknown key or a value of the wrong kind is refused with the key
 * named, rather than crashing the check (and retrying it) later. Not by the zod schema: the body is
 * well-formed JSON, and a rule that refuses it answers 422 like every other rule, not 400.
 */
import { DEFAULT_QUALIFICATION_RULES, type QualificationRules } from '../../domain/qualification-rules';
import { EDUCATIONS, GRADE_LEVELS, type Education } from '../../domain/grades';
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
 * Limits of the 《党政领导干部选拔任用工作条例》 that no post's override may loosen (a stricter value is fine):
 * art. 11, 不得越两级提拔 (at most two grade steps, and two only for 破格); art. 9(4), 大学专科以上文化程度, and
 * 大学本科以上 for 地厅级 (bureau). The years of service vary by the post's level, so they are not floors here.
 */
const MAX_GRADE_STEPS = 2;
const MIN_EDUCATION: Education = 'college';
const MIN_EDUCATION_BY_LEVEL: Partial<Record<string, Education>> = { bureau: 'bachelor' };
const below = (e: unknown, floor: Education): boolean => EDUCATIONS.indexOf(e as Education) < EDUCATIONS.indexOf(floor);

function statutoryProblem(key: string, value: unknown): string | null {
  if (key === 'maxGradeSteps' && (value as number) > MAX_GRADE_STEPS) return `cannot exceed ${MAX_GRADE_STEPS}: 不得越两级提拔 (条例 art. 11)`;
  if (key === 'minEducation' && below(value, MIN_EDUCATION)) return `cannot be below ${MIN_EDUCATION}: 大学专科以上文化程度 (条例 art. 9)`;
  if (key === 'minEducationByLevel') {
    for (const [level, e] of Object.entries(value as Record<string, unknown>)) {
      const floor = MIN_EDUCATION_BY_LEVEL[level] ?? MIN_EDUCATION;
      if (below(e, floor)) return `${level} cannot be below ${floor} (条例 art. 9)`;
    }
  }
  return null;
}

/** Why the overrides cannot be used, naming the key, or null. */
export function overridesProblem(overrides: Record<string, unknown>): { key: string; message: string } | null {
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
    const loosened = statutoryProblem(key, value);
    if (loosened) return { key, message: loosened };
  }
  return null;
}

/** The refusal for principles whose overrides cannot be used (the key named in `details.field`), or null. */
export function overridesRefusal(principles: { qualificationOverrides?: Record<string, unknown> }): {
  code: typeof SelectionRefusal.invalidQualificationOverride;
  message: string;
  details: { field: string };
} | null {
  const bad = principles.qualificationOverrides && overridesProblem(principles.qualificationOverrides);
  if (!bad) return null;
  // A key is named back only when it is a plain identifier (as api/errors.ts names unknown keys): raw input is never echoed.
  const plain = /^[A-Za-z0-9_-]{1,64}$/.test(bad.key);
  const field = plain ? `principles.qualificationOverrides.${bad.key}` : 'principles.qualificationOverrides';
  const message = plain ? bad.message : `a key is not a qualification rule; the rules are ${QUALIFICATION_OVERRIDE_KEYS.join(', ')}`;
  return { code: SelectionRefusal.invalidQualificationOverride, message: `${field}: ${message}`, details: { field } };
}
