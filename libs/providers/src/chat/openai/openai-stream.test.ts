import { APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import * as F from '../testing/openai-fixtures.js';
import { dataEvents, readWithOpenAISdk, splitMismatches, streamCtx, translate } from '../testing/stream-harness.js';
import { OpenAIStreamTranslator } from './openai-stream.js';

const make = (clientWantsUsage: boolean) => () => new OpenAIStreamTranslator(streamCtx({ clientWantsUsage }));

/** The concatenated `delta.content` of SDK-parsed chunks. */
function contentOf(chunks: unknown[]): string {
  let text = '';
  for (const chunk of chunks as Array<{ choices: Array<{ delta?: { content?: string | null } }> }>) {
    for (const choice of chunk.choices) text += choice.delta?.content ?? '';
  }
  return text;
}

const hasUsageChunk = (sse: string) =>
  dataEvents(sse).some((e) => typeof e === 'object' && e !== null && 'choices' in e && Array.isArray(e.choices) && e.choices.length === 0);

describe('OpenAIStreamTranslator usage capture', () => {
  const variants = [
    { name: 'OpenAI include_usage chunk', input: F.OPENAI_STREAM, usage: { promptTokens: 9, completionTokens: 3, totalTokens: 12 }, upstreamUsageChunk: true },
    { name: 'Together usage on the finish chunk', input: F.TOGETHER_STREAM, usage: { promptTokens: 7, completionTokens: 4, totalTokens: 11 }, upstreamUsageChunk: false },
    { name: 'Groq x_groq + usage chunk', input: F.GROQ_STREAM, usage: { promptTokens: 12, completionTokens: 5, totalTokens: 17 }, upstreamUsageChunk: true },
    { name: 'Groq x_groq only', input: F.GROQ_LEGACY_STREAM, usage: { promptTokens: 12, completionTokens: 5, totalTokens: 17 }, upstreamUsageChunk: false },
    { name: 'OpenRouter with keep-alive comments', input: F.OPENROUTER_STREAM, usage: { promptTokens: 20, completionTokens: 6, totalTokens: 26 }, upstreamUsageChunk: true },
    { name: 'Cohere without stream_options', input: F.COHERE_STREAM, usage: { promptTokens: 5, completionTokens: 3, totalTokens: 8 }, upstreamUsageChunk: false },
    { name: 'Perplexity cumulative usage', input: F.PERPLEXITY_STREAM, usage: { promptTokens: 4, completionTokens: 3, totalTokens: 7 }, upstreamUsageChunk: false },
    { name: 'no usage at all', input: F.NO_USAGE_STREAM, usage: undefined, upstreamUsageChunk: false },
  ];

  for (const v of variants) {
    describe(v.name, () => {
      for (const clientWantsUsage of [false, true]) {
        it(`captures usage and ${clientWantsUsage ? 'sends' : 'withholds'} the usage chunk (client asked: ${clientWantsUsage})`, async () => {
          const translator = make(clientWantsUsage)();
          const out = translate(translator, v.input);
          expect(translator.usage()).toEqual(v.usage);
          expect(translator.finishReason()).toBe('stop');
          expect(translator.error()).toBeUndefined();
          expect(translator.done()).toBe(true);
          expect(out.endsWith('data: [DONE]\n\n')).toBe(true);
          expect(hasUsageChunk(out)).toBe(clientWantsUsage && v.usage !== undefined);

          const { chunks, error } = await readWithOpenAISdk(out);
          expect(error).toBeUndefined();
          expect(contentOf(chunks)).toBe(F.ANSWER);
          if (clientWantsUsage && v.usage) {
            const last = chunks.at(-1) as { usage?: { total_tokens: number } };
            expect(last.usage?.total_tokens).toBe(v.usage.totalTokens);
          }
        });
      }

      it('gives identical output for every byte split', () => {
        for (const wants of [false, true]) {
          const { mismatches } = splitMismatches(make(wants), v.input);
          expect(mismatches).toEqual([]);
        }
      });
    });
  }

  it('passes OpenAI events through untouched when nothing needs changing', () => {
    expect(translate(make(true)(), F.OPENAI_STREAM)).toBe(F.OPENAI_STREAM);
  });

  it('drops only the usage chunk when the client did not ask for it', () => {
    const out = translate(make(false)(), F.OPENAI_STREAM);
    const input = dataEvents(F.OPENAI_STREAM);
    expect(dataEvents(out)).toEqual(input.filter((_, i) => i !== input.length - 2));
  });

  it('labels a synthesised usage chunk like the upstream chunks', () => {
    const events = dataEvents(translate(make(true)(), F.TOGETHER_STREAM));
    expect(events.at(-2)).toEqual({
      id: 'tg-1',
      object: 'chat.completion.chunk',
      created: 1700000001,
      model: 'meta-llama/Llama-3-8b-chat-hf',
      choices: [],
      usage: { prompt_tokens: 7, completion_tokens: 4, total_tokens: 11 },
    });
  });

  it('forwards OpenRouter keep-alive comments as SSE comments', () => {
    const out = translate(make(false)(), F.OPENROUTER_STREAM);
    expect(out.startsWith(': OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\ndata: ')).toBe(true);
  });

  it('captures cached prompt tokens from prompt_tokens_details', () => {
    const input = 'data: {"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":1,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":8}}}\n\ndata: [DONE]\n\n';
    const translator = make(false)();
    translate(translator, input);
    expect(translator.usage()).toEqual({ promptTokens: 10, completionTokens: 1, totalTokens: 11, cachedPromptTokens: 8 });
  });
});

describe('OpenAIStreamTranslator errors and endings', () => {
  it.each([
    ['OpenAI', F.OPENAI_MIDSTREAM_ERROR, { message: 'The server had an error while processing your request.', type: 'server_error', code: 'upstream_error' }],
    ['OpenRouter', F.OPENROUTER_MIDSTREAM_ERROR, { message: 'Provider disconnected', type: 'server_error', code: 'upstream_error' }],
  ])('turns a %s mid-stream error into an OpenAI error event and [DONE]', async (_name, input, expected) => {
    const translator = make(false)();
    const out = translate(translator, input);
    expect(translator.error()).toEqual(expected);
    expect(out.endsWith(`data: ${JSON.stringify({ error: { ...expected, param: null } })}\n\ndata: [DONE]\n\n`)).toBe(true);
    expect(splitMismatches(make(false), input).mismatches).toEqual([]);

    const { chunks, error } = await readWithOpenAISdk(out);
    expect(contentOf(chunks)).toBe(F.ANSWER);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).message).toContain(expected.message);
  });

  it('reports a stream cut before any finish reason as truncated', async () => {
    const translator = make(true)();
    const out = translate(translator, F.TRUNCATED_STREAM);
    expect(translator.error()?.code).toBe('upstream_stream_truncated');
    const { error } = await readWithOpenAISdk(out);
    expect(error).toBeInstanceOf(APIError);
  });

  it('completes a finished stream whose provider closed without [DONE]', () => {
    const translator = make(true)();
    const out = translate(translator, F.NO_DONE_STREAM);
    expect(translator.error()).toBeUndefined();
    expect(translator.usage()?.totalTokens).toBe(5);
    expect(out.endsWith('"usage":{"prompt_tokens":2,"completion_tokens":3,"total_tokens":5}}\n\ndata: [DONE]\n\n')).toBe(true);
  });

  it('ignores everything after [DONE]', () => {
    const translator = make(false)();
    translate(translator, F.OPENAI_STREAM);
    expect(translator.push(new TextEncoder().encode('data: {"x":1}\n\n'))).toBe('');
    expect(translator.end()).toBe('');
  });

  it('treats an `event: error` with non-JSON data as an error', () => {
    const translator = make(false)();
    const out = translate(translator, 'event: error\ndata: upstream exploded\n\n');
    expect(translator.error()?.message).toBe('upstream exploded');
    expect(out).toContain('"message":"upstream exploded"');
  });

  it('does not mistake the word "error" in generated text for an error', () => {
    const input = 'data: {"choices":[{"index":0,"delta":{"content":"an \\"error\\": here"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n';
    const translator = make(false)();
    expect(translate(translator, input)).toBe(input);
    expect(translator.error()).toBeUndefined();
  });

  it('scrubs error messages', () => {
    const translator = new OpenAIStreamTranslator(streamCtx({ scrub: (m) => m.replace(/sk-\w+/g, '***') }));
    translate(translator, 'data: {"error":{"message":"bad key sk-abc123","type":"x"}}\n\n');
    expect(translator.error()?.message).toBe('bad key ***');
  });
});
