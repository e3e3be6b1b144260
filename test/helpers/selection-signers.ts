/**
 * The two who sign a candidate's 廉洁自律 conclusion (issue 11, defect 5): for a unit, a Party secretary and a
 * discipline secretary, each a person in master data recorded in unit_office_holder. Returns their personnel
 * numbers, which staff name as signedBy when they record the signatures.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { UnitOfficeHolderSchema } from '../../platform/entities';
import { addPeople } from './members';

export async function addIntegritySigners(orm: MikroORM, unitId = 'jyj'): Promise<{ partySecretary: string; disciplineSecretary: string }> {
  const signers = { partySecretary: `SJ-${unitId}`, disciplineSecretary: `JW-${unitId}` };
  await addPeople(orm, [
    { id: signers.partySecretary, name: '党委书记', unitId, currentGrade: 'division' },
    { id: signers.disciplineSecretary, name: '纪委书记', unitId, currentGrade: 'deputyDivision' },
  ]);
  const em = orm.em.fork();
  for (const [office, personId] of Object.entries(signers) as [keyof typeof signers, string][]) {
    em.create(UnitOfficeHolderSchema, { unitId, office, personId, since: '2020-01-01', until: null });
  }
  await em.flush();
  return signers;
}
