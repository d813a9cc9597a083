import { expect } from 'vitest';

/** Asserts that `text` holds neither the key nor any 8-character run of it. */
export function expectNoKeyMaterial(text: string, key: string): void {
  for (let i = 0; i + 8 <= key.length; i++) {
    const run = key.slice(i, i + 8);
    if (text.includes(run)) expect.fail(`text contains key material at key offset ${i}: ${text.replace(key, '<KEY>')}`);
  }
}
