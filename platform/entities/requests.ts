/**
 * What the API keeps of a request: the Idempotency-Key records and their large answers.
 * PostgreSQL tables as MikroORM EntitySchemas (no decorators); the schema changes only through migrations/.
 */
import { EntitySchema } from '@mikro-orm/core';

/**
 * An Idempotency-Key: reserved (in_progress, held by `owner` until `lockedUntil`) while its request runs,
 * then completed with the first answer, which a repeat replays. A large answer is stored once in
 * idempotency_answer and referenced by `bodySha256` instead of `body`.
 */
export interface IdempotencyRecord {
  userId: string;
  key: string;
  fingerprint: string;
  state: 'in_progress' | 'completed';
  owner: string | null;
  lockedUntil: Date | null;
  statusCode: number | null;
  body: unknown;
  bodySha256: string | null;
  createdAt: Date;
}

/** A large idempotent answer, gzip-compressed, addressed by the sha256 of its JSON. */
export interface IdempotencyAnswer {
  sha256: string;
  gz: Buffer;
  bytes: number;
  createdAt: Date;
}

export const IdempotencyRecordSchema = new EntitySchema<IdempotencyRecord>({
  name: 'IdempotencyRecord',
  tableName: 'idempotency_record',
  properties: {
    userId: { type: 'string', primary: true },
    key: { type: 'string', primary: true },
    fingerprint: { type: 'string' },
    state: { type: 'string' },
    owner: { type: 'string', nullable: true },
    lockedUntil: { type: 'Date', nullable: true },
    statusCode: { type: 'integer', nullable: true },
    body: { type: 'json', nullable: true },
    bodySha256: { type: 'string', nullable: true },
    createdAt: { type: 'Date' },
  },
});

export const IdempotencyAnswerSchema = new EntitySchema<IdempotencyAnswer>({
  name: 'IdempotencyAnswer',
  tableName: 'idempotency_answer',
  properties: {
    sha256: { type: 'string', primary: true },
    gz: { type: 'Buffer' },
    bytes: { type: 'integer' },
    createdAt: { type: 'Date' },
  },
});
