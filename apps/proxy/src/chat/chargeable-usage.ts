import { tokensForBytes } from '../pricing/token-estimate.js';
import type { Exchange } from './exchange.js';

/** The tokens a request is recorded (and, on a platform key, charged) with. */
export interface ChargeableUsage {
  promptTokens: number;
  completionTokens: number;
  /** Not the upstream's own count: the request ended before it was known. */
  estimated: boolean;
}

/**
 * What a request used. The upstream's usage when it reported it for a whole answer; otherwise, on
 * a platform key or under a budget, when its upstream took the request (it answered 2xx, or the
 * client left while it worked), an estimate: the prompt as estimated before the call and the
 * answer text already relayed, never less than what the upstream reported before the cut. A
 * request is never free because it ended early (or a budget cut it). Other BYOK requests are
 * neither charged nor counted, so they keep what was reported.
 */
export function chargeableUsage(exchange: Exchange): ChargeableUsage {
  const reported = exchange.usage ?? exchange.translator?.usage();
  const promptTokens = reported?.promptTokens ?? 0;
  const completionTokens = reported?.completionTokens ?? 0;
  const promptTokensEstimate = exchange.credit?.promptTokensEstimate ?? exchange.budget?.promptTokensEstimate;
  if (promptTokensEstimate === undefined || (reported !== undefined && !cutShort(exchange)) || !upstreamTookRequest(exchange)) {
    return { promptTokens, completionTokens, estimated: false };
  }
  return {
    promptTokens: Math.max(promptTokens, promptTokensEstimate),
    completionTokens: Math.max(completionTokens, tokensForBytes(exchange.relayedChars)),
    estimated: true,
  };
}

/** A stream that did not end with its `[DONE]`, or ended with an error event. */
function cutShort(exchange: Exchange): boolean {
  const translator = exchange.translator;
  if (!exchange.stream || translator === undefined) return false;
  return !translator.done() || translator.error() !== undefined;
}

function upstreamTookRequest(exchange: Exchange): boolean {
  const status = exchange.upstreamStatus;
  if (status !== undefined) return status >= 200 && status < 300;
  return exchange.aborted && exchange.upstreamSentAt !== undefined;
}
