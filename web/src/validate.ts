/**
 * A start form checked before it is sent, against the JSON Schema that the API's own zod start schema
 * generates (start-schemas.json, written by `npm run web:types`). It catches what a schema can say (required,
 * lengths, patterns, dates, enums, counts); the rules beyond it (a due date within 12 months, a known unit)
 * stay with the API, whose 400/422 the form shows at the same fields.
 */
import { Validator, type OutputUnit } from '@cfworker/json-schema';
import schemas from './start-schemas.json';

const validators = new Map<string, Validator>();

function validatorFor(type: string): Validator | null {
  const body = (schemas.bodies as Record<string, unknown>)[type];
  if (!body) return null;
  let v = validators.get(type);
  if (!v) {
    v = new Validator({ ...(body as object), components: schemas.components } as never, '2020-12', false);
    validators.set(type, v);
  }
  return v;
}

/** '#/problems/0/title' → 'problems[0].title', as the API names fields. */
function fieldOf(instanceLocation: string, property?: string): string {
  const parts = instanceLocation.replace(/^#\/?/, '').split('/').filter(Boolean);
  if (property) parts.push(property);
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

/** The limit a keyword's error names: cfworker says e.g. "String is too short (0 < 1)." */
const limit = (e: OutputUnit): number => Number(/(\d+)\)?\.?$/.exec(e.error)?.[1] ?? NaN);

function message(e: OutputUnit): string {
  switch (e.keyword) {
    case 'required':
      return '必填';
    case 'minLength':
      return limit(e) === 1 ? '不能为空' : `至少 ${limit(e)} 个字符`;
    case 'maxLength':
      return `不能超过 ${limit(e)} 个字符`;
    case 'pattern':
      return '格式不正确（字母、数字、“_”“.”“-”）';
    case 'format':
      return /date/.test(e.error) ? '须为 YYYY-MM-DD 格式的日期' : '格式不正确';
    case 'enum':
    case 'const':
      return '取值无效';
    case 'minItems':
      return `至少需要 ${limit(e)} 项`;
    case 'maxItems':
      return `至多 ${limit(e)} 项`;
    case 'type':
      return '类型不正确';
    default:
      return '输入有误';
  }
}

/** The problems of a start body by field (the API's field names), or null when the schema accepts it. */
export function checkStart(type: string, body: unknown): Record<string, string> | null {
  const v = validatorFor(type);
  if (!v) return null;
  const r = v.validate(body);
  if (r.valid) return null;
  const out: Record<string, string> = {};
  // The leaves: the keywords that say what is wrong (not the $ref/properties/items that merely contain them).
  for (const e of r.errors) {
    if (['$ref', 'properties', 'items', 'allOf', 'anyOf', 'oneOf', 'discriminator', 'additionalProperties', 'unevaluatedProperties'].includes(e.keyword)) continue;
    const property = e.keyword === 'required' ? /"([^"]+)"/.exec(e.error)?.[1] : undefined;
    const field = fieldOf(e.instanceLocation, property);
    const value = e.instanceLocation
      .replace(/^#\/?/, '')
      .split('/')
      .filter(Boolean)
      .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), body);
    out[field] ??= value === '' ? '必填' : message(e);
  }
  return Object.keys(out).length ? out : { '': '输入有误' };
}
