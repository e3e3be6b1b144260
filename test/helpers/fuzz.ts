/**
 * Request generators for the API fuzz test (test/api/fuzz.api.test.ts), built from the API's own
 * OpenAPI document: every route, with valid, near-valid and hostile bodies, path parameters, query
 * strings and headers. Each generated request says whether the API must refuse it (`mustRefuse`: it
 * carries text that is not clean, nesting deeper than the API's bound, no or a bad credential, no
 * Idempotency-Key…) and which markers it carries inside hostile text, so an echo can be detected.
 */
import { parse as parseQuery } from 'node:querystring';
import fc from 'fast-check';

/** What the API guarantees to refuse (api/input.ts): JSON nested deeper than this. */
export const API_MAX_DEPTH = 32;

export interface FuzzRequest {
  /** The OpenAPI route, e.g. `POST /procedures/{workflowId}/actions`. */
  route: string;
  method: string;
  /** Path and query as sent on the wire (already percent-encoded where needed; may hold latin1 bytes). */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  kind: 'valid' | 'near' | 'hostile';
  /** The API must answer 4xx: a rule of the edge, of authentication or of idempotency is broken. */
  mustRefuse: boolean;
  /** Why it must be refused (for failure messages). */
  why: string[];
  /** Unique strings embedded in hostile text; a 4xx answer must not contain any of them. */
  markers: string[];
  /** Changes state when answered 2xx (POST, PUT, DELETE). */
  mutating: boolean;
}

/** What the fuzzer knows of the running system: ids that exist, tokens that work. */
export interface FuzzWorld {
  tokens: Record<string, string>;
  /** Real values for path parameters by name (workflowId, taskId, id, letterId, year). */
  ids: Record<string, string[]>;
  /** Known-good bodies per route (`METHOD /path`), mutated into near-valid ones. */
  templates: Record<string, unknown[]>;
  /**
   * Requests that make sense as a whole (the assignee acting on their task, a supervisor urging): sent as
   * they are, or with their body mutated, so near-valid input reaches the workflows' own validators.
   */
  recipes?: fc.Arbitrary<Recipe>;
}

export interface Recipe {
  /** The OpenAPI route, `METHOD /path/{param}`. */
  route: string;
  params: Record<string, string>;
  /** Whose token (a key of FuzzWorld.tokens), or null for none. */
  user: string | null;
  body?: unknown;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Schema = Record<string, any>;
interface OpenApiDoc {
  paths: Record<string, Record<string, any>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface RouteInfo {
  route: string;
  method: string;
  path: string;
  auth: boolean;
  idempotent: boolean;
  pathParams: { name: string; schema: Schema }[];
  queryParams: { name: string; schema: Schema }[];
  body: Schema | null;
}

export function routesOf(doc: OpenApiDoc): RouteInfo[] {
  const out: RouteInfo[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const params: { name: string; in: string; schema: Schema }[] = op.parameters ?? [];
      out.push({
        route: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        auth: Array.isArray(op.security) && op.security.length > 0,
        idempotent: params.some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key'),
        pathParams: params.filter((p) => p.in === 'path'),
        queryParams: params.filter((p) => p.in === 'query'),
        body: op.requestBody?.content?.['application/json']?.schema ?? null,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON Schema (as zod-to-openapi writes it) → values that match it

/** Plausible text: ASCII, Chinese, and now and then an emoji (all clean). */
const cleanText = (min: number, max: number): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ minLength: min, maxLength: Math.min(max, 20) }),
    fc.string({ unit: fc.constantFrom('审', '批', '组', '织', '部', '干', '部', ' ', 'a', '1', '😀'), minLength: min, maxLength: Math.min(max, 12) }),
  );

const dateArb = fc
  .record({ y: fc.integer({ min: 2020, max: 2030 }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 28 }) })
  .map(({ y, m, d }) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);

export function valueOf(schema: Schema, doc: OpenApiDoc, depth = 0): fc.Arbitrary<Json> {
  if (schema.$ref) {
    const name = String(schema.$ref).split('/').pop() as string;
    return fc.constant(null).chain((): fc.Arbitrary<Json> => valueOf(doc.components?.schemas?.[name] ?? {}, doc, depth));
  }
  if (schema.oneOf || schema.anyOf) {
    const alternatives: fc.Arbitrary<Json>[] = (schema.oneOf ?? schema.anyOf).map((s: Schema) => valueOf(s, doc, depth));
    return fc.oneof(...alternatives);
  }
  if (schema.allOf) {
    return fc.tuple(...schema.allOf.map((s: Schema) => valueOf(s, doc, depth))).map((parts) => Object.assign({}, ...parts.filter((p) => p && typeof p === 'object')) as Json);
  }
  if (schema.enum) return fc.constantFrom(...(schema.enum as Json[]));
  if (schema.const !== undefined) return fc.constant(schema.const as Json);
  const types: string[] = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length > 1) return fc.oneof(...types.map((t) => valueOf({ ...schema, type: t }, doc, depth)));
  switch (types[0]) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? Math.max(1000, (schema.minimum ?? 0) + 1000) });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'string': {
      if (schema.example !== undefined && typeof schema.example === 'string' && !schema.pattern) {
        return fc.oneof(fc.constant(schema.example), stringOf(schema));
      }
      return stringOf(schema);
    }
    case 'array': {
      if (depth > 6) return fc.constant([]);
      const min = schema.minItems ?? 0;
      return fc.array(valueOf(schema.items ?? {}, doc, depth + 1), { minLength: min, maxLength: Math.min(schema.maxItems ?? 4, min + 3) });
    }
    case 'object':
    default: {
      if (!schema.properties) return depth > 6 ? fc.constant({}) : fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 });
      const required = new Set<string>(schema.required ?? []);
      const shape: Record<string, fc.Arbitrary<Json>> = {};
      for (const [k, s] of Object.entries(schema.properties as Record<string, Schema>)) shape[k] = valueOf(s, doc, depth + 1);
      return fc.record(shape, { requiredKeys: [...required] });
    }
  }
}

