import { Migration } from '@mikro-orm/migrations';

/**
 * The console's login at the identity provider, and logout for provider tokens (issue 10 §6; api/sso.ts,
 * api/oidc.ts).
 *
 * oidc_login holds one authorization-code flow: the state (its hash), the browser it was started in (the
 * hash of a cookie set then), the nonce the ID token must carry, the PKCE verifier, and the console path to
 * return to. The callback marks it used (single use), and it then holds the user and a one-minute handoff
 * (its hash) that the console trades for a local session. Rows live minutes; starts delete old ones.
 *
 * revoked_token lists provider tokens (their hash) ended by logout, until the token's own expiry.
 * provider_token_cutoff is logout-all's: a provider token issued (iat) at or before it is refused.
 * session.provider_roles: for a session opened by the provider's login with OIDC_ROLES_CLAIM, the roles the
 * provider named, which limit the user's master-data roles for that session (null: no limit).
 */
export class Migration20261208500000_oidc_sso extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table oidc_login (
        state_hash text primary key,
        browser_hash text not null,
        nonce text not null,
        code_verifier text not null,
        return_to text not null,
        created_at timestamptz not null default now(),
        expires_at timestamptz not null,
        called_back_at timestamptz null,
        user_id text null,
        provider_roles text[] null,
        handoff_hash text null unique,
        handoff_expires_at timestamptz null
      );
      create index oidc_login_expires_idx on oidc_login (expires_at);
      create table revoked_token (
        token_hash text primary key,
        expires_at timestamptz not null
      );
      create table provider_token_cutoff (
        user_id text primary key,
        not_after timestamptz not null
      );
      alter table session add column provider_roles text[] null;
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists oidc_login, revoked_token, provider_token_cutoff; alter table session drop column if exists provider_roles;');
  }
}
