/** The selection's master data routes: who holds a unit's 书记 posts, 职数, relations (回避) and 影响期 records. */
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { access, inDepartment } from '../../api/authz';
import { Forbidden } from '../../api/errors';
import { assertInMasterData, type MasterDataRef } from '../../api/master-data';
import type { RouteContext } from '../../api/routes/context';
import { BarRecordsBody, EstablishmentBody, OfficeHoldersBody, RelationsBody } from './schemas';

/**
 * The selection's master data (office holders, 影响期 records, relations, 职数) decide who may be selected, so
 * only the organization department's staff (组织部, a unit of kind department) record them, not a unit's own staff.
 */
const MASTER_DATA_ACCESS = access.handler('the organization department’s staff (组织部) only, checked in the handler (assertMasterDataWriter)', ['staff']);
async function assertMasterDataWriter(em: EntityManager, user: { unitId: string }): Promise<void> {
  if (!(await inDepartment(em, user))) throw new Forbidden('forbidden', 'the selection’s master data are recorded by the organization department’s staff (组织部) only');
}

const NOT_IN_MASTER_DATA = 'not in master data';

/** PUT /selection/office-holders, /selection/establishment, /selection/relations, /selection/bar-records. */
export function masterDataRoutes({ route }: Pick<RouteContext, 'route'>): void {
  route({
    method: 'put',
    path: '/selection/office-holders',
    tag: 'cadre selection',
    summary: 'Record who holds a unit’s Party secretary or discipline secretary post (master data for the 廉洁自律 signatures)',
    description:
      'Each row: a unit, the post (partySecretary 党委(党组)书记, disciplineSecretary 纪委书记/纪检组长), the person and since when; `until` ends ' +
      'the holding. A row with the same unit, post, person and since is replaced. A 廉洁自律 signature (signIntegrity) is accepted only ' +
      'from the account linked to a person who holds that post in the candidate’s unit on the day, who is not the candidate, and who ' +
      'did not give the other signature.',
    access: MASTER_DATA_ACCESS,
    idempotent: true,
    body: OfficeHoldersBody,
    response: { status: 200, schema: z.object({ recorded: z.number() }).openapi('OfficeHoldersRecorded'), description: 'The rows were recorded' },
    errors: [403, 422],
    handler: async ({ em, user, body }) => {
      await assertMasterDataWriter(em, user);
      const refs = body.holders.flatMap((h, i): MasterDataRef[] => [
        { kind: 'unit', id: h.unitId, field: `holders[${i}].unitId` },
        { kind: 'person', id: h.personId, field: `holders[${i}].personId` },
      ]);
      await assertInMasterData(em, refs, NOT_IN_MASTER_DATA);
      await em.transactional(async (tx) => {
        for (const h of body.holders) {
          await tx.getConnection().execute(
            `insert into unit_office_holder (unit_id, office, person_id, since, until) values (?, ?, ?, ?, ?)
             on conflict (unit_id, office, person_id, since) do update set until = excluded.until`,
            [h.unitId, h.office, h.personId, h.since, h.until ?? null],
          );
        }
      });
      return { status: 200, body: { recorded: body.holders.length } };
    },
  });

  route({
    method: 'put',
    path: '/selection/establishment',
    tag: 'cadre selection',
    summary: 'Record a unit’s approved number of posts per grade (职数)',
    description:
      'A selection whose post’s positions, on top of the unit’s people of that grade (person.current_grade), would exceed the approved ' +
      'number is refused at the start and at a revision (422 over_establishment, 超职数配备) unless the principles cite a recorded ' +
      'approval (overEstablishmentApproval). A unit and grade without a row is not checked.',
    access: MASTER_DATA_ACCESS,
    idempotent: true,
    body: EstablishmentBody,
    response: { status: 200, schema: z.object({ recorded: z.number() }).openapi('EstablishmentRecorded'), description: 'The numbers were recorded' },
    errors: [403, 422],
    handler: async ({ em, user, body }) => {
      await assertMasterDataWriter(em, user);
      await assertInMasterData(em, body.rows.map((r, i) => ({ kind: 'unit', id: r.unitId, field: `rows[${i}].unitId` })), NOT_IN_MASTER_DATA);
      await em.transactional(async (tx) => {
        for (const r of body.rows) {
          await tx
            .getConnection()
            .execute('insert into unit_establishment (unit_id, grade, approved) values (?, ?, ?) on conflict (unit_id, grade) do update set approved = excluded.approved', [r.unitId, r.grade, r.approved]);
        }
      });
      return { status: 200, body: { recorded: body.rows.length } };
    },
  });

  route({
    method: 'put',
    path: '/selection/relations',
    tag: 'cadre selection',
    summary: 'Record relations between people (回避: a committee member related to a candidate does not vote)',
    description:
      'Each row relates two people in master data: spouse 夫妻, directBlood 直系血亲, collateral 三代以内旁系血亲, inLaw 近姻亲; read both ' +
      'ways. When a selection’s vote opens, the committee members (their accounts linked to people by person.user_id) related to a ' +
      'candidate are recused: their ballots are refused with recused_member, and they count toward 应到会 but not as present. ' +
      '`remove` lists pairs whose relation is removed (either way round); the answer then counts `removed`. The people import ' +
      '(POST /people/import, column 亲属关系) replaces the relations of the people it imports.',
    access: MASTER_DATA_ACCESS,
    idempotent: true,
    body: RelationsBody,
    response: {
      status: 200,
      schema: z
        .object({ recorded: z.number(), removed: z.number().optional().openapi({ description: 'Relations removed; given when the request has `remove`' }) })
        .openapi('RelationsRecorded'),
      description: 'The relations were recorded (and removed)',
    },
    errors: [403, 422],
    handler: async ({ em, user, body }) => {
      await assertMasterDataWriter(em, user);
      const refs = [
        ...body.relations.flatMap((r, i): MasterDataRef[] => [
          { kind: 'person', id: r.personId, field: `relations[${i}].personId` },
          { kind: 'person', id: r.relativeId, field: `relations[${i}].relativeId` },
        ]),
        ...(body.remove ?? []).flatMap((r, i): MasterDataRef[] => [
          { kind: 'person', id: r.personId, field: `remove[${i}].personId` },
          { kind: 'person', id: r.relativeId, field: `remove[${i}].relativeId` },
        ]),
      ];
      await assertInMasterData(em, refs, NOT_IN_MASTER_DATA);
      let removed = 0;
      await em.transactional(async (tx) => {
        for (const r of body.remove ?? []) {
          const gone = await tx.getConnection().execute(
            'delete from person_relation where (person_id = ? and relative_id = ?) or (person_id = ? and relative_id = ?)',
            [r.personId, r.relativeId, r.relativeId, r.personId],
            'run',
          );
          removed += (gone as { affectedRows?: number }).affectedRows ?? 0;
        }
        for (const r of body.relations) {
          // Stored once either way round: the reverse pair, if recorded, is replaced.
          await tx.getConnection().execute('delete from person_relation where person_id = ? and relative_id = ?', [r.relativeId, r.personId]);
          await tx.getConnection().execute(
            'insert into person_relation (person_id, relative_id, relation) values (?, ?, ?) on conflict (person_id, relative_id) do update set relation = excluded.relation',
            [r.personId, r.relativeId, r.relation],
          );
        }
      });
      return { status: 200, body: { recorded: body.relations.length, ...(body.remove ? { removed } : {}) } };
    },
  });

  route({
    method: 'put',
    path: '/selection/bar-records',
    tag: 'cadre selection',
    summary: 'Record sanctions, 诫勉, 组织处理 and annual assessments on people (影响期: they bar a promotion for a while)',
    description:
      'Master data for the qualification predicate promotionBars: a candidate inside a record’s bar on the eligibility cut-off fails ' +
      'the check, with the record and the date its bar ends. The bar’s length comes from the rule table (党纪处分 警告 12 months, ' +
      '严重警告 18; 政务处分 警告 6, 记过 12, 记大过 18, 降级/撤职 24; 诫勉 6; 组织处理 调离 12, 降职 24; 基本称职/不称职 12 from the ' +
      'end of the year assessed) unless the record gives endsOn. A record with the same person, kind, category and date is replaced. ' +
      'The API reads the records again on the meeting’s date (openMeeting) and on the appointment date (recordAppointment).',
    access: MASTER_DATA_ACCESS,
    idempotent: true,
    body: BarRecordsBody,
    response: { status: 200, schema: z.object({ recorded: z.number() }).openapi('BarRecordsRecorded'), description: 'The records were recorded' },
    errors: [403, 422],
    handler: async ({ em, user, body }) => {
      await assertMasterDataWriter(em, user);
      await assertInMasterData(em, body.records.map((r, i) => ({ kind: 'person', id: r.personId, field: `records[${i}].personId` })), NOT_IN_MASTER_DATA);
      await em.transactional(async (tx) => {
        for (const r of body.records) {
          await tx.getConnection().execute(
            `insert into person_bar_record (person_id, kind, category, date, ends_on, ref) values (?, ?, ?, ?, ?, ?)
             on conflict (person_id, kind, category, date) do update set ends_on = excluded.ends_on, ref = excluded.ref`,
            [r.personId, r.kind, r.category, r.date, r.endsOn ?? null, r.ref ?? null],
          );
        }
      });
      return { status: 200, body: { recorded: body.records.length } };
    },
  });
}