function stringOf(schema: Schema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  // A pattern bounds its own length (a 43-character handoff code, say): capping it too would filter forever.
  const max = schema.maxLength ?? (schema.pattern ? Infinity : 40);
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= min && s.length <= max);
  if (schema.format === 'date') return dateArb;
  if (schema.format === 'byte') return fc.string({ maxLength: 60 }).map((s) => Buffer.from(s).toString('base64'));
  return cleanText(min, max).filter((s) => s.trim().length >= Math.min(min, 1) || min === 0);
}

// ---------------------------------------------------------------------------------------------
// Hostile material

/** A marker unique to one hostile string, so an echo of it can be found in an answer. */
const markerArb = fc.integer({ min: 0x100000, max: 0xffffff }).map((n) => `FZ${n.toString(16)}`);

/** Text the API must refuse wherever it appears (api/input.ts): NUL, lone surrogates, control characters (C0 and C1), U+FFFE/U+FFFF. */
const REFUSED_PIECES = ['\u0000', 'ok\u0000', '\ud800', '\udfff', 'a\ud800b', '\udc00\ud800', '\u0007', '\u001b[31m', 'a\rb', '\u007f', '\u000b', '\u0008', '\u001f', 'a\u0085b', '\u009b2J', '\ufffe', 'x\uffff'];
/** Odd but clean text: the API may accept it, and must not fail on it. */
const ODD_PIECES = [
  '',
  ' ',
  '\t\n',
  '\u202e',
  '\ufeff',
  '\u200b',
  '😀',
  'e\u0301',
  "'; drop table person; --",
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '%00',
  '${jndi:ldap://x}',
  '__proto__',
  'constructor',
  '{{7*7}}',
  '组织部',
  '\\u0000',
  'NaN',
  '-0',
];

export interface HostileText {
  text: string;
  refused: boolean;
  marker: string;
  /**
   * Whether an answer must not contain it: text the API refuses, and the 100 KB texts. A clean id echoed
   * in a 404 ("procedure x not found") is not an echo of hostile input.
   */
  tracked: boolean;
}

