/** Writers for the OpenAI-style SSE the gateway sends to clients. */

/** The terminator OpenAI clients wait for. */
export const SSE_DONE = 'data: [DONE]\n\n';

/** One `data:` event. A value containing newlines becomes several `data:` lines, as SSE requires. */
export function sseData(data: string): string {
  if (!data.includes('\n')) return `data: ${data}\n\n`;
  let out = '';
  for (const line of data.split('\n')) out += `data: ${line}\n`;
  return `${out}\n`;
}

/**
 * A comment event. OpenAI SDKs and browsers ignore comments, so forwarding an upstream keep-alive
 * costs nothing and keeps idle-timeout middleboxes between gateway and client from cutting a slow
 * stream. Line breaks are removed because a comment is one line.
 */
export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}
