/**
 * Gemini `streamGenerateContent?alt=sse` streams shaped like /work/shared/providers.md §4:
 * `data: {json}\r\n\r\n`, no event names, no terminator, usageMetadata on every chunk.
 */

function chunk(data: object): string {
  return `data: ${JSON.stringify(data)}\r\n\r\n`;
}

const candidate = (parts: object[], finishReason?: string, index = 0) => ({
  content: { role: 'model', parts },
  ...(finishReason ? { finishReason } : {}),
  index,
});

/** "Hello wörld 👋" in two chunks; complete usage only on the last. */
export const GEMINI_TEXT_STREAM =
  chunk({ candidates: [candidate([{ text: 'Hello' }])], usageMetadata: { promptTokenCount: 15, totalTokenCount: 15 }, modelVersion: 'gemini-2.0-flash', responseId: 'resp-1' }) +
  chunk({ candidates: [candidate([{ text: ' wörld 👋' }], 'STOP')], usageMetadata: { promptTokenCount: 15, candidatesTokenCount: 6, thoughtsTokenCount: 4, totalTokenCount: 25 }, modelVersion: 'gemini-2.0-flash', responseId: 'resp-1' });

/** A thought summary (skipped), then a function call arriving whole with finish STOP. */
export const GEMINI_TOOL_STREAM =
  chunk({ candidates: [candidate([{ text: 'planning', thought: true }])], usageMetadata: { promptTokenCount: 30 }, responseId: 'resp-2' }) +
  chunk({
    candidates: [candidate([{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }, { functionCall: { name: 'get_time', args: {} } }], 'STOP')],
    usageMetadata: { promptTokenCount: 30, candidatesTokenCount: 8, totalTokenCount: 38 },
    responseId: 'resp-2',
  });

/** Content, then an error chunk after the 200. */
export const GEMINI_ERROR_STREAM =
  chunk({ candidates: [candidate([{ text: 'Hello' }])], usageMetadata: { promptTokenCount: 15 }, responseId: 'resp-3' }) +
  chunk({ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } });

/** Cut before any finishReason. */
export const GEMINI_TRUNCATED_STREAM = chunk({ candidates: [candidate([{ text: 'Hel' }])], usageMetadata: { promptTokenCount: 15 }, responseId: 'resp-4' });

/** Two candidates (n = 2), interleaved. */
export const GEMINI_TWO_CANDIDATES_STREAM =
  chunk({ candidates: [candidate([{ text: 'A' }], undefined, 0), candidate([{ text: 'B' }], undefined, 1)], responseId: 'resp-5' }) +
  chunk({ candidates: [candidate([{ text: '!' }], 'STOP', 0), candidate([{ text: '?' }], 'MAX_TOKENS', 1)], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 4, totalTokenCount: 7 }, responseId: 'resp-5' });

/** A prompt blocked before generation. */
export const GEMINI_BLOCKED_STREAM = chunk({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 } });
