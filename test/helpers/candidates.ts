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
