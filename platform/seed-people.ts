/** Demo cadres (干部) for an empty person table, in the demo units, across the grade ladder. */
import type { MikroORM } from '@mikro-orm/postgresql';
import { PersonSchema, type Person } from './entities';

export const DEMO_PEOPLE: Omit<Person, 'createdAt' | 'updatedAt'>[] = [
  {
    id: 'GB2001001', name: '周涛', gender: 'male', birthDate: '1972-04-16', unitId: 'jyj', currentPost: '市教育局党组书记、局长',
    currentGrade: 'division', gradeSince: '2019-06-20', workStartDate: '1993-07-01', grassrootsYears: 8, education: 'master',
    partyJoinDate: '1992-05-04', lastPromotionDate: '2019-06-20', lastPromotionOutOfTurn: false,
  },
  {
    id: 'GB2005017', name: '李晓红', gender: 'female', birthDate: '1980-11-02', unitId: 'jyj', currentPost: '市教育局副局长',
    currentGrade: 'deputyDivision', gradeSince: '2021-03-15', workStartDate: '2002-08-01', grassrootsYears: 5.5, education: 'bachelor',
    partyJoinDate: '2001-06-18', lastPromotionDate: '2021-03-15', lastPromotionOutOfTurn: false,
  },
  {
    id: 'GB2010032', name: '王志强', gender: 'male', birthDate: '1986-02-27', unitId: 'jyj', currentPost: '市教育局基础教育科科长',
    currentGrade: 'section', gradeSince: '2020-09-01', workStartDate: '2008-07-15', grassrootsYears: 3, education: 'bachelor',
    partyJoinDate: '2007-12-01', lastPromotionDate: '2020-09-01', lastPromotionOutOfTurn: false,
  },
  {
    id: 'GB2003008', name: '陈丽', gender: 'female', birthDate: '1976-08-09', unitId: 'wjw', currentPost: '市卫生健康委员会副主任',
    currentGrade: 'deputyDivision', gradeSince: '2018-12-10', workStartDate: '1998-08-01', grassrootsYears: 10, education: 'doctor',
    partyJoinDate: '1997-07-01', lastPromotionDate: '2018-12-10', lastPromotionOutOfTurn: false,
  },
  {
    id: 'GB2014045', name: '刘畅', gender: 'male', birthDate: '1990-05-21', unitId: 'wjw', currentPost: '市卫生健康委员会医政科副科长',
    currentGrade: 'deputySection', gradeSince: '2023-04-01', workStartDate: '2013-07-01', grassrootsYears: 4, education: 'master',
    partyJoinDate: '2012-11-20', lastPromotionDate: '2023-04-01', lastPromotionOutOfTurn: true,
  },
  {
    id: 'GB2016051', name: '赵敏', gender: 'female', birthDate: '1993-10-12', unitId: 'zzb', currentPost: '市委组织部干部一科科员',
    currentGrade: 'staff', gradeSince: '2016-08-01', workStartDate: '2016-08-01', grassrootsYears: 2, education: 'college',
    partyJoinDate: null, lastPromotionDate: null, lastPromotionOutOfTurn: false,
  },
  {
    id: 'GB1999012', name: '刘洋', gender: 'male', birthDate: '1975-03-08', unitId: 'xcb', currentPost: '市委巡察办主任',
    currentGrade: 'division', gradeSince: '2020-01-10', workStartDate: '1996-07-01', grassrootsYears: 9, education: 'bachelor',
    partyJoinDate: '1995-06-01', lastPromotionDate: '2020-01-10', lastPromotionOutOfTurn: false,
  },
  {
    id: 'GB1990002', name: '李强', gender: 'male', birthDate: '1968-01-30', unitId: 'zzb', currentPost: '市委常委、组织部部长',
    currentGrade: 'deputyBureau', gradeSince: '2022-01-10', workStartDate: '1989-07-01', grassrootsYears: 12, education: 'master',
    partyJoinDate: '1988-06-01', lastPromotionDate: '2022-01-10', lastPromotionOutOfTurn: false,
  },
];

/** Seeds only an empty person table, so it never overwrites imported people. Returns whether it seeded. */
export async function seedDemoPeople(orm: MikroORM): Promise<boolean> {
  const em = orm.em.fork();
  if ((await em.count(PersonSchema, {})) > 0) return false;
  const now = new Date();
  await em.insertMany(PersonSchema, DEMO_PEOPLE.map((p) => ({ ...p, createdAt: now, updatedAt: now })));
  return true;
}