export const hostileText: fc.Arbitrary<HostileText> = fc
  .tuple(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...REFUSED_PIECES).map((p) => ({ p, refused: true })) },
      { weight: 3, arbitrary: fc.constantFrom(...ODD_PIECES).map((p) => ({ p, refused: false })) },
      // Long text: 100 KB, with and without a refused character at its end.
      { weight: 1, arbitrary: fc.boolean().map((nul) => ({ p: 'x'.repeat(100_000) + (nul ? '\u0000' : ''), refused: nul })) },
    ),
    markerArb,
    fc.boolean(),
  )
  .map(([{ p, refused }, marker, before]) => ({ text: before ? `${marker}${p}` : `${p}${marker}`, refused, marker, tracked: refused || p.length > 1000 }));

const markersOf = (h: HostileText): string[] => (h.tracked ? [h.marker] : []);

/** Numbers JSON.stringify cannot write go into the raw text through a placeholder. */
const RAW = '@@RAW@@';
const extremeNumber: fc.Arbitrary<Json> = fc.constantFrom<Json>(
  1e308,
  -1e308,
  -0,
  'NaN',
  'Infinity',
  2 ** 53 + 1,
  -(2 ** 63),
  1e21,
  0.5,
  -1,
  0,
  `${RAW}1e999@@`,
  `${RAW}-1e999@@`,
  `${RAW}123456789012345678901234567890@@`,
  `${RAW}1.0e-400@@`,
);
const oddValue: fc.Arbitrary<Json> = fc.constantFrom<Json>(null, true, false, [], {}, [null], '', { __proto__: null } as unknown as Json);

const serialize = (v: unknown): string => JSON.stringify(v).replace(/"@@RAW@@(.*?)@@"/g, (m) => (JSON.parse(m) as string).slice(RAW.length, -2));

/** `inner` nested `levels` deep, as raw JSON text (a placeholder until serialised: no deep object is built). */
const nest = (inner: Json, levels: number, arrays: boolean): Json =>
  `${RAW}${(arrays ? '[' : '{"a":').repeat(levels)}${serialize(inner)}${(arrays ? ']' : '}').repeat(levels)}@@`;

/** How deep JSON text nests, read from the text itself (outside strings). */
function textDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') max = Math.max(max, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return max;
}

/** Whether a string is well-formed UTF-16: no lone surrogate (String.prototype.isWellFormed is ES2024). */
function wellFormed(s: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/** Control characters (C0, DEL, C1) but tab and newline, CR not before LF, and the noncharacters U+FFFE/U+FFFF (built from text: no raw controls in a literal). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = new RegExp('[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\ufffe\\uffff]|\\r(?!\\n)');

/** Whether a string breaks the edge's rule (independent of api/input.ts, so the test can catch it). */
export function refusedText(s: string): boolean {
  return !wellFormed(s) || CONTROL.test(s);
}

function anyRefusedText(v: unknown): boolean {
  const stack: unknown[] = [v];
  while (stack.length) {
    const x = stack.pop();
    if (typeof x === 'string') {
      if (refusedText(x)) return true;
    } else if (x && typeof x === 'object') {
      for (const [k, c] of Object.entries(x)) {
        if (refusedText(k)) return true;
        stack.push(c);
      }
    }
  }
  return false;
}

/** Every path in a JSON value, the root included. */
function pathsOf(v: Json): (string | number)[][] {
  const out: (string | number)[][] = [[]];
  const walk = (x: Json, p: (string | number)[]) => {
    if (x && typeof x === 'object' && p.length < 8) {
      for (const [k, c] of Array.isArray(x) ? x.map((c, i) => [i, c] as const) : Object.entries(x)) {
        out.push([...p, k]);
        walk(c, [...p, k]);
      }
    }
  };
  walk(v, []);
  return out;
}

function setAt(root: Json, path: (string | number)[], value: Json | undefined): Json {
  if (path.length === 0) return value === undefined ? null : value;
  const copy = structuredClone(root);
  let x: any = copy;
  for (const k of path.slice(0, -1)) x = x[k];
  const last = path[path.length - 1] as string | number;
  if (value === undefined) {
    if (Array.isArray(x)) x.splice(last as number, 1);
    else delete x[last];
  } else x[last] = value;
  return copy;
}

type Mutation =
  | { m: 'text'; h: HostileText }
  | { m: 'number'; n: Json }
  | { m: 'odd'; v: Json }
  | { m: 'delete' }
  | { m: 'extraKey'; key: HostileText | string }
  | { m: 'deep'; levels: number; arrays: boolean }
  | { m: 'repeat'; times: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: hostileText.map((h) => ({ m: 'text' as const, h })) },
  { weight: 2, arbitrary: extremeNumber.map((n) => ({ m: 'number' as const, n })) },
  { weight: 2, arbitrary: oddValue.map((v) => ({ m: 'odd' as const, v })) },
  { weight: 2, arbitrary: fc.constant({ m: 'delete' as const }) },
  { weight: 1, arbitrary: fc.oneof(hostileText, fc.constantFrom('__proto__', 'constructor', 'extra', '')).map((key) => ({ m: 'extraKey' as const, key })) },
  { weight: 1, arbitrary: fc.record({ levels: fc.oneof(fc.integer({ min: 28, max: 40 }), fc.constant(2000)), arrays: fc.boolean() }).map((r) => ({ m: 'deep' as const, ...r })) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 500 }).map((times) => ({ m: 'repeat' as const, times })) },
);

