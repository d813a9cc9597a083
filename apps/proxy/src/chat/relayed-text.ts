/**
 * The text fields of OpenAI chunk deltas (content, tool-call arguments, reasoning, refusals) in
 * SSE text the proxy wrote. A JSON string inside a value escapes its quotes, so `"content":"`
 * can only match a real field, never generated text.
 */
export const DELTA_TEXT = /"(?:content|arguments|reasoning|reasoning_content|refusal)":"((?:[^"\\]|\\.)*)"/g;

/**
 * Characters of answer text in `sse` (escapes counted as written, which errs slightly high), for
 * estimating the completion tokens of a platform-key stream whose usage never arrived.
 */
export function deltaTextChars(sse: string): number {
  let chars = 0;
  for (const match of sse.matchAll(DELTA_TEXT)) chars += match[1]?.length ?? 0;
  return chars;
}
