/**
 * Every call to the JSON API: typed from the OpenAPI document (api-types.ts, by openapi-typescript) through
 * openapi-fetch, with the session's bearer token. A 401 ends the session and sends the user to 登录,
 * remembering where they were; any other error becomes an ApiProblem that names its field.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import { reactive } from 'vue';
import type { components, paths } from './api-types';
import { problemText } from './labels';

export type Schemas = components['schemas'];
export type User = Schemas['User'];

const STORE = 'tingjin.session';

interface Session {
  token: string;
  user: User;
  expiresAt: string;
}

function load(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORE);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export const session = reactive<{ current: Session | null }>({ current: load() });

export function setSession(s: Session | null): void {
  session.current = s;
  if (s) sessionStorage.setItem(STORE, JSON.stringify(s));
  else sessionStorage.removeItem(STORE);
}

export const hasRole = (...roles: string[]): boolean => !!session.current?.user.roles.some((r) => roles.includes(r));

/** Called on a 401: the router sends the user to 登录 with the page to come back to. */
let onUnauthorized: () => void = () => undefined;
export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

const auth: Middleware = {
  onRequest({ request }) {
    request.headers.set('Accept', 'application/json');
    if (session.current) request.headers.set('Authorization', `Bearer ${session.current.token}`);
    return request;
  },
  onResponse({ response, request }) {
    // A failed login is a 401 too, but there is no session to end.
    if (response.status === 401 && !new URL(request.url).pathname.startsWith('/auth/login')) {
      setSession(null);
      onUnauthorized();
    }
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(auth);

/** An API refusal: its status, code, the field it names (as the API spells it) and a message in Chinese. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly field: string | null,
    readonly apiMessage: string,
    readonly fields: Record<string, string>,
    readonly details: unknown,
  ) {
    super(problemText(code, apiMessage));
  }
}

interface ProblemBody {
  status?: number;
  code?: string;
  message?: string;
  details?: { field?: string; issues?: { field: string; message: string }[] } & Record<string, unknown>;
}

export function toProblem(status: number, body: unknown): ApiProblem {
  const p = (body && typeof body === 'object' ? body : {}) as ProblemBody;
  const message = p.message ?? `HTTP ${status}`;
  const code = p.code ?? 'http_error';
  // The field: the details' field, or the message's "field: …" prefix.
  const prefix = /^([A-Za-z][\w.[\]-]*): /.exec(message)?.[1] ?? null;
  const field = p.details?.field ?? prefix;
  const fields: Record<string, string> = {};
  for (const i of p.details?.issues ?? []) fields[i.field] = problemText(code, `${i.field}: ${i.message}`);
  if (field) fields[field] = problemText(code, message);
  return new ApiProblem(status, code, field, message, fields, p.details);
}

/** The data of an openapi-fetch answer, or throws its problem. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) throw toProblem(response.status, error);
  return data as T;
}

/** A fresh Idempotency-Key for a request that changes state (a retry of the same click reuses it). */
export const newKey = (): string => `web-${crypto.randomUUID()}`;

/** What the user reads of any failure: an API refusal in Chinese; anything else (the network, a crash) said in Chinese too, never the browser's English. */
export const errorText = (e: unknown): string => (e instanceof ApiProblem ? e.message : e instanceof TypeError ? '无法连接服务器，请检查网络后重试' : '操作未成功，请稍后重试');