interface Mutated {
  value: Json;
  markers: string[];
}

function mutate(value: Json, pick: number, mu: Mutation): Mutated {
  const paths = pathsOf(value);
  const path = paths[pick % paths.length] as (string | number)[];
  switch (mu.m) {
    case 'text':
      return { value: setAt(value, path, mu.h.text), markers: markersOf(mu.h) };
    case 'number':
      return { value: setAt(value, path, mu.n), markers: [] };
    case 'odd':
      return { value: setAt(value, path, mu.v), markers: [] };
    case 'delete':
      return { value: path.length ? setAt(value, path, undefined) : value, markers: [] };
    case 'extraKey': {
      const key = typeof mu.key === 'string' ? mu.key : mu.key.text;
      const target = value && typeof value === 'object' && !Array.isArray(value) ? value : {};
      // A key of "__proto__" must become an own property, as JSON.parse makes it on the server.
      const obj = JSON.parse(JSON.stringify(target)) as Record<string, Json>;
      Object.defineProperty(obj, key, { value: 'x', enumerable: true, configurable: true, writable: true });
      return { value: obj, markers: typeof mu.key === 'string' ? [] : markersOf(mu.key) };
    }
    case 'deep': {
      const at = path.length ? path : [];
      const inner = at.length ? (pathValue(value, at) ?? 1) : value;
      return { value: setAt(value, at, nest(inner, mu.levels, mu.arrays)), markers: [] };
    }
    case 'repeat': {
      const arr = paths.map((p) => [p, pathValue(value, p)] as const).find(([, v]) => Array.isArray(v) && v.length > 0);
      if (!arr) return { value, markers: [] };
      const [p, v] = arr as [(string | number)[], Json[]];
      return { value: setAt(value, p, Array.from({ length: mu.times }, (_, i) => v[i % v.length] as Json)), markers: [] };
    }
  }
}

function pathValue(v: Json, path: (string | number)[]): Json | undefined {
  let x: any = v;
  for (const k of path) x = x?.[k];
  return x as Json | undefined;
}

// ---------------------------------------------------------------------------------------------
// Path parameters, query strings, headers

interface Part {
  text: string;
  refused: boolean;
  markers: string[];
}

/** Whether Express refuses a path segment: not decodable (bad percent-encoding, not UTF-8) or unclean once decoded. */
function segmentRefused(text: string): boolean {
  try {
    return refusedText(decodeURIComponent(text));
  } catch {
    return true;
  }
}

/**
 * Whether a query string carries text the API refuses, decoded as Express's "simple" parser does
 * (node:querystring: bad percent-encodings are kept, bytes that are not UTF-8 become U+FFFD).
 */
