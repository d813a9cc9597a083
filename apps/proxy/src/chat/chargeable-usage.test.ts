import type { StreamTranslator } from '@byok/providers';
import { describe, expect, it } from 'vitest';
import { chargeableUsage } from './chargeable-usage.js';
import { createExchange, type Exchange } from './exchange.js';

function exchange(overrides: Partial<Exchange> = {}): Exchange {
  const e = createExchange({
    requestId: 'r1',
    caller: { userId: 'u1' },
    chosen: { provider: 'openai', upstreamModel: 'gpt-4o', credentialSource: 'system', keyId: undefined },
    requestedModel: 'gpt-4o',
    stream: true,
    startedAt: 0,
  });
  return Object.assign(e, { credit: { promptTokensEstimate: 40, reservedMicro: 1000 }, upstreamSentAt: 1, ...overrides });
}

const translator = (done: boolean, usage?: { promptTokens: number; completionTokens: number }, failed = false): StreamTranslator => ({
  push: () => '',
  end: () => '',
  usage: () => (usage ? { ...usage, totalTokens: usage.promptTokens + usage.completionTokens } : undefined),
  finishReason: () => undefined,
  error: () => (failed ? { message: 'cut', type: 'server_error', code: null } : undefined),
  done: () => done,
});

describe('chargeableUsage (issue #12, item 1: a request is never free because it ended early)', () => {
  it("takes the upstream's usage of a whole answer as it is", () => {
    const e = exchange({ upstreamStatus: 200, translator: translator(true, { promptTokens: 6, completionTokens: 3 }), usage: { promptTokens: 6, completionTokens: 3, totalTokens: 9 } });
    expect(chargeableUsage(e)).toEqual({ promptTokens: 6, completionTokens: 3, estimated: false });
  });

  it('estimates a platform stream cut before its usage: the prompt estimate and the text relayed', () => {
    const e = exchange({ upstreamStatus: 200, aborted: true, translator: translator(false), relayedChars: 41 });
    expect(chargeableUsage(e)).toEqual({ promptTokens: 40, completionTokens: 11, estimated: true });
  });

  it('never charges less than the upstream reported before a mid-stream failure', () => {
    const e = exchange({ upstreamStatus: 200, translator: translator(true, { promptTokens: 90, completionTokens: 2 }, true), relayedChars: 4 });
    expect(chargeableUsage(e)).toEqual({ promptTokens: 90, completionTokens: 2, estimated: true });
  });

  it('charges the prompt when the client left while the upstream worked on it', () => {
    expect(chargeableUsage(exchange({ stream: false, aborted: true }))).toEqual({ promptTokens: 40, completionTokens: 0, estimated: true });
  });

  it('charges nothing for an upstream error or an upstream never reached, nor estimates BYOK requests', () => {
    expect(chargeableUsage(exchange({ upstreamStatus: 429 }))).toEqual({ promptTokens: 0, completionTokens: 0, estimated: false });
    expect(chargeableUsage(exchange({ upstreamSentAt: undefined }))).toEqual({ promptTokens: 0, completionTokens: 0, estimated: false });
    expect(chargeableUsage(exchange({ credit: undefined, credentialSource: 'user_provider', upstreamStatus: 200, aborted: true, translator: translator(false) }))).toEqual({
      promptTokens: 0,
      completionTokens: 0,
      estimated: false,
    });
  });
});
