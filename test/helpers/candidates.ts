import type { CandidateFacts } from '../../domain/qualifications';

/** A 副处 who meets everything for 正处 (a non-Party post) on ELIGIBLE_AS_OF: the unit tests' starting candidate. */
export const ELIGIBLE_CANDIDATE: CandidateFacts = {
  birthDate: '1985-04-12',
  workStartDate: '2008-07-01',
  grassrootsYears: 4.5,
  currentGrade: 'deputyDivision',
  gradeSince: '2022-03-15',
  education: 'bachelor',
  partyJoinDate: '2010-06-20',
  lastPromotionDate: '2022-03-15',
  lastPromotionOutOfTurn: false,
};
export const ELIGIBLE_AS_OF = '2026-06-30';

/**
 * A 副处 since 2020, born 1980, with three years at the grassroots: the rule tests' candidate for a 正处 post where
 * the rule under test (age at a cut-off, 影响期, 任职回避) is the only thing that can fail.
 */
export const SENIOR_CANDIDATE: CandidateFacts = {
  birthDate: '1980-05-02',
  workStartDate: '2002-07-01',
  grassrootsYears: 3,
  currentGrade: 'deputyDivision',
  gradeSince: '2020-01-01',
  education: 'bachelor',
  partyJoinDate: '2001-06-01',
  lastPromotionDate: '2020-01-01',
  lastPromotionOutOfTurn: false,
};