function queryRefused(text: string): boolean {
  const parsed = parseQuery(text);
  return Object.entries(parsed).some(([k, v]) => refusedText(k) || (Array.isArray(v) ? v : [v ?? '']).some((x) => refusedText(x)));
}

const segment = (text: string, markers: string[] = []): Part => ({ text, refused: segmentRefused(text), markers });

/** Path segments as sent: percent-encoded hostile text, traversal, bad encodings, raw latin1 bytes. */
const hostileSegment: fc.Arbitrary<Part> = fc.oneof(
  // Not the 100 KB texts: a request line that long is refused by Node's parser before the API sees it.
  // A lone surrogate cannot be percent-encoded: it goes as the UTF-8 bytes of one, which do not decode.
  hostileText.filter((h) => h.text.length < 2000).map((h) => segment(encodeURIComponent(h.text.replace(/[\ud800-\udfff]/g, '')) + (wellFormed(h.text) ? '' : '%ED%A0%80'), markersOf(h))),
  fc
    .constantFrom(
      '%00',
      'x%00y',
      '%01',
      '%ED%A0%80', // a lone surrogate in UTF-8: not decodable
      '%C0%AE%C0%AE', // an overlong "..": not UTF-8
      '%FF',
      '%',
      '%zz',
      '..',
      '..%2F..%2Fetc%2Fpasswd',
      '%2e%2e',
      '.',
      '%E6%95%99%E8%82%B2%E5%B1%80', // 教育局
      '%E2%80%AE',
      // Not raw non-ASCII bytes: Node's HTTP parser answers those itself (a bare 400, before Express).
      'a'.repeat(3000),
      '-1',
      '1e308',
      'NaN',
      '__proto__',
    )
    .map((t) => segment(t)),
);

/** A generated value as it would appear in a URL. */
const scalar = (v: Json): string => (typeof v === 'string' ? v : JSON.stringify(v));

function paramArb(name: string, schema: Schema, world: FuzzWorld, doc: OpenApiDoc): fc.Arbitrary<Part> {
  const known = world.ids[name] ?? [];
  const arbs: fc.WeightedArbitrary<Part>[] = [
    { weight: 3, arbitrary: hostileSegment },
    { weight: 2, arbitrary: valueOf(schema, doc).map((v) => segment(encodeURIComponent(scalar(v)))) },
  ];
  if (known.length) arbs.push({ weight: 4, arbitrary: fc.constantFrom(...known).map((v) => segment(encodeURIComponent(v))) });
  return fc.oneof(...arbs);
}

function queryArb(route: RouteInfo, doc: OpenApiDoc): fc.Arbitrary<Part> {
  const one = (p: { name: string; schema: Schema }): fc.Arbitrary<{ text: string; markers: string[] }> =>
    fc.oneof(
      { weight: 3, arbitrary: valueOf(p.schema, doc).map((v) => ({ text: `${p.name}=${encodeURIComponent(scalar(v))}`, markers: [] })) },
      { weight: 2, arbitrary: hostileSegment.map((s) => ({ text: `${p.name}=${s.text}`, markers: s.markers })) },
      { weight: 1, arbitrary: extremeNumber.map((n) => ({ text: `${p.name}=${encodeURIComponent(scalar(n).replace(/^@@RAW@@|@@$/g, ''))}`, markers: [] })) },
      // Repeated, bracketed and empty forms.
      { weight: 1, arbitrary: fc.constantFrom(`${p.name}=a&${p.name}=b`, `${p.name}[x]=1`, `${p.name}=`, p.name).map((text) => ({ text, markers: [] })) },
    );
  const parts = [...route.queryParams.map(one), hostileSegment.map((s) => ({ text: `${s.text}=${s.text}`, markers: s.markers }))];
  return fc.subarray(parts.map((_, i) => i), { maxLength: Math.min(3, parts.length) }).chain((idx) =>
    idx.length === 0
      ? fc.constant<Part>({ text: '', refused: false, markers: [] })
      : fc.tuple(...idx.map((i) => parts[i] as fc.Arbitrary<{ text: string; markers: string[] }>)).map((ps) => {
          const text = ps.map((p) => p.text).join('&');
          return { text, refused: queryRefused(text), markers: ps.flatMap((p) => p.markers) };
        }),
  );
}

