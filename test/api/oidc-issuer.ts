/**
 * A local OpenID Connect issuer for the tests (issue 10 §6): an express server on a free port serving its
 * discovery document, JWKS (keys from jose's generateKeyPair), an authorization endpoint and a token
 * endpoint, as a provider runs them. The "login" at the authorization endpoint is `provider.user`, with no
 * page: it sends the browser straight back with a code. A code is single use, bound to its redirect_uri
 * and PKCE challenge, and the token endpoint wants the client secret (client_secret_basic).
 * `provider.tamper` makes it misbehave for one test. Used by oidc.api.test.ts and the console's e2e test.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';

export const CLIENT_ID = 'tingjin-console';
export const CLIENT_SECRET = 'client-secret-for-the-test';
export const KID = 'key-1';

export const listen = (app: express.Express): Promise<Server> =>
  new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });

export const now = (): number => Math.floor(Date.now() / 1000);

export interface TokenOptions {
  claims?: Record<string, unknown>;
  iss?: string;
  aud?: string;
  /** Seconds from now. */
  exp?: number;
  /** Seconds from now (default −60). */
  iat?: number;
  alg?: string;
  key?: KeyLike | Uint8Array;
}

export interface LocalIssuer {
  /** Its URL, once started (beforeAll). */
  issuer: string;
  keys: { privateKey: KeyLike; publicKey: KeyLike };
  /** Discovery and key requests served, to see that keys are cached rather than fetched per request. */
  served: { discovery: number; jwks: number };
  provider: {
    user: string;
    claims: Record<string, unknown>;
    tamper: null | 'nonce' | 'audience';
    /** What the authorization endpoint was last asked. */
    asked: URLSearchParams | null;
    /** How the token endpoint was last called, and why it refused (null: it answered). */
    exchanged: { verifierMatched: boolean; secretMatched: boolean; refused: string | null } | null;
    codes: Map<string, { nonce: string; challenge: string; redirectUri: string; user: string }>;
  };
  /** A token signed by the issuer's key (or `key`), for `jyj-staff` unless the claims say otherwise. */
  token(o?: TokenOptions): Promise<string>;
}

/** Starts the issuer before the file's tests (OIDC_ISSUER, OIDC_CLIENT_ID set) and stops it after. */
export function useLocalIssuer(): LocalIssuer {
  let server: Server;
  const saved = { issuer: process.env.OIDC_ISSUER, client: process.env.OIDC_CLIENT_ID };
  const local: LocalIssuer = {
    issuer: '',
    keys: undefined as unknown as LocalIssuer['keys'],
    served: { discovery: 0, jwks: 0 },
    provider: { user: 'jyj-staff', claims: {}, tamper: null, asked: null, exchanged: null, codes: new Map() },
    token(o: TokenOptions = {}): Promise<string> {
      return new SignJWT({ preferred_username: 'jyj-staff', ...o.claims })
        .setProtectedHeader({ alg: o.alg ?? 'RS256', kid: KID, typ: 'JWT' })
        .setIssuer(o.iss ?? local.issuer)
        .setAudience(o.aud ?? CLIENT_ID)
        .setSubject('3f1c8a2e-0000-4000-8000-000000000001')
        .setIssuedAt(now() + (o.iat ?? -60))
        .setExpirationTime(now() + (o.exp ?? 300))
        .sign(o.key ?? local.keys.privateKey);
    },
  };
  const { provider, served } = local;

  beforeAll(async () => {
    local.keys = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(local.keys.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
    const app = express();
    app.get('/.well-known/openid-configuration', (_req, res) => {
      served.discovery++;
      res.json({
        issuer: local.issuer,
        jwks_uri: `${local.issuer}/jwks`,
        authorization_endpoint: `${local.issuer}/authorize`,
        token_endpoint: `${local.issuer}/token`,
        code_challenge_methods_supported: ['S256'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    });
    app.get('/jwks', (_req, res) => {
      served.jwks++;
      res.json({ keys: [jwk] });
    });
    app.get('/authorize', (req, res) => {
      const q = new URLSearchParams(req.url.split('?')[1] ?? '');
      provider.asked = q;
      const code = randomBytes(16).toString('hex');
      provider.codes.set(code, { nonce: q.get('nonce') ?? '', challenge: q.get('code_challenge') ?? '', redirectUri: q.get('redirect_uri') ?? '', user: provider.user });
      res.redirect(302, `${q.get('redirect_uri')}?code=${code}&state=${encodeURIComponent(q.get('state') ?? '')}&iss=${encodeURIComponent(local.issuer)}`);
    });
    app.post('/token', express.urlencoded({ extended: false }), async (req, res) => {
      const b = req.body as Record<string, string>;
      const grant = provider.codes.get(b.code ?? '');
      provider.codes.delete(b.code ?? '');
      const verifierMatched = !!grant && createHash('sha256').update(b.code_verifier ?? '').digest('base64url') === grant.challenge;
      const secretMatched = req.header('authorization') === `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
      const refused = !grant ? 'invalid_grant' : !verifierMatched ? 'invalid_grant (PKCE)' : b.redirect_uri !== grant.redirectUri ? 'invalid_grant (redirect_uri)' : !secretMatched ? 'invalid_client' : null;
      provider.exchanged = { verifierMatched, secretMatched, refused };
      if (!grant || refused) {
        res.status(400).json({ error: refused });
        return;
      }
      const idToken = await local.token({
        aud: provider.tamper === 'audience' ? 'another-client' : CLIENT_ID,
        claims: { preferred_username: grant.user, nonce: provider.tamper === 'nonce' ? 'another-login' : grant.nonce, ...provider.claims },
      });
      res.json({ access_token: 'opaque-access-token', token_type: 'Bearer', expires_in: 300, id_token: idToken });
    });
    server = await listen(app);
    local.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.OIDC_ISSUER = local.issuer;
    process.env.OIDC_CLIENT_ID = CLIENT_ID;
  });

  afterEach(() => {
    Object.assign(provider, { user: 'jyj-staff', claims: {}, tamper: null, asked: null, exchanged: null });
  });

  afterAll(async () => {
    for (const [k, v] of [['OIDC_ISSUER', saved.issuer], ['OIDC_CLIENT_ID', saved.client]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });
  return local;
}
