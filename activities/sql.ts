/**
 * A text[] literal: the query builder expands a bound array into a list of values, so arrays are bound
 * as one string in PostgreSQL's array syntax, every element quoted and escaped.
 */
export function pgTextArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}
