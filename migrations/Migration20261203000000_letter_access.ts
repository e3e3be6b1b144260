import { Migration } from '@mikro-orm/migrations';

/**
 * Who may read a 揭榜出征 task letter (任务书): the department's staff, the host unit's staff and head, and
 * the cadre. Master data had no link from a person (干部) to their user account, so a person gains one
 * (nullable: most people in master data never log in; unique: an account is one person's). A letter keeps
 * its host unit and the account the list addressed it to (the one that acknowledges it), because the
 * download is answered from PostgreSQL without asking the workflow. Letters issued before this migration
 * have neither: only the department and the linked person read them.
 */
export class Migration20261203000000_letter_access extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table person add column user_id text null references app_user(id) on delete set null;
      create unique index person_user_idx on person (user_id) where user_id is not null;
      alter table redeployment_letter add column host_unit_id text null, add column cadre_user_id text null;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      alter table redeployment_letter drop column if exists host_unit_id, drop column if exists cadre_user_id;
      drop index if exists person_user_idx;
      alter table person drop column if exists user_id;
    `);
  }
}
