import { providerName } from '../api/provider-names.js';
import type { AuditRecord } from '../api/types.js';

/**
 * One audit record as a sentence, from the reader's point of view (`viewerId` reads as "you").
 * Unknown actions still read sensibly, so new ones need no release.
 */
export function describeAudit(record: AuditRecord, viewerId: string): string {
  const provider = record.provider ? providerName(record.provider) : '';
  const d = record.details;
  const key = `the ${provider} key${labelOf(d)}`;
  const masked = typeof d.masked_key === 'string' ? ` (${d.masked_key})` : '';
  const member = record.subject_user_id === viewerId ? 'you' : record.subject_user_id;
  switch (record.action) {
    case 'key.created':
      return `Added ${key}${masked}`;
    case 'key.replaced':
      return `Replaced ${key}${masked}`;
    case 'key.updated':
      return `Changed ${key}: ${changedFields(d)}`;
    case 'key.deleted':
      return `Deleted ${key}`;
    case 'key.enabled':
      return `Enabled ${key}`;
    case 'key.disabled':
      return `Disabled ${key}`;
    case 'key.tested':
      return `Tested ${key}: ${testOutcome(d)}`;
    case 'token.created':
      return `Created a gateway token${quoted(d.name)}`;
    case 'token.revoked':
      return `Revoked a gateway token${quoted(d.name)}`;
    case 'credits.granted':
      return `Received ${typeof d.amount === 'string' || typeof d.amount === 'number' ? `${d.amount} ` : ''}credits`;
    case 'org.created':
      return `Created the organization${quoted(d.name)}`;
    case 'org.updated':
      return `Changed the organization: ${changedFields(d)}`;
    case 'org.deleted':
      return `Deleted the organization${quoted(d.name)}`;
    case 'org.member_added':
      return d.source === 'claim' ? `Added ${member} as a member, from the sign-in’s organization claim` : `Added ${member} as ${roleWord(d.role)}`;
    case 'org.member_role_changed':
      return `Changed the role of ${member} to ${roleWord(toValue(d.role))}`;
    case 'org.member_removed':
      if (d.left === true) return `${member === 'you' ? 'You' : member} left the organization`;
      return d.source === 'claim' ? `Removed ${member}: no longer in the sign-in’s organization claim` : `Removed ${member} from the organization`;
    default:
      return `${record.action.replace(/[._]/g, ' ')}${provider ? ` (${provider})` : ''}`;
  }
}

/** A key's label when it is not the lone key's `default`, which reads as before ("the Groq key"). */
function labelOf(details: Record<string, unknown>): string {
  return typeof details.label === 'string' && details.label !== 'default' ? ` “${details.label}”` : '';
}

function quoted(value: unknown): string {
  return typeof value === 'string' ? ` “${value}”` : '';
}

function roleWord(role: unknown): string {
  return role === 'owner' ? 'an owner' : role === 'admin' ? 'an admin' : 'a member';
}

/** The `to` of a `{from, to}` change, or the value itself. */
function toValue(change: unknown): unknown {
  return typeof change === 'object' && change !== null && 'to' in change ? change.to : change;
}

/** "name, priority": the fields a `{field: {from, to}}` record changed, with `_` as spaces. */
function changedFields(details: Record<string, unknown>): string {
  const fields = Object.keys(details).filter((field) => typeof details[field] === 'object' && details[field] !== null && 'to' in (details[field] as object));
  return fields.length > 0 ? fields.map((f) => f.replace(/_/g, ' ')).join(', ') : 'settings';
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
