import type { KeyView } from '../api/types.js';

/** What a provider's card says about it; one word a person can act on. */
export type CardStatus = 'connected' | 'not_configured' | 'testing' | 'invalid' | 'error' | 'disabled' | 'untested';

export const STATUS_LABELS: Readonly<Record<CardStatus, string>> = {
  connected: 'Connected',
  not_configured: 'Not configured',
  testing: 'Testing…',
  invalid: 'Invalid',
  error: 'Error',
  disabled: 'Disabled',
  untested: 'Not tested yet',
};

/**
 * A disabled key reads "disabled" whatever its last test said, since routing skips it either
 * way; `testingNow` covers a test this page started before the server reports it.
 */
export function cardStatus(key: KeyView | undefined, testingNow = false): CardStatus {
  if (!key) return 'not_configured';
  if (testingNow || key.status === 'testing') return 'testing';
  if (!key.enabled) return 'disabled';
  switch (key.status) {
    case 'valid':
      return 'connected';
    case 'invalid':
      return 'invalid';
    case 'error':
      return 'error';
    default:
      return 'untested';
  }
}

/**
 * A provider card's one word over its keys: testing while any is, connected while any works
 * (the proxy fails over to it), otherwise what its first key in priority order says.
 */
export function providerStatus(ordered: readonly KeyView[], testing: ReadonlySet<string>): CardStatus {
  const statuses = ordered.map((key) => cardStatus(key, testing.has(key.id)));
  if (statuses.includes('testing')) return 'testing';
  if (statuses.includes('connected')) return 'connected';
  return statuses[0] ?? 'not_configured';
}

export interface KeyStats {
  /** Providers with at least one key. */
  configured: number;
  tested: number;
  valid: number;
}

export function keyStats(keys: KeyView[]): KeyStats {
  return {
    configured: new Set(keys.map((k) => k.provider)).size,
    tested: keys.filter((k) => k.last_tested_at !== null).length,
    valid: keys.filter((k) => k.status === 'valid').length,
  };
}

/** A sentence for a finished test, for toasts and the add-key dialog. */
export function describeResult(key: KeyView): string {
  const name = key.provider_name;
  if (key.status === 'valid') {
    return key.models_count !== null ? `${name} key works: ${key.models_count} models reachable.` : `${name} key works.`;
  }
  // A rejection's message is already the server's whole sentence ("OpenAI rejected the key (…).").
  if (key.status === 'invalid') return key.last_test_message ?? `${name} rejected the key.`;
  const reason = key.last_test_message ? `: ${key.last_test_message}` : '.';
  if (key.status === 'error') return `Could not check the ${name} key${reason}`;
  return `${name} key saved.`;
}
