import { guard } from '../mock-auth.js';
import { sendJson, sendReply } from '../mock-reply.js';
import type { MockContext, MockRoute } from '../mock-route.js';
import { PROVIDER_REPLIES } from '../provider-replies.js';
import { type SseEvent, startSse, writeSseStream } from '../sse-writer.js';
import { type ChatPlan, EVENTS_BEFORE_ERROR, MOCK_TOOL_CALL, bodyRecord, chatPlan, contentText, records } from './chat-plan.js';
import { geminiToolRequest } from './tool-request.js';

/**
 * Gemini's `POST /v1beta/models/{model}:generateContent` and `:streamGenerateContent`
 * (providers.md §4). With `alt=sse` the stream is `data: {…}\r\n\r\n` events with
 * `usageMetadata` on every chunk (complete only on the last) and no terminator: the connection
 * just closes. Without `alt=sse` the same chunks come back as one JSON array.
 */

/** Text of Gemini `contents[].parts[].text` and `systemInstruction.parts[].text`. */
function promptTextOf(body: Record<string, unknown>): string {
  const texts = [bodyRecord(body.systemInstruction), ...records(body.contents)].map((content) => contentText(content.parts));
  return texts.join(' ');
}

/** The chunks of an answer: one per word (or one function call), the last with finishReason and full usage. */
export function geminiChunks(plan: ChatPlan, model: string, responseId: string): unknown[] {
  const partial = { promptTokenCount: plan.promptTokens, totalTokenCount: plan.promptTokens };
  const full = { promptTokenCount: plan.promptTokens, candidatesTokenCount: plan.completionTokens, totalTokenCount: plan.promptTokens + plan.completionTokens };
  const partsList: object[][] = plan.toolCall ? [[{ functionCall: { name: plan.toolName, args: MOCK_TOOL_CALL.args } }]] : plan.pieces.map((text) => [{ text }]);
  const chunk = (parts: object[], last: boolean) => ({
    candidates: [{ content: { role: 'model', parts }, ...(last ? { finishReason: 'STOP' } : {}), index: 0 }],
    usageMetadata: last ? full : partial,
    modelVersion: model,
    responseId,
  });
  if (plan.midStreamError) {
    // A tool call arrives whole, so a failing tool-call answer fails before it.
    const before = plan.toolCall ? [] : partsList.slice(0, EVENTS_BEFORE_ERROR).map((parts) => chunk(parts, false));
    return [...before, { error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } }];
  }
  return partsList.map((parts, i) => chunk(parts, i === partsList.length - 1));
}

/** The non-streamed response: the whole answer in one candidate. */
function geminiResponse(plan: ChatPlan, model: string, responseId: string): unknown {
  const parts = plan.toolCall ? [{ functionCall: { name: plan.toolName, args: MOCK_TOOL_CALL.args } }] : [{ text: plan.text }];
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0, safetyRatings: [] }],
    usageMetadata: { promptTokenCount: plan.promptTokens, candidatesTokenCount: plan.completionTokens, totalTokenCount: plan.promptTokens + plan.completionTokens },
    modelVersion: model,
    responseId,
  };
}

async function handleGenerate(ctx: MockContext): Promise<void> {
  if (!(await guard(ctx))) return;
  const [model = '', method] = ctx.params;
  const body = bodyRecord(await ctx.readJson());
  if (records(body.contents).length === 0) {
    return sendReply(ctx.res, { status: 400, body: { error: { code: 400, message: '* GenerateContentRequest.contents: contents is not specified', status: 'INVALID_ARGUMENT' } } });
  }
  const plan = chatPlan('google', model, promptTextOf(body), geminiToolRequest(body));
  const responseId = `resp-mock-${ctx.call.at}`;
  if (method === 'generateContent') {
    if (plan.midStreamError) return sendReply(ctx.res, PROVIDER_REPLIES.google.serverError());
    return sendJson(ctx.res, geminiResponse(plan, model, responseId));
  }
  const chunks = geminiChunks(plan, model, responseId);
  if (ctx.query.get('alt') !== 'sse') return sendJson(ctx.res, chunks);
  startSse(ctx.res);
  const events: SseEvent[] = chunks.map((data) => ({ data }));
  await writeSseStream(ctx.res, events, { split: 2, delayMs: plan.eventDelayMs, signal: ctx.signal, lineEnding: '\r\n' });
}

export const GEMINI_CHAT_ROUTES: readonly MockRoute[] = [
  {
    name: 'google-generate-content',
    provider: 'google',
    method: 'POST',
    path: /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/,
    handle: handleGenerate,
  },
];
