import { AuditLogSchema } from './audit-log.entity.js';
import { ProviderKeySchema } from './provider-key.entity.js';

export * from './audit-log.entity.js';
export * from './provider-key.entity.js';

export const ENTITIES = [ProviderKeySchema, AuditLogSchema];
