import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * Append-only record of every change to a key, token or credit balance and every key test.
 * The database refuses UPDATE, DELETE and TRUNCATE on this table (see the first migration).
 * `details` never holds key material.
 */
export const AuditLogSchema = defineEntity({
  name: 'AuditLog',
  tableName: 'audit_log',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    occurredAt: p.datetime().defaultRaw('now()'),
    actorId: p.string().length(255),
    actorType: p.string().length(16),
    action: p.string().length(64),
    subjectUserId: p.string().length(255),
    provider: p.string().length(50).nullable(),
    keyId: p.uuid().nullable(),
    requestId: p.string().length(128).nullable(),
    traceId: p.string().length(32).nullable(),
    ip: p.string().length(64).nullable(),
    userAgent: p.string().length(512).nullable(),
    details: p.json<Record<string, unknown>>().defaultRaw(`'{}'::jsonb`),
    idempotencyKey: p.string().length(160).nullable().unique(),
  },
});

export type AuditLog = InferEntity<typeof AuditLogSchema>;
