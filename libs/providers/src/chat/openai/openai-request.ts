import type { BuildRequestInput, ChatResult, UpstreamRequest } from '../chat-adapter.types.js';
import { isRecord } from '../json-guards.js';
import { joinUrl, jsonPost } from '../upstream-request.js';

/**
 * The client's body goes upstream as is, with three changes: the model becomes the upstream id;
 * `stream_options` is forced to include usage where the provider supports it, so the gateway can
 * meter every stream; and it is removed where the provider rejects it (Cohere) or where the
 * request does not stream (OpenAI answers 400 to `stream_options` without `stream: true`).
 */
export function buildOpenAIRequest(input: BuildRequestInput): ChatResult<UpstreamRequest> {
  const { request, spec } = input;
  const body: Record<string, unknown> = { ...request, model: input.upstreamModel };
  if (request.stream === true && spec.streamUsage === 'include_usage') {
    const clientOptions = isRecord(request.stream_options) ? request.stream_options : {};
    body.stream_options = { ...clientOptions, include_usage: true };
  } else {
    delete body.stream_options;
  }
  return { ok: true, value: jsonPost(input, joinUrl(input.baseUrl, spec.path), body) };
}
