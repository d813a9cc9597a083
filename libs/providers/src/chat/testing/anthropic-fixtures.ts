/**
 * Anthropic Messages streams shaped like /work/shared/providers.md §3: named events, no `[DONE]`.
 */

function event(name: string, data: object): string {
  return `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
}

const messageStart = (inputTokens: number, extraUsage: object = {}) =>
  event('message_start', {
    message: { id: 'msg_01', type: 'message', role: 'assistant', content: [], model: 'claude-sonnet-4-5', stop_reason: null, stop_sequence: null, usage: { input_tokens: inputTokens, output_tokens: 1, ...extraUsage } },
  });

/** A text answer, "Hello wörld 👋", in the documented event order with a ping. */
export const ANTHROPIC_TEXT_STREAM =
  messageStart(25) +
  event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
  event('ping', {}) +
  event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hello' } }) +
  event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: ' wörld 👋' } }) +
  event('content_block_stop', { index: 0 }) +
  event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 3 } }) +
  event('message_delta', { delta: {}, usage: { output_tokens: 15 } }) +
  event('message_stop', {});

/** Text then a `get_weather` tool call whose arguments stream in fragments; cache tokens in usage. */
export const ANTHROPIC_TOOL_STREAM =
  messageStart(100, { cache_creation_input_tokens: 10, cache_read_input_tokens: 50 }) +
  event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
  event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Checking.' } }) +
  event('content_block_stop', { index: 0 }) +
  event('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: {} } }) +
  event('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '' } }) +
  event('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"city": ' } }) +
  event('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } }) +
  event('content_block_stop', { index: 1 }) +
  event('content_block_start', { index: 2, content_block: { type: 'tool_use', id: 'toolu_02', name: 'get_time', input: {} } }) +
  event('content_block_stop', { index: 2 }) +
  event('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 40 } }) +
  event('message_stop', {});

/** Content, then `event: error` overloaded after the HTTP 200. */
export const ANTHROPIC_ERROR_STREAM =
  messageStart(25) +
  event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
  event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hello' } }) +
  'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n';

/** A stream cut after some content, before `message_delta`. */
export const ANTHROPIC_TRUNCATED_STREAM =
  messageStart(25) +
  event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
  event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hel' } });
