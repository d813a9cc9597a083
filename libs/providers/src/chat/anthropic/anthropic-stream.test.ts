import { APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import * as F from '../testing/anthropic-fixtures.js';
import { dataEvents, readWithOpenAISdk, splitMismatches, streamCtx, translate } from '../testing/stream-harness.js';
import { AnthropicStreamTranslator } from './anthropic-stream.js';

const make = (clientWantsUsage = false) => () => new AnthropicStreamTranslator(streamCtx({ clientWantsUsage }));
const head = { id: 'msg_01', object: 'chat.completion.chunk', created: 1700000000, model: 'client-model' };
const choice = (delta: object, finish: string | null = null) => ({ ...head, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });

describe('AnthropicStreamTranslator', () => {
  it('translates a text stream event by event', () => {
    const translator = make(true)();
    const out = translate(translator, F.ANTHROPIC_TEXT_STREAM);
    expect(dataEvents(out)).toEqual([
      choice({ role: 'assistant', content: '' }),
      choice({ content: 'Hello' }),
      choice({ content: ' wörld 👋' }),
      choice({}, 'stop'),
      { ...head, choices: [], usage: { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40 } },
      '[DONE]',
    ]);
    // output_tokens is cumulative: the last message_delta wins.
    expect(translator.usage()).toEqual({ promptTokens: 25, completionTokens: 15, totalTokens: 40 });
    expect(translator.finishReason()).toBe('stop');
    expect(translator.done()).toBe(true);
  });

  it('withholds the usage chunk when the client did not ask, but still captures usage', () => {
    const translator = make(false)();
    const events = dataEvents(translate(translator, F.ANTHROPIC_TEXT_STREAM));
    expect(events).toHaveLength(5);
    expect(events.at(-1)).toBe('[DONE]');
    expect(translator.usage()?.totalTokens).toBe(40);
  });

  it('streams tool calls as OpenAI tool_call deltas', async () => {
    const translator = make(true)();
    const out = translate(translator, F.ANTHROPIC_TOOL_STREAM);
    expect(dataEvents(out)).toEqual([
      choice({ role: 'assistant', content: '' }),
      choice({ content: 'Checking.' }),
      choice({ tool_calls: [{ index: 0, id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      choice({ tool_calls: [{ index: 0, function: { arguments: '{"city": ' } }] }),
      choice({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      choice({ tool_calls: [{ index: 1, id: 'toolu_02', type: 'function', function: { name: 'get_time', arguments: '' } }] }),
      // A tool call with no input_json_delta still gets parseable arguments.
      choice({ tool_calls: [{ index: 1, function: { arguments: '{}' } }] }),
      choice({}, 'tool_calls'),
      { ...head, choices: [], usage: { prompt_tokens: 160, completion_tokens: 40, total_tokens: 200, prompt_tokens_details: { cached_tokens: 50 } } },
      '[DONE]',
    ]);
    expect(translator.usage()).toEqual({ promptTokens: 160, completionTokens: 40, totalTokens: 200, cachedPromptTokens: 50 });

    const { chunks, error } = await readWithOpenAISdk(out);
    expect(error).toBeUndefined();
    expect(chunks).toHaveLength(9);
  });

  it.each([
    ['text', F.ANTHROPIC_TEXT_STREAM],
    ['tool', F.ANTHROPIC_TOOL_STREAM],
    ['error', F.ANTHROPIC_ERROR_STREAM],
    ['truncated', F.ANTHROPIC_TRUNCATED_STREAM],
  ])('gives identical output for every byte split (%s)', (_name, input) => {
    expect(splitMismatches(make(true), input).mismatches).toEqual([]);
  });

  it('accepts CRLF framing', () => {
    const crlf = F.ANTHROPIC_TEXT_STREAM.replaceAll('\n', '\r\n');
    expect(translate(make(true)(), crlf)).toBe(translate(make(true)(), F.ANTHROPIC_TEXT_STREAM));
  });

  it('turns `event: error` into an OpenAI error event and [DONE]', async () => {
    const translator = make(true)();
    const out = translate(translator, F.ANTHROPIC_ERROR_STREAM);
    expect(translator.error()).toEqual({ message: 'Overloaded', type: 'server_error', code: 'overloaded' });
    expect(out.endsWith('data: {"error":{"message":"Overloaded","type":"server_error","code":"overloaded","param":null}}\n\ndata: [DONE]\n\n')).toBe(true);
    const { chunks, error } = await readWithOpenAISdk(out);
    expect(chunks).toHaveLength(2);
    expect(error).toBeInstanceOf(APIError);
  });

  it('reports a stream that ends before message_delta as truncated', () => {
    const translator = make(false)();
    const out = translate(translator, F.ANTHROPIC_TRUNCATED_STREAM);
    expect(translator.error()?.code).toBe('upstream_stream_truncated');
    expect(out).toContain('"code":"upstream_stream_truncated"');
    expect(translator.usage()).toEqual({ promptTokens: 25, completionTokens: 1, totalTokens: 26 });
  });

  it('finishes normally when message_stop is missing after message_delta', () => {
    const withoutStop = F.ANTHROPIC_TEXT_STREAM.replace('event: message_stop\ndata: {"type":"message_stop"}\n\n', '');
    const translator = make(false)();
    expect(translate(translator, withoutStop).endsWith('data: [DONE]\n\n')).toBe(true);
    expect(translator.error()).toBeUndefined();
  });

  it('fails on a malformed event', () => {
    const translator = make(false)();
    translate(translator, 'event: message_start\ndata: {not json\n\n');
    expect(translator.error()?.message).toBe('Anthropic sent a malformed stream event');
  });
});
