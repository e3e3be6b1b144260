/**
 * People (cadres, 干部): the master data the qualification predicates read, imported from CSV or XLSX
 * with a report of every row that could not be imported.
 */
import { z } from 'zod';
import { chinaDateOf } from '../../domain/dates';
import { GRADE_INFO } from '../../domain/grades';
import { SheetHeaderError } from '../../domain/people-columns';
import { PersonSchema, type Person } from '../../platform/entities';
import { IMPORT_MAX_ERRORS, IMPORT_MAX_ROWS, importPeople, RelationsNotAllowed, TooManyRows } from '../../platform/people-import';
import { readCsv, readXlsx, UnreadableFile } from '../../platform/spreadsheet';
import { access, inDepartment, logPersonReads, personScope, scopeUnits } from '../authz';
import { ApiError, BadRequest, Forbidden, NotFound } from '../errors';
import { relationsShown } from '../personnel';
import { ImportPeopleBody, ImportPeopleResult, PeopleQuery, PersonDetail, PersonIdParam, PersonList, type PersonRow } from '../schemas';
import type { RouteContext } from './context';

function personView(p: Person): z.infer<typeof PersonRow> {
  return {
    id: p.id,
    name: p.name,
    gender: p.gender,
    birthDate: p.birthDate,
    unitId: p.unitId,
    currentPost: p.currentPost,
    currentGrade: p.currentGrade,
    currentGradeName: GRADE_INFO[p.currentGrade].name,
    gradeSince: p.gradeSince,
    workStartDate: p.workStartDate,
    grassrootsYears: p.grassrootsYears,
    education: p.education,
    partyJoinDate: p.partyJoinDate,
    lastPromotionDate: p.lastPromotionDate,
    lastPromotionOutOfTurn: p.lastPromotionOutOfTurn,
    leftLeadershipPostOn: p.leftLeadershipPostOn ?? null,
    fields: p.fields ?? [],
    health: p.healthCheckedOn && p.healthResult ? { date: p.healthCheckedOn, result: p.healthResult } : null,
    userId: p.userId ?? null,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

/** `%`, `_` and `\` match themselves in a LIKE pattern only when escaped. */
const likeEscape = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** A file that cannot be read is a malformed request about `content`, reported like zod's issues. */
function badContent(message: string): BadRequest {
  return new BadRequest('validation_error', `content: ${message}`, { issues: [{ field: 'content', message }] });
}

/** The import's answer: the row errors are capped, and the rest counted (errorsOmitted). */
const ImportPeopleReport = ImportPeopleResult.extend({
  errors: ImportPeopleResult.shape.errors.openapi({ description: `The first ${IMPORT_MAX_ERRORS} failed rows, in row order` }),
  errorsOmitted: z.number().int().openapi({ description: 'Failed rows beyond those listed in errors; failed counts them all' }),
}).openapi('ImportPeopleReport');

export function peopleRoutes({ route }: RouteContext): void {
  route({
    method: 'post',
    path: '/people/import',
    tag: 'master data',
    summary: 'Import people (cadres) from a CSV or XLSX file',
    description:
      'Each row is validated on its own: valid rows are inserted or updated by personnel number, invalid rows are listed in `errors` ' +
      'with their row number as the sheet shows it (the header is row 1). Re-importing the same file changes nothing. Columns the ' +
      'file does not have are left as they were on existing people. A file that cannot be read, or whose header lacks a required ' +
      `column, is a 400 naming \`content\`. At most ${IMPORT_MAX_ROWS} people per import (413 too_many_rows); the answer lists the first ` +
      `${IMPORT_MAX_ERRORS} failed rows and counts the rest (errorsOmitted). People are imported only into units in the caller’s ` +
      'scope; a row naming a unit outside it, or a person of such a unit, fails (the person is not moved or changed). The optional ' +
      'column 亲属关系 (relatives) lists `<relative’s 编号>:<relation>` entries separated by `;`, the relation as 配偶, 直系血亲, ' +
      '三代以内旁系血亲, 近姻亲 or spouse, directBlood, collateral, inLaw: a file with the column replaces the relations (回避) of ' +
      'each person it imports with those the rows list (a blank cell removes them), and only the organization department’s ' +
      'staff (组织部) import it (403 forbidden naming the column, nothing imported). A relative must be in master data or imported ' +
      'by the file; an unknown relative, an unknown relation or a person related to themself is a row error.',
    access: access.roles('staff'),
    idempotent: true,
    body: ImportPeopleBody,
    response: { status: 200, schema: ImportPeopleReport, description: 'What was imported, updated, unchanged, and the rows that failed' },
    errors: [403, 413],
    handler: async ({ em, body, user }) => {
      try {
        const rows = body.format === 'csv' ? readCsv(body.content) : await readXlsx(body.content);
        const scope = { units: await scopeUnits(em, user), department: await inDepartment(em, user) };
        return { status: 200, body: await importPeople(em, rows, chinaDateOf(new Date()), scope) };
      } catch (err) {
        if (err instanceof UnreadableFile || err instanceof SheetHeaderError) throw badContent(err.message);
        if (err instanceof RelationsNotAllowed) throw new Forbidden('forbidden', `content: ${err.message}`, { field: 'content', column: err.column, rule: 'relations.department' });
        if (err instanceof TooManyRows) {
          throw new ApiError(413, 'too_many_rows', `content: ${err.message}`, { field: 'content', limit: IMPORT_MAX_ROWS, rows: err.rows });
        }
        throw err;
      }
    },
  });

  route({
    method: 'get',
    path: '/people',
    tag: 'master data',
    summary: 'People (cadres), by unit, grade or part of the name',
    description: 'Personnel data: the people of the units in the caller’s scope (组织部 staff: their city’s or county’s). Every person listed is logged as read.',
    access: access.roles('staff'),
    query: PeopleQuery,
    response: { status: 200, schema: PersonList, description: 'In personnel-number order; total counts every match' },
    handler: async ({ em, query, user }) => {
      const where = {
        ...(query.unit ? { unitId: query.unit } : {}),
        ...(query.grade ? { currentGrade: query.grade } : {}),
        ...(query.q ? { name: { $like: `%${likeEscape(query.q)}%` } } : {}),
      };
      const [items, total] = await em.findAndCount(PersonSchema, { $and: [personScope(user), where] }, {
        orderBy: { id: 'asc' },
        limit: query.limit,
        offset: query.offset,
      });
      await logPersonReads(em, user, items.map((p) => p.id), '/people');
      return { status: 200, body: { total, items: items.map(personView) } };
    },
  });

  route({
    method: 'get',
    path: '/people/:id',
    tag: 'master data',
    summary: 'One person (cadre)',
    description:
      'Read by staff with the person’s unit in scope, and by the person; the read is logged (person_read). Anyone else gets 404. ' +
      'With the person’s relations (亲属关系, 回避), whichever way round each was recorded: a relative’s number and name only for ' +
      'a reader who may read the relative’s record too (that read logged as well); otherwise the relation alone, `redacted`.',
    access: access.person('id'),
    params: PersonIdParam,
    response: { status: 200, schema: PersonDetail, description: 'The person, with their relations' },
    errors: [404],
    handler: async ({ em, params, user }) => {
      const p = await em.findOne(PersonSchema, { id: params.id });
      if (!p) throw new NotFound('person_not_found', `no person has the personnel number ${params.id}`);
      return { status: 200, body: { ...personView(p), relations: await relationsShown(em, user, p.id, '/people/:id') } };
    },
  });
}
