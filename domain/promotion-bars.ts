/**
 * The records that bar a promotion for a while (影响期): sanctions, 诫勉, 组织处理 and annual assessments,
 * with the length of each bar. The predicate promotionBars (domain/qualifications.ts) checks a candidate
 * against them; the start's schema lists their kinds.
 *
 * Pure and deterministic: the workflow imports it.
 */
import { addMonths, isValidDate } from './dates';

export const BAR_KINDS = ['partySanction', 'governmentSanction', 'admonition', 'organizationalHandling', 'annualAssessment'] as const;
/** 党纪处分, 政务处分, 诫勉, 组织处理, 年度考核. */
export type BarKind = (typeof BAR_KINDS)[number];

/** A dated record that may bar a promotion for a while (影响期). */
export interface BarRecord {
  kind: BarKind;
  /** The sanction or result: 警告, 严重警告, 记过, 诫勉, 调离, 基本称职, 不称职, …; a key of BAR_MONTHS under its kind. */
  category: string;
  /** The decision's date; for an annual assessment, the last day of the year assessed. */
  date: string;
  /** The end of the bar when the decision states it (组织处理 as recorded); else from BAR_MONTHS. */
  endsOn?: string | null;
  /** The decision's document reference. */
  ref?: string | null;
}

/**
 * 影响期 in months, by kind and category: a candidate inside one is not promoted. Sources: 《中国共产党纪律处分条例》
 * art. 10 (警告 1 年, 严重警告 1 年 6 个月 不得提拔); 《公职人员政务处分法》 art. 8 (警告 6 个月, 记过 12 个月, 记大过
 * 18 个月, 降级、撤职 24 个月); 《关于对党员领导干部进行诫勉的规定》 (诫勉 6 个月 不得提拔); 《公务员考核规定》 (基本称职、
 * 不称职: the year that follows, here 12 months from the end of the year assessed). 组织处理 varies (调离 1 年、降职 2 年
 * by 《关于对党员领导干部进行组织处理的规定》): a record without endsOn uses these, one with endsOn its own.
 * A category not listed here bars only when its endsOn says so.
 */
export const BAR_MONTHS: Readonly<Record<BarKind, Readonly<Record<string, number>>>> = {
  partySanction: { 警告: 12, 严重警告: 18, 撤销党内职务: 24, 留党察看: 24 },
  governmentSanction: { 警告: 6, 记过: 12, 记大过: 18, 降级: 24, 撤职: 24 },
  admonition: { 诫勉: 6 },
  organizationalHandling: { 停职检查: 12, 调离: 12, 责令辞职: 12, 免职: 12, 降职: 24 },
  annualAssessment: { 基本称职: 12, 不称职: 12 },
};

/** The last day a record bars a promotion (its end is exclusive), or null when it bars none. */
export function barEnd(r: BarRecord): string | null {
  if (r.endsOn) return r.endsOn;
  const months = BAR_MONTHS[r.kind]?.[r.category];
  return months === undefined || !isValidDate(r.date) ? null : addMonths(r.date, months);
}

/**
 * The records whose bar is in force on `asOf` (YYYY-MM-DD): on or after the record's date and before its end, with
 * that end. The bar concerns the promotion itself (《纪律处分条例》: 一年内…不得在党内提升职务), so the same rule is read
 * at the eligibility cut-off (the predicate promotionBars) and again on the dates of the decision and the appointment.
 */
export function barsInForce(records: readonly BarRecord[], asOf: string): { record: BarRecord; until: string }[] {
  return records.flatMap((record) => {
    const until = barEnd(record);
    return until && record.date <= asOf && asOf < until ? [{ record, until }] : [];
  });
}
