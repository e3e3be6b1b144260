/**
 * Per-post overrides of the qualification rules (domain/qualifications.ts), checked once: by the
 * start's schema and by the workflow when principles are revised. An unknown key or a value of the
 * wrong kind is refused with the key named, rather than crashing the check (and retrying it) later.
 */
import { DEFAULT_QUALIFICATION_RULES, type QualificationRules } from '../../domain/qualifications';
import { EDUCATIONS, GRADE_LEVELS } from '../../domain/grades';

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
  }
  return null;
}
