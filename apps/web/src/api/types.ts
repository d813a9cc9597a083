/**
 * The API's response shapes as the page uses them. They mirror the route schemas in
 * apps/api/src (the page meets the API over HTTP only, so they are restated here, not imported).
 */

export type KeyStatus = 'untested' | 'testing' | 'valid' | 'invalid' | 'error';

export interface KeyFormat {
  /** A JavaScript regular expression source; a soft check only (formats change). */
  pattern: string;
  hint: string;
  example: string;
  known_prefix: string;
}

export interface ProviderInfo {
  id: string;
  name: string;
  description: string;
  recommended: boolean;
  key_format: KeyFormat;
  model_prefixes: string[];
  signup_url: string;
  docs_url: string;
}

/** A key's state in the proxy's eyes (issue #14): whether failover currently skips it. */
export type KeyHealthState = 'ok' | 'cooling_down' | 'circuit_open' | 'failing';

export interface KeyHealth {
  state: KeyHealthState;
  /** When a cool-down (or an open circuit) ends; null when none is in force. */
  cooldown_until: string | null;
  /** Since when failures have not been ended by a success; null when none are. */
  failing_since: string | null;
  /** The proxy's attempts with this key over the last 15 minutes. */
  last_15m: { requests: number; errors: number; p50_latency_ms: number | null };
}

export interface KeyView {
  id: string;
  provider: string;
  provider_name: string;
  /** Unique per provider ignoring case; `default` for the key a seed client saves without one. */
  label: string;
  /** 1–100, lower goes first; equal priorities share the load. */
  priority: number;
  /** Model names or `*` globs this key may serve; null means any model. */
  models: string[] | null;
  /**
   * Null when unknown: in the answers to saves and edits (the listing and `GET /keys/by-id/{id}`
   * carry it) and while the health store does not answer.
   */
  health: KeyHealth | null;
  masked_key: string;
  enabled: boolean;
  status: KeyStatus;
  usable: boolean;
  last_tested_at: string | null;
  last_test_message: string | null;
  last_test_latency_ms: number | null;
  models_count: number | null;
  /** When the key stops working at the provider, as its owner set it; null when not set. */
  expires_at: string | null;
  key_version: number;
  created_at: string;
  updated_at: string;
}

/** `PATCH /keys/by-id/{id}`: any of these, the rest left as they are. */
export interface KeyPatch {
  label?: string;
  priority?: number;
  models?: string[] | null;
  enabled?: boolean;
  /** In the future; null clears it. */
  expires_at?: string | null;
}

/** `GET/PUT /settings`: whether a request no key of yours can serve may use platform credits. */
export interface ByokSettings {
  platform_fallback: 'allow' | 'never';
}

/** `POST /keys/{provider}/test`: 200 with the result, or 202 while the worker is still busy. */
export type KeyTestAnswer =
  | { done: true; success: boolean; status: string; message: string | null; models_count: number | null }
  | { done: false; job_id: string };

export interface GatewayToken {
  id: string;
  name: string;
  /** The organization the token always acts for; null for a personal token. */
  org_id: string | null;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface CreatedGatewayToken extends GatewayToken {
  /** Shown once; the server keeps only its hash. */
  token: string;
}

export interface UsageMetrics {
  calls: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  byok_calls: number;
  cost_micro: number;
  cost_usd: string;
  credits_charged_micro: number;
  credits_charged: string;
  credits_saved_micro: number;
  credits_saved: string;
  last_used_at: string | null;
}

export type UsageGrouping = 'provider' | 'model' | 'day' | 'credential_source';

/** Narrows a usage report to one provider's or one model's traffic. */
export interface UsageFilter {
  provider?: string;
  model?: string;
}

export interface UserUsageReport {
  user_id: string;
  from: string;
  to: string;
  group_by: UsageGrouping;
  provider?: string;
  model?: string;
  groups: Array<UsageMetrics & { key: string }>;
  totals: UsageMetrics;
}

interface UsageFigures {
  last_used_at: string | null;
  totals: UsageMetrics;
  by_model: Array<UsageMetrics & { model: string }>;
  by_day: Array<UsageMetrics & { day: string }>;
}

/** The provider's figures over all the owner's keys for it, and the named key's own in `key`. */
export interface KeyUsageReport extends UsageFigures {
  provider: string;
  from: string;
  to: string;
  key: UsageFigures & { id: string; label: string };
}

export interface CreditsView {
  user_id: string;
  balance_micro: number;
  balance: string;
}

export interface AuditRecord {
  id: string;
  occurred_at: string;
  actor_id: string;
  actor_type: 'user' | 'admin' | 'system';
  action: string;
  subject_user_id: string;
  provider: string | null;
  key_id: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
}

export interface AuditPage {
  items: AuditRecord[];
  next_cursor: string | null;
}

export type AuthMode = { mode: 'dev' } | { mode: 'oidc'; issuer: string; client_id: string } | { mode: 'token' };
