import { authHeaders } from '../auth-headers.js';
import type { BuildRequestInput, UpstreamRequest } from './chat-adapter.types.js';

/** `base` + `path` with exactly one slash between them. */
export function joinUrl(base: string, path: string): string {
  const left = base.endsWith('/') ? base.slice(0, -1) : base;
  if (path === '') return left;
  return path.startsWith('/') ? `${left}${path}` : `${left}/${path}`;
}

/**
 * A JSON POST with the chat auth (`spec.auth` when set, else the provider's). `extra` headers are
 * dialect requirements and never override the credential.
 */
export function jsonPost(
  input: BuildRequestInput,
  url: string,
  body: unknown,
  extra: Record<string, string> = {},
): UpstreamRequest {
  const stream = input.request.stream === true;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: stream ? 'text/event-stream' : 'application/json',
    ...extra,
  };
  // Lower-cased so a registry's `Anthropic-Version` replaces our default instead of doubling it.
  for (const [name, value] of Object.entries(authHeaders(input.spec.auth ?? input.auth, input.apiKey))) {
    headers[name.toLowerCase()] = value;
  }
  return { url, method: 'POST', headers, body: JSON.stringify(body) };
}
