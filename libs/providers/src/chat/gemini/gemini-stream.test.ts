import { APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import * as F from '../testing/gemini-fixtures.js';
import { dataEvents, readWithOpenAISdk, splitMismatches, streamCtx, translate } from '../testing/stream-harness.js';
import { GeminiStreamTranslator } from './gemini-stream.js';

const make = (clientWantsUsage = false) => () => new GeminiStreamTranslator(streamCtx({ clientWantsUsage }));
const head = (id: string) => ({ id, object: 'chat.completion.chunk', created: 1700000000, model: 'client-model' });
const choice = (id: string, delta: object, finish: string | null = null, index = 0) => ({ ...head(id), choices: [{ index, delta, finish_reason: finish, logprobs: null }] });

describe('GeminiStreamTranslator', () => {
  it('translates a text stream, adding usage and [DONE] at the end', async () => {
    const translator = make(true)();
    const out = translate(translator, F.GEMINI_TEXT_STREAM);
    expect(dataEvents(out)).toEqual([
      choice('resp-1', { role: 'assistant', content: 'Hello' }),
      choice('resp-1', { content: ' wörld 👋' }),
      choice('resp-1', {}, 'stop'),
      { ...head('resp-1'), choices: [], usage: { prompt_tokens: 15, completion_tokens: 10, total_tokens: 25 } },
      '[DONE]',
    ]);
    expect(translator.usage()).toEqual({ promptTokens: 15, completionTokens: 10, totalTokens: 25 });
    expect(translator.finishReason()).toBe('stop');
    const { chunks, error } = await readWithOpenAISdk(out);
    expect(error).toBeUndefined();
    expect(chunks).toHaveLength(4);
  });

  it('keeps [DONE] for end() since Gemini has no terminator', () => {
    const translator = make(false)();
    const pushed = translator.push(new TextEncoder().encode(F.GEMINI_TEXT_STREAM));
    expect(pushed).not.toContain('[DONE]');
    expect(translator.done()).toBe(false);
    expect(translator.end()).toBe('data: [DONE]\n\n');
    expect(translator.usage()?.totalTokens).toBe(25);
  });

  it('streams function calls as complete tool_call deltas with finish tool_calls', () => {
    const translator = make(false)();
    expect(dataEvents(translate(translator, F.GEMINI_TOOL_STREAM))).toEqual([
      choice('resp-2', { role: 'assistant', content: '' }),
      choice('resp-2', { tool_calls: [
        { index: 0, id: 'call_req_1_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { index: 1, id: 'call_req_1_1', type: 'function', function: { name: 'get_time', arguments: '{}' } },
      ] }),
      choice('resp-2', {}, 'tool_calls'),
      '[DONE]',
    ]);
    expect(translator.usage()).toEqual({ promptTokens: 30, completionTokens: 8, totalTokens: 38 });
  });

  it('streams several candidates as separate choice indexes', () => {
    const translator = make(false)();
    expect(dataEvents(translate(translator, F.GEMINI_TWO_CANDIDATES_STREAM))).toEqual([
      choice('resp-5', { role: 'assistant', content: 'A' }, null, 0),
      choice('resp-5', { role: 'assistant', content: 'B' }, null, 1),
      choice('resp-5', { content: '!' }, null, 0),
      choice('resp-5', {}, 'stop', 0),
      choice('resp-5', { content: '?' }, null, 1),
      choice('resp-5', {}, 'length', 1),
      '[DONE]',
    ]);
  });

  it('answers a blocked prompt with content_filter', () => {
    const translator = make(true)();
    const events = dataEvents(translate(translator, F.GEMINI_BLOCKED_STREAM));
    expect(events.slice(0, 2)).toEqual([choice('req_1', { role: 'assistant', content: '' }), choice('req_1', {}, 'content_filter')]);
    expect(translator.usage()).toEqual({ promptTokens: 8, completionTokens: 0, totalTokens: 8 });
  });

  it('turns an error chunk into an OpenAI error event and [DONE]', async () => {
    const translator = make(true)();
    const out = translate(translator, F.GEMINI_ERROR_STREAM);
    expect(translator.error()).toEqual({ message: 'The model is overloaded. Please try again later.', type: 'server_error', code: 'overloaded' });
    expect(out.endsWith('data: [DONE]\n\n')).toBe(true);
    const { chunks, error } = await readWithOpenAISdk(out);
    expect(chunks).toHaveLength(1);
    expect(error).toBeInstanceOf(APIError);
  });

  it('reports a stream that closed before any finishReason as truncated', () => {
    const translator = make(false)();
    translate(translator, F.GEMINI_TRUNCATED_STREAM);
    expect(translator.error()?.code).toBe('upstream_stream_truncated');
  });

  it('fails on MALFORMED_FUNCTION_CALL', () => {
    const translator = make(false)();
    translate(translator, 'data: {"candidates":[{"content":{"parts":[]},"finishReason":"MALFORMED_FUNCTION_CALL"}]}\r\n\r\n');
    expect(translator.error()?.message).toContain('MALFORMED_FUNCTION_CALL');
  });

  it.each([
    ['text', F.GEMINI_TEXT_STREAM],
    ['tool', F.GEMINI_TOOL_STREAM],
    ['error', F.GEMINI_ERROR_STREAM],
    ['two candidates', F.GEMINI_TWO_CANDIDATES_STREAM],
  ])('gives identical output for every byte split (%s)', (_name, input) => {
    expect(splitMismatches(make(true), input).mismatches).toEqual([]);
  });

  it('accepts \\n\\n and \\r\\r delimiters as SDKs do', () => {
    const expected = translate(make(true)(), F.GEMINI_TEXT_STREAM);
    expect(translate(make(true)(), F.GEMINI_TEXT_STREAM.replaceAll('\r\n', '\n'))).toBe(expected);
    expect(translate(make(true)(), F.GEMINI_TEXT_STREAM.replaceAll('\r\n', '\r'))).toBe(expected);
  });
});
