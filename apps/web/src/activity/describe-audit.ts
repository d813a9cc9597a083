import { providerName } from '../api/provider-names.js';
import type { AuditRecord } from '../api/types.js';

/** One audit record as a sentence. Unknown actions still read sensibly, so new ones need no release. */
export function describeAudit(record: AuditRecord): string {
  const provider = record.provider ? providerName(record.provider) : '';
  const d = record.details;
  const masked = typeof d.masked_key === 'string' ? ` (${d.masked_key})` : '';
  switch (record.action) {
    case 'key.created':
      return `Added the ${provider} key${masked}`;
    case 'key.replaced':
      return `Replaced the ${provider} key${masked}`;
    case 'key.deleted':
      return `Deleted the ${provider} key`;
    case 'key.enabled':
      return `Enabled the ${provider} key`;
    case 'key.disabled':
      return `Disabled the ${provider} key`;
    case 'key.tested':
      return `Tested the ${provider} key: ${testOutcome(d)}`;
    case 'token.created':
      return `Created a gateway token${typeof d.name === 'string' ? ` “${d.name}”` : ''}`;
    case 'token.revoked':
      return `Revoked a gateway token${typeof d.name === 'string' ? ` “${d.name}”` : ''}`;
    case 'credits.granted':
      return `Received ${typeof d.amount === 'string' || typeof d.amount === 'number' ? `${d.amount} ` : ''}credits`;
    default:
      return `${record.action.replace(/[._]/g, ' ')}${provider ? ` (${provider})` : ''}`;
  }
}

function testOutcome(details: Record<string, unknown>): string {
  const status = details.status;
  const models = typeof details.models_count === 'number' ? `, ${details.models_count} models` : '';
  if (status === 'valid') return `works${models}`;
  if (status === 'invalid') return 'rejected by the provider';
  if (status === 'error') return 'could not be checked';
  return typeof details.outcome === 'string' ? details.outcome.replace(/_/g, ' ') : 'done';
}

/** Who did it, from the reader's point of view. */
export function describeActor(record: AuditRecord, viewerId: string): string {
  if (record.actor_type === 'system') return 'Automatic';
  if (record.actor_id === viewerId) return 'You';
  return record.actor_type === 'admin' ? `Admin ${record.actor_id}` : record.actor_id;
}
