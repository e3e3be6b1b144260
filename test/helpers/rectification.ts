/** A rectification feedback's workflow input, built as the API's start builds it (assignees and deadlines resolved). */
import type { MikroORM } from '@mikro-orm/postgresql';
import { rectificationProcedure } from '../../procedures/rectification';
import type { RectificationInput } from '../../procedures/rectification/messages';

const STAFF = { id: 'zzb-staff', username: 'zzb-staff', displayName: '', unitId: 'zzb', roles: ['staff' as const] };

export async function rectificationInput(
  orm: MikroORM,
  o: { feedbackId: string; title: string; inspectionGroup: string; units?: string[]; reportDueDate?: string; reportByDefault?: boolean },
): Promise<RectificationInput> {
  const start = rectificationProcedure.start;
  if (!start) throw new Error('rectification has no start');
  const body = start.body.parse({
    feedbackId: o.feedbackId,
    title: o.title,
    inspectionGroup: o.inspectionGroup,
    feedbackDate: '2026-11-20',
    inspectionOfficeUnitId: 'xcb',
    problems: [{ no: '1', title: '干部选拔任用程序不规范', difficulty: 'normal', leadUnitId: 'zzb', assignments: (o.units ?? ['jyj']).map((unitId) => ({ unitId, dueDate: '2026-12-31' })) }],
    // 整改报告 per unit, at a date the test calendar covers (the default, 2 months on, is in 2027); the API plans one
    // by default (reportByDefault), and the item tests opt out so the feedback closes with its items.
    ...(o.reportByDefault ? {} : { report: o.reportDueDate ? { dueDate: o.reportDueDate } : false }),
  });
  return (await start.plan({ em: orm.em.fork(), user: STAFF, body })).input;
}
