import type { ProviderId } from '@byok/providers';
import { guard } from '../mock-auth.js';
import { sendJson, sendReply } from '../mock-reply.js';
import type { MockContext, MockRoute } from '../mock-route.js';
import { PROVIDER_REPLIES } from '../provider-replies.js';
import { startSse, writeSseStream } from '../sse-writer.js';
import { bodyRecord, chatPlan, contentText, records } from './chat-plan.js';
import { openAiToolRequest } from './tool-request.js';
import { type OpenAiFlavour, openAiCompletion, openAiStreamEvents } from './openai-chat.events.js';

/**
 * The OpenAI-compatible chat routes. Each provider is a flavour (data) of one route: its real
 * path, and where its stream puts usage, keep-alives and errors (providers.md §1, §2, §5–§8).
 */
export const OPENAI_FLAVOURS: readonly OpenAiFlavour[] = [
  {
    provider: 'openai', path: '/v1/chat/completions', idPrefix: 'chatcmpl-mock', rejectsStreamOptions: false, keepAlive: false,
    usage: { chunk: 'include_usage', onFinishChunk: false, xGroq: false, nullOnChunks: true }, midStreamError: 'openai',
  },
  {
    provider: 'openrouter', path: '/api/v1/chat/completions', idPrefix: 'gen-mock', rejectsStreamOptions: false, keepAlive: true,
    usage: { chunk: 'always', onFinishChunk: false, xGroq: false, nullOnChunks: false }, midStreamError: 'openrouter',
  },
  {
    provider: 'groq', path: '/openai/v1/chat/completions', idPrefix: 'chatcmpl-groq-mock', rejectsStreamOptions: false, keepAlive: false,
    usage: { chunk: 'include_usage', onFinishChunk: false, xGroq: true, nullOnChunks: false }, midStreamError: 'openai',
  },
  {
    // ⚠ Together's usage placement is confirmed only for /completions; /chat/completions assumed alike.
    provider: 'together', path: '/v1/chat/completions', idPrefix: 'tg-mock', rejectsStreamOptions: false, keepAlive: false,
    usage: { chunk: 'never', onFinishChunk: true, xGroq: false, nullOnChunks: false }, midStreamError: 'openai',
  },
  {
    // ⚠ Perplexity's streaming usage placement is unconfirmed; usage rides on the final chunk.
    provider: 'perplexity', path: '/chat/completions', idPrefix: 'pplx-mock', rejectsStreamOptions: false, keepAlive: false,
    usage: { chunk: 'never', onFinishChunk: true, xGroq: false, nullOnChunks: false }, midStreamError: 'openai',
    extra: { citations: ['https://example.com/mock-citation'] },
  },
  {
    provider: 'cohere', path: '/compatibility/v1/chat/completions', idPrefix: 'cohere-mock', rejectsStreamOptions: true, bareErrors: true, keepAlive: false,
    usage: { chunk: 'never', onFinishChunk: true, xGroq: false, nullOnChunks: false }, midStreamError: 'openai',
  },
];

/** 400 for a body a real API would refuse before generating, in the provider's envelope. */
function badRequest(ctx: MockContext, flavour: OpenAiFlavour, message: string): void {
  const body = flavour.bareErrors ? { message } : { error: { message, type: 'invalid_request_error', param: null, code: null } };
  sendReply(ctx.res, { status: 400, body });
}

async function handleChat(ctx: MockContext, flavour: OpenAiFlavour): Promise<void> {
  if (!(await guard(ctx))) return;
  const body = bodyRecord(await ctx.readJson());
  // ⚠ The exact Cohere wording is unconfirmed; the 400 itself is what the gateway must avoid.
  if (flavour.rejectsStreamOptions && 'stream_options' in body) return badRequest(ctx, flavour, 'invalid request: stream_options is not a supported parameter');
  const messages = records(body.messages);
  if (typeof body.model !== 'string' || messages.length === 0) return badRequest(ctx, flavour, "'model' and a non-empty 'messages' are required");

  const plan = chatPlan(ctx.provider, body.model, messages.map((m) => contentText(m.content)).join(' '), openAiToolRequest(body));
  const meta = { id: `${flavour.idPrefix}-${ctx.call.at}`, model: body.model, created: Math.floor(ctx.call.at / 1000) };
  if (body.stream !== true) {
    if (!plan.midStreamError) return sendJson(ctx.res, openAiCompletion(flavour, plan, meta));
    // Without a stream, a failure during generation is OpenRouter's 200-with-error or a plain 5xx.
    if (flavour.midStreamError === 'openrouter') return sendJson(ctx.res, { error: { code: 502, message: 'Provider returned error' } });
    return sendReply(ctx.res, PROVIDER_REPLIES[ctx.provider].serverError());
  }
  const options = bodyRecord(body.stream_options);
  startSse(ctx.res, flavour.keepAlive ? { 'x-generation-id': meta.id } : {});
  const events = openAiStreamEvents(flavour, plan, meta, options.include_usage === true);
  await writeSseStream(ctx.res, events, { split: 2, delayMs: plan.eventDelayMs, signal: ctx.signal });
}

/** One `POST …/chat/completions` route per OpenAI-compatible provider. */
export const OPENAI_CHAT_ROUTES: readonly MockRoute[] = OPENAI_FLAVOURS.map((flavour) => ({
  name: `${flavour.provider}-chat`,
  provider: flavour.provider,
  method: 'POST' as const,
  path: flavour.path,
  handle: (ctx: MockContext) => handleChat(ctx, flavour),
}));

/** The flavour of a provider, for tests that predict the framing. */
export function openAiFlavour(provider: ProviderId): OpenAiFlavour | undefined {
  return OPENAI_FLAVOURS.find((f) => f.provider === provider);
}
