import type { SuccessShape, ValidationStatus } from './validation-spec.js';

/** What a 2xx answer says about the key. */
export interface SuccessReading {
  status: Extract<ValidationStatus, 'valid' | 'invalid' | 'no_credit'>;
  /** Why, when the status is not simply `valid` (e.g. "the key's spending limit is used up"). */
  reason?: string;
  models?: string[];
  details?: Record<string, unknown>;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** More models than any provider lists today; a cap keeps a hostile answer from bloating metadata. */
export const MAX_MODELS = 2000;
const MAX_MODEL_NAME = 200;

/** Collects `field` of each item, skipping anything that is not a sensible model name. */
function pickNames(items: unknown, field: string, strip = ''): string[] {
  if (!Array.isArray(items)) return [];
  const names: string[] = [];
  for (const item of items) {
    if (!isObject(item)) continue;
    const raw = item[field];
    if (typeof raw !== 'string') continue;
    const name = raw.startsWith(strip) ? raw.slice(strip.length) : raw;
    if (name.length > 0 && name.length <= MAX_MODEL_NAME) names.push(name);
    if (names.length >= MAX_MODELS) break;
  }
  return names;
}

function modelList(models: string[], truncated: boolean): SuccessReading {
  return truncated ? { status: 'valid', models, details: { modelsTruncated: true } } : { status: 'valid', models };
}

/** Copies only the named fields whose values are plain scalars, so nothing unexpected is stored. */
function pickScalars(source: Json, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = source[f];
    if (v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') out[f] = v;
  }
  return out;
}

// `label` is left out on purpose: it is a masked form of the key itself.
const OPENROUTER_FIELDS = [
  'limit', 'limit_remaining', 'limit_reset', 'usage', 'usage_daily', 'usage_weekly', 'usage_monthly',
  'byok_usage', 'include_byok_in_limit', 'is_free_tier', 'expires_at',
] as const;

function readOpenRouterKey(body: unknown): SuccessReading {
  const data = isObject(body) && isObject(body.data) ? body.data : {};
  const details = pickScalars(data, OPENROUTER_FIELDS);
  const remaining = data.limit_remaining;
  // `limit_remaining: null` means no limit. A number at or below zero means every call will get a
  // 402, so the key works but is useless until topped up: that is what `no_credit` means.
  if (typeof remaining === 'number' && remaining <= 0) {
    return { status: 'no_credit', reason: `its spending limit is used up (limit ${String(data.limit)}, remaining ${remaining})`, details };
  }
  return { status: 'valid', details };
}

function readCohereCheck(body: unknown): SuccessReading {
  const data = isObject(body) ? body : {};
  const details = pickScalars(data, ['organization_id', 'owner_id']);
  // The docs leave open whether a bad key gives 401 or `{ valid: false }`; treat both as invalid.
  if (data.valid === false) return { status: 'invalid', reason: 'the key check answered valid: false', details };
  return { status: 'valid', details };
}

/** One reader per success shape; the validation spec names which one applies. */
export const SUCCESS_READERS: Readonly<Record<SuccessShape, (body: unknown) => SuccessReading>> = {
  'openai-model-list': (body) => modelList(pickNames(isObject(body) ? body.data : undefined, 'id'), false),
  'anthropic-model-list': (body) =>
    modelList(pickNames(isObject(body) ? body.data : undefined, 'id'), isObject(body) && body.has_more === true),
  'bare-model-array': (body) => modelList(pickNames(body, 'id'), false),
  'gemini-model-list': (body) =>
    modelList(
      pickNames(isObject(body) ? body.models : undefined, 'name', 'models/'),
      isObject(body) && typeof body.nextPageToken === 'string' && body.nextPageToken.length > 0,
    ),
  'openrouter-key': readOpenRouterKey,
  'cohere-check': readCohereCheck,
  'chat-completion': () => ({ status: 'valid' }),
};