interface AuthChoice {
  header: string | null;
  valid: boolean;
}

function authArb(world: FuzzWorld, allowValid: boolean): fc.Arbitrary<AuthChoice> {
  const users = Object.keys(world.tokens);
  const bad = fc.constantFrom<AuthChoice>(
    { header: null, valid: false },
    { header: '', valid: false },
    { header: 'Bearer', valid: false },
    { header: 'Bearer ', valid: false },
    { header: 'Bearer x', valid: false },
    { header: 'Basic emJiLXN0YWZmOmRlbW8=', valid: false },
    { header: `Bearer ${'A'.repeat(8000)}`, valid: false },
    { header: 'Bearer \u00ff\u00fe', valid: false },
    { header: 'Bearer ../../etc/passwd', valid: false },
    { header: "Bearer ' or 1=1 --", valid: false },
    { header: 'Bearer\tTOKEN', valid: false },
  );
  const tampered = fc.constantFrom(...users).map((u) => ({ header: `Bearer ${world.tokens[u]}x`, valid: false }));
  if (!allowValid) return fc.oneof(bad, tampered);
  const good = fc.constantFrom(...users).map((u) => ({ header: `Bearer ${world.tokens[u]}`, valid: true }));
  // The scheme is case-insensitive (RFC 9110 §11.1).
  const odd = fc.constantFrom(...users).map((u) => ({ header: `bearer ${world.tokens[u]}`, valid: true }));
  return fc.oneof({ weight: 6, arbitrary: good }, { weight: 2, arbitrary: bad }, { weight: 1, arbitrary: tampered }, { weight: 1, arbitrary: odd });
}

interface KeyChoice {
  header: string | null;
  valid: boolean;
}

const idempotencyKeyArb: fc.Arbitrary<KeyChoice> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 2 ** 31 }).map((n) => ({ header: `fuzz-key-${n.toString(36)}-${Date.now().toString(36)}`, valid: true })) },
  // A few keys shared by many requests, across routes, users and bodies: replays and idempotency_key_reused.
  { weight: 2, arbitrary: fc.constantFrom('fuzz-shared-key-1', 'fuzz-shared-key-2', 'FUZZ-SHARED-KEY-1').map((header) => ({ header, valid: true })) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<KeyChoice>(
      { header: null, valid: false },
      { header: '', valid: false },
      { header: 'short', valid: false },
      { header: 'k'.repeat(201), valid: false },
      { header: 'k'.repeat(5000), valid: false },
    ),
  },
  // Odd but perhaps acceptable keys: the API decides; they must not break it.
  { weight: 1, arbitrary: fc.constantFrom<KeyChoice>({ header: 'key with spaces 123', valid: true }, { header: 'clé-\u00e9\u00e9\u00e9\u00e9\u00e9', valid: true }, { header: 'tab\tinside\tthekey', valid: true }, { header: '../../../../', valid: true }, { header: '%00%00%00%00%00', valid: true }) },
);

// ---------------------------------------------------------------------------------------------
// Bodies

interface BodyChoice {
  body?: Buffer;
  contentType?: string;
  refused: boolean;
  why: string[];
  markers: string[];
  kind: 'valid' | 'near' | 'hostile';
}

const RAW_BODIES: { text: string; refused: boolean }[] = [
  { text: '{', refused: true },
  { text: '[', refused: true },
  { text: '"', refused: true },
  { text: '{"a":1,}', refused: true },
  { text: '[' .repeat(50_000), refused: true },
  { text: `${'['.repeat(20_000)}${']'.repeat(20_000)}`, refused: true },
  { text: `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`, refused: true },
  { text: '"\\ud800"', refused: true },
  { text: '{"title":"\\ud800","x":"\\u0000"}', refused: true },
  { text: '1e999', refused: true },
  // Express's JSON parser is strict: only an object or an array at the top.
  { text: 'null', refused: true },
  { text: '0', refused: true },
  { text: '"x"', refused: true },
  { text: '[]', refused: false },
  { text: '{"__proto__":{"admin":true}}', refused: false },
  { text: '{"constructor":{"prototype":{"admin":true}}}', refused: false },
];

