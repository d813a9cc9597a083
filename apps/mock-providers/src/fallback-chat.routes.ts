import { guard } from './mock-auth.js';
import { sendJson } from './mock-reply.js';
import type { MockRoute } from './mock-route.js';

/**
 * A minimal, non-streaming Perplexity chat answer, because Perplexity's key check is a chat call.
 * The full chat routes live in `chat/` and are passed as `extraRoutes`, which take precedence.
 */
export const FALLBACK_CHAT_ROUTES: readonly MockRoute[] = [
  {
    name: 'perplexity-chat-fallback',
    provider: 'perplexity',
    method: 'POST',
    path: '/chat/completions',
    async handle(ctx) {
      const auth = await guard(ctx, { noCredit: 'pass' });
      if (!auth) return;
      const body = await ctx.readJson();
      const model = typeof body === 'object' && body !== null && 'model' in body && typeof body.model === 'string' ? body.model : 'sonar';
      sendJson(ctx.res, {
        id: 'mock-pplx-0001',
        model,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        citations: [],
        choices: [{ index: 0, finish_reason: 'length', message: { role: 'assistant', content: 'P' } }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      });
    },
  },
];
