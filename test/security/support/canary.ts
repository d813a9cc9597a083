import { randomBytes } from 'node:crypto';
import type { ProviderId } from '@byok/providers';
import { fakeKey, type Scenario } from '@byok/mock-providers';

/**
 * Canary provider keys: unique to one run (a random seed), shaped so the mock providers behave as
 * the scenario says, and searched for afterwards everywhere a secret could end up. A leak may be
 * partial (a message quoting part of a key), so the search also looks for 12-character windows.
 */
export interface Canaries {
  seed: string;
  key(provider: ProviderId, scenario: Scenario): string;
  /** Every canary handed out so far. */
  all(): string[];
  /** The texts to search for: each whole key and windows of 12 characters across its random tail. */
  needles(): string[];
}

export const WINDOW_LENGTH = 12;

export function createCanaries(): Canaries {
  const seed = `canary-${randomBytes(8).toString('hex')}`;
  const issued = new Map<string, string>();
  return {
    seed,
    key(provider, scenario) {
      const key = fakeKey(provider, scenario, seed);
      issued.set(`${provider}:${scenario}`, key);
      return key;
    },
    all: () => [...issued.values()],
    needles: () => [...issued.values()].flatMap((key) => [key, ...windows(key)]),
  };
}

/**
 * Windows of WINDOW_LENGTH characters taken from the end of a key, where every fake key holds
 * random characters (its start is a public prefix and the mock's scenario marker, shared by
 * every fake key), plus one across the middle.
 */
export function windows(key: string): string[] {
  const out: string[] = [];
  for (let end = key.length; end - WINDOW_LENGTH >= key.length / 2 && out.length < 4; end -= WINDOW_LENGTH) out.push(key.slice(end - WINDOW_LENGTH, end));
  const middle = Math.floor(key.length * 0.6);
  out.push(key.slice(middle, middle + WINDOW_LENGTH));
  return out;
}

/** Where, in a set of named texts, any needle occurs: `source: needle…` lines, empty when clean. */
export function findNeedles(sources: Readonly<Record<string, string>>, needles: readonly string[]): string[] {
  const found: string[] = [];
  for (const [source, text] of Object.entries(sources)) {
    for (const needle of needles) {
      const at = text.indexOf(needle);
      if (at >= 0) found.push(`${source}: …${text.slice(Math.max(0, at - 80), at + needle.length + 40)}…`);
    }
  }
  return found;
}