function bodyArb(route: RouteInfo, world: FuzzWorld, doc: OpenApiDoc, templatesOnly = false): fc.Arbitrary<BodyChoice> {
  if (!route.body) {
    // A route without a body: most requests send none; some send one anyway.
    return fc.oneof(
      { weight: 4, arbitrary: fc.constant<BodyChoice>({ refused: false, why: [], markers: [], kind: 'valid' }) },
      { weight: 1, arbitrary: hostileText.map<BodyChoice>((h) => ({ body: Buffer.from(JSON.stringify({ x: h.text })), contentType: 'application/json', refused: h.refused, why: h.refused ? ['refused text in body'] : [], markers: markersOf(h), kind: 'hostile' })) },
    );
  }
  const templates = (world.templates[route.route] ?? []) as Json[];
  const base: fc.Arbitrary<Json> = templatesOnly
    ? fc.constantFrom(...templates)
    : templates.length
    ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...templates) }, { weight: 2, arbitrary: valueOf(route.body, doc) })
    : valueOf(route.body, doc);
  const json = (value: Json, kind: BodyChoice['kind'], markers: string[]): BodyChoice => {
    const why: string[] = [];
    if (anyRefusedText(value)) why.push('refused text in body');
    const text = serialize(value);
    if (textDepth(text) > API_MAX_DEPTH) why.push('body too deep');
    return { body: Buffer.from(text, 'utf8'), contentType: 'application/json', refused: why.length > 0, why, markers, kind };
  };
  return fc.oneof(
    { weight: 3, arbitrary: base.map((v) => json(v, 'valid', [])) },
    { weight: 6, arbitrary: fc.tuple(base, fc.nat(), mutationArb).map(([v, pick, mu]) => mutate(v, pick, mu)).map((m) => json(m.value, 'near', m.markers)) },
    { weight: 2, arbitrary: fc.tuple(base, fc.nat(), mutationArb, fc.nat(), mutationArb).map(([v, p1, m1, p2, m2]) => { const a = mutate(v, p1, m1); const b = mutate(a.value, p2, m2); return json(b.value, 'hostile', [...a.markers, ...b.markers]); }) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_BODIES).map((r) => ({ body: Buffer.from(r.text), contentType: 'application/json', refused: r.refused, why: r.refused ? ['raw body the API cannot accept'] : [], markers: [], kind: 'hostile' as const })) },
    {
      weight: 1,
      arbitrary: fc.tuple(base, fc.constantFrom('text/plain', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', undefined)).map(([v, ct]) => ({
        body: Buffer.from(serialize(v)),
        ...(ct ? { contentType: ct } : {}),
        // Not read as JSON: the body is missing for the route, which requires one.
        refused: true,
        why: ['body not sent as UTF-8 JSON'],
        markers: [],
        kind: 'hostile' as const,
      })),
    },
    // Invalid UTF-8 in a JSON string: decoded to U+FFFD, which is clean text.
    { weight: 1, arbitrary: fc.constant<BodyChoice>({ body: Buffer.from([0x7b, 0x22, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0x22, 0x7d]), contentType: 'application/json', refused: false, why: [], markers: [], kind: 'hostile' }) },
  );
}

// ---------------------------------------------------------------------------------------------
// A whole request

const READS_NOTHING = new Set(['GET /health', 'GET /ready']);

/** Routes whose valid use would end the fuzzer's own sessions. */
const SESSION_ENDING = new Set(['POST /auth/logout', 'POST /auth/logout-all']);

