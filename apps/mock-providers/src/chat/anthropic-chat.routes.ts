import { guard } from '../mock-auth.js';
import { sendJson, sendReply } from '../mock-reply.js';
import type { MockContext, MockRoute } from '../mock-route.js';
import { PROVIDER_REPLIES } from '../provider-replies.js';
import { type SseEvent, startSse, writeSseStream } from '../sse-writer.js';
import { type ChatPlan, EVENTS_BEFORE_ERROR, MOCK_TOOL_CALL, bodyRecord, chatPlan, contentText, records } from './chat-plan.js';
import { anthropicToolRequest } from './tool-request.js';

/**
 * Anthropic's `POST /v1/messages` (providers.md §3): `max_tokens` is required; streams use named
 * events in the documented order with no `[DONE]`; `output_tokens` in `message_delta` is the
 * cumulative total; a mid-stream failure is `event: error` (overloaded) after the HTTP 200.
 */

export const MOCK_TOOL_USE_ID = 'toolu_mock_01';

function invalidRequest(message: string) {
  return { status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message }, request_id: 'req_mock_anthropic' } };
}

const usageOf = (plan: ChatPlan) => ({ input_tokens: plan.promptTokens, output_tokens: plan.completionTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });

function message(plan: ChatPlan, id: string, model: string): unknown {
  const content = plan.toolCall
    ? [{ type: 'tool_use', id: MOCK_TOOL_USE_ID, name: plan.toolName, input: MOCK_TOOL_CALL.args }]
    : [{ type: 'text', text: plan.text }];
  return { id, type: 'message', role: 'assistant', model, content, stop_reason: plan.toolCall ? 'tool_use' : 'end_turn', stop_sequence: null, usage: usageOf(plan) };
}

const named = (type: string, data: object = {}): SseEvent => ({ event: type, data: { type, ...data } });

/** The block start and deltas of the answer: a text block, or a tool_use block with JSON fragments. */
function blockEvents(plan: ChatPlan): { start: SseEvent; deltas: SseEvent[] } {
  if (!plan.toolCall) {
    return {
      start: named('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      deltas: plan.pieces.map((text) => named('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })),
    };
  }
  const args = JSON.stringify(MOCK_TOOL_CALL.args);
  const cut = args.indexOf(':') + 1;
  return {
    start: named('content_block_start', { index: 0, content_block: { type: 'tool_use', id: MOCK_TOOL_USE_ID, name: plan.toolName, input: {} } }),
    deltas: ['', args.slice(0, cut), args.slice(cut)].map((partial_json) => named('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json } })),
  };
}

/** The named events of a streamed answer, in Anthropic's exact order. */
export function anthropicStreamEvents(plan: ChatPlan, id: string, model: string): SseEvent[] {
  const start = named('message_start', {
    message: { id, type: 'message', role: 'assistant', content: [], model, stop_reason: null, stop_sequence: null, usage: { input_tokens: plan.promptTokens, output_tokens: 1 } },
  });
  const block = blockEvents(plan);
  const events = [start, block.start, named('ping')];
  if (plan.midStreamError) {
    events.push(...block.deltas.slice(0, EVENTS_BEFORE_ERROR), { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    return events;
  }
  events.push(
    ...block.deltas,
    named('content_block_stop', { index: 0 }),
    named('message_delta', { delta: { stop_reason: plan.toolCall ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: plan.completionTokens } }),
    named('message_stop'),
  );
  return events;
}

async function handleMessages(ctx: MockContext): Promise<void> {
  if (!(await guard(ctx))) return;
  const body = bodyRecord(await ctx.readJson());
  if (typeof body.max_tokens !== 'number') return sendReply(ctx.res, invalidRequest('max_tokens: Field required'));
  const messages = records(body.messages);
  if (typeof body.model !== 'string' || messages.length === 0) return sendReply(ctx.res, invalidRequest('messages: at least one message is required'));
  if (messages.some((m) => m.role !== 'user' && m.role !== 'assistant')) {
    return sendReply(ctx.res, invalidRequest('messages: roles must be "user" or "assistant"; use the top-level system parameter'));
  }
  const promptText = [contentText(body.system), ...messages.map((m) => contentText(m.content))].join(' ');
  const plan = chatPlan('anthropic', body.model, promptText, anthropicToolRequest(body));
  const id = `msg_mock_${ctx.call.at}`;
  if (body.stream !== true) {
    if (plan.midStreamError) return sendReply(ctx.res, PROVIDER_REPLIES.anthropic.serverError());
    return sendJson(ctx.res, message(plan, id, body.model), 200, { 'request-id': 'req_mock_anthropic' });
  }
  startSse(ctx.res, { 'request-id': 'req_mock_anthropic' });
  await writeSseStream(ctx.res, anthropicStreamEvents(plan, id, body.model), { split: 2, delayMs: plan.eventDelayMs, signal: ctx.signal });
}

export const ANTHROPIC_CHAT_ROUTES: readonly MockRoute[] = [
  { name: 'anthropic-messages', provider: 'anthropic', method: 'POST', path: '/v1/messages', handle: handleMessages },
];
