import type { ProviderId } from '@byok/providers';
import type { SseEvent } from '../sse-writer.js';
import { type ChatPlan, EVENTS_BEFORE_ERROR, MOCK_TOOL_CALL } from './chat-plan.js';

/** How one OpenAI-compatible provider frames its chat answers. */
export interface OpenAiFlavour {
  provider: ProviderId;
  /** The real chat path below the provider's prefix on the mock. */
  path: string;
  idPrefix: string;
  /** Cohere's compatibility API answers 400 to any `stream_options`. */
  rejectsStreamOptions: boolean;
  /** Error bodies are `{message}` (Cohere) rather than `{error:{…}}`. */
  bareErrors?: boolean;
  /** OpenRouter's `: OPENROUTER PROCESSING` keep-alive comments and `X-Generation-Id` header. */
  keepAlive: boolean;
  usage: {
    /** The `choices: []` usage chunk: only with `include_usage`, always, or never. */
    chunk: 'include_usage' | 'always' | 'never';
    /** Usage on the chunk that carries `finish_reason` (Together, Cohere, Perplexity). */
    onFinishChunk: boolean;
    /** Groq's `x_groq.usage` on the final chunk. */
    xGroq: boolean;
    /** OpenAI sends `usage: null` on every other chunk when `include_usage` is set. */
    nullOnChunks: boolean;
  };
  /** OpenAI: `data: {"error":…}` then close. OpenRouter: a chunk with `error` and `finish_reason:"error"`, then `[DONE]`. */
  midStreamError: 'openai' | 'openrouter';
  /** Fields on every body and chunk (Perplexity's `citations`). */
  extra?: Readonly<Record<string, unknown>>;
}

/** Identity of one answer. */
export interface AnswerMeta {
  id: string;
  model: string;
  created: number;
}

export const MOCK_TOOL_CALL_ID = 'call_mock_1';

const usageOf = (plan: ChatPlan) => ({
  prompt_tokens: plan.promptTokens,
  completion_tokens: plan.completionTokens,
  total_tokens: plan.promptTokens + plan.completionTokens,
});

/** The non-streamed `chat.completion`. */
export function openAiCompletion(flavour: OpenAiFlavour, plan: ChatPlan, meta: AnswerMeta): unknown {
  const toolCalls = [{ id: MOCK_TOOL_CALL_ID, type: 'function', function: { name: plan.toolName, arguments: JSON.stringify(MOCK_TOOL_CALL.args) } }];
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    ...flavour.extra,
    choices: [{
      index: 0,
      message: { role: 'assistant', content: plan.toolCall ? null : plan.text, refusal: null, ...(plan.toolCall ? { tool_calls: toolCalls } : {}) },
      logprobs: null,
      finish_reason: plan.toolCall ? 'tool_calls' : 'stop',
    }],
    usage: usageOf(plan),
  };
}

/** The content deltas: one per word, or the tool call's head and two argument fragments. */
function contentDeltas(plan: ChatPlan): object[] {
  if (!plan.toolCall) return plan.pieces.map((content) => ({ content }));
  const args = JSON.stringify(MOCK_TOOL_CALL.args);
  const cut = args.indexOf(':') + 1;
  return [
    { tool_calls: [{ index: 0, id: MOCK_TOOL_CALL_ID, type: 'function', function: { name: plan.toolName, arguments: '' } }] },
    { tool_calls: [{ index: 0, function: { arguments: args.slice(0, cut) } }] },
    { tool_calls: [{ index: 0, function: { arguments: args.slice(cut) } }] },
  ];
}

/** The SSE events of a streamed answer, in the provider's framing. */
export function openAiStreamEvents(flavour: OpenAiFlavour, plan: ChatPlan, meta: AnswerMeta, includeUsage: boolean): SseEvent[] {
  const head = { id: meta.id, object: 'chat.completion.chunk', created: meta.created, model: meta.model, ...flavour.extra };
  const nullUsage = flavour.usage.nullOnChunks && includeUsage ? { usage: null } : {};
  const chunk = (delta: object, finish: string | null = null, more: object = {}): SseEvent => ({
    data: { ...head, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...nullUsage, ...more },
  });
  const events: SseEvent[] = [];
  if (flavour.keepAlive) events.push({ comment: 'OPENROUTER PROCESSING' });
  events.push(chunk({ role: 'assistant', content: '' }));
  const deltas = contentDeltas(plan);

  if (plan.midStreamError) {
    for (const delta of deltas.slice(0, EVENTS_BEFORE_ERROR)) events.push(chunk(delta));
    if (flavour.midStreamError === 'openrouter') {
      events.push(chunk({ content: '' }, 'error', { error: { code: 502, message: 'Provider disconnected' } }), { data: '[DONE]' });
    } else {
      events.push({ data: { error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null } } });
    }
    return events;
  }

  for (const delta of deltas) events.push(chunk(delta));
  if (flavour.keepAlive) events.push({ comment: 'OPENROUTER PROCESSING' });
  const usage = usageOf(plan);
  const finishExtras = {
    ...(flavour.usage.onFinishChunk ? { usage } : {}),
    ...(flavour.usage.xGroq ? { x_groq: { id: 'req_mock_groq', usage: { queue_time: 0.01, ...usage, prompt_time: 0.001, completion_time: 0.002, total_time: 0.003 } } } : {}),
  };
  events.push(chunk({}, plan.toolCall ? 'tool_calls' : 'stop', finishExtras));
  if (flavour.usage.chunk === 'always' || (flavour.usage.chunk === 'include_usage' && includeUsage)) {
    events.push({ data: { ...head, choices: [], usage } });
  }
  events.push({ data: '[DONE]' });
  return events;
}