export function requestArb(routes: RouteInfo[], world: FuzzWorld, doc: OpenApiDoc): fc.Arbitrary<FuzzRequest> {
  return fc.constantFrom(...routes).chain((route) => {
    const params = route.pathParams.map((p) => paramArb(p.name, p.schema, world, doc));
    return fc
      .record({
        params: params.length ? fc.tuple(...params) : fc.constant([] as Part[]),
        query: queryArb(route, doc),
        auth: route.auth ? authArb(world, !SESSION_ENDING.has(route.route)) : fc.constant<AuthChoice>({ header: null, valid: true }),
        key: route.idempotent ? idempotencyKeyArb : fc.constant<KeyChoice>({ header: null, valid: true }),
        body: bodyArb(route, world, doc),
      })
      .map(({ params, query, auth, key, body }) => {
        let i = 0;
        const path = route.path.replace(/\{(\w+)\}/g, () => (params[i++] as Part).text);
        const headers: Record<string, string> = {};
        if (auth.header !== null) headers.authorization = auth.header;
        if (key.header !== null) headers['idempotency-key'] = key.header;
        if (body.contentType) headers['content-type'] = body.contentType;
        // /health and /ready read nothing of the request (not declared through defineRoute): only the
        // JSON parser, which runs for every route, refuses anything there.
        const edge = !READS_NOTHING.has(route.route);
        const why = body.why.filter((w) => edge || w !== 'refused text in body');
        if (edge && params.some((p) => p.refused)) why.push('refused path parameter');
        if (edge && query.refused) why.push('refused query');
        if (!auth.valid) why.push('no valid credential');
        if (route.idempotent && !key.valid) why.push('bad Idempotency-Key');
        const mustRefuse = why.length > 0;
        const kind: FuzzRequest['kind'] = mustRefuse ? 'hostile' : body.kind === 'valid' && params.every((p) => !p.markers.length) ? 'valid' : 'near';
        return {
          route: route.route,
          method: route.method,
          path: query.text ? `${path}?${query.text}` : path,
          headers,
          ...(body.body ? { body: body.body } : {}),
          kind,
          mustRefuse,
          why,
          markers: [...params.flatMap((p) => p.markers), ...query.markers, ...body.markers],
          mutating: route.method !== 'GET',
        } satisfies FuzzRequest;
      });
  });
}

/** A recipe sent as it is or with its body mutated; its route, path and credential stay valid. */
export function recipeArb(routes: RouteInfo[], world: FuzzWorld, doc: OpenApiDoc): fc.Arbitrary<FuzzRequest> {
  if (!world.recipes) throw new Error('the world has no recipes');
  return world.recipes.chain((recipe) => {
    const route = routes.find((r) => r.route === recipe.route);
    if (!route) throw new Error(`no route ${recipe.route} in the OpenAPI document`);
    const body: fc.Arbitrary<BodyChoice> =
      recipe.body === undefined
        ? fc.constant<BodyChoice>({ refused: false, why: [], markers: [], kind: 'valid' })
        : bodyArb(route, { ...world, templates: { [route.route]: [recipe.body] } }, doc, true);
    return fc.record({ body, key: route.idempotent ? idempotencyKeyArb : fc.constant<KeyChoice>({ header: null, valid: true }) }).map(({ body, key }) => {
      const path = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(recipe.params[name] ?? ''));
      const headers: Record<string, string> = {};
      if (recipe.user) headers.authorization = `Bearer ${world.tokens[recipe.user]}`;
      if (key.header !== null) headers['idempotency-key'] = key.header;
      if (body.contentType) headers['content-type'] = body.contentType;
      const why = [...body.why];
      if (route.idempotent && !key.valid) why.push('bad Idempotency-Key');
      return {
        route: route.route,
        method: route.method,
        path,
        headers,
        ...(body.body ? { body: body.body } : {}),
        kind: why.length ? 'hostile' : body.kind,
        mustRefuse: why.length > 0,
        why,
        markers: body.markers,
        mutating: route.method !== 'GET',
      } satisfies FuzzRequest;
    });
  });
}

/** A short, printable description of a request for a failure message (never the 100 KB strings). */
export function describeRequest(r: FuzzRequest): string {
  const cut = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…(${s.length} chars)` : s);
  const body = r.body ? cut(JSON.stringify(r.body.toString('utf8'))) : '(none)';
  return `${r.method} ${cut(JSON.stringify(r.path))} headers=${cut(JSON.stringify(r.headers))} body=${body} kind=${r.kind} mustRefuse=${r.mustRefuse} (${r.why.join('; ')})`;
}
