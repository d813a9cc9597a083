import { Writable } from 'node:stream';
import { context, trace, type Context, type ContextManager } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { scrubSecrets } from './secret-scrubber.js';
import { traceCorrelationMixin } from './trace-correlation.mixin.js';

// Fake keys built from "fake"-looking hex so no scanner mistakes them for real ones.
const FAKE_HEX = 'fa4e'.repeat(16);
const OPENROUTER_KEY = `sk-or-v1-${FAKE_HEX}`;
const ANTHROPIC_KEY = `sk-ant-api03-${'fAkE'.repeat(10)}`;
const OPENAI_KEY = `sk-proj-${'FaKe0'.repeat(8)}`;
const GOOGLE_KEY = `AIza${'FakeFake'.repeat(4)}123`;
const GROQ_KEY = `gsk_${'fAkE'.repeat(12)}`;
const GATEWAY_TOKEN = `byok_${'Fa4e'.repeat(9)}xy`;
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmYWtlIn0.ZmFrZS1zaWduYXR1cmU';
const PLAIN_SECRET = 'hunter2-not-key-shaped';
const ALL_SECRETS = [FAKE_HEX, ANTHROPIC_KEY, OPENAI_KEY, GOOGLE_KEY, GROQ_KEY, GATEWAY_TOKEN, JWT, PLAIN_SECRET];

function capture(): { lines: () => Record<string, unknown>[]; raw: () => string; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const raw = () => chunks.join('');
  const lines = () =>
    raw()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { lines, raw, stream };
}

function expectNoSecrets(output: string): void {
  for (const secret of ALL_SECRETS) expect(output).not.toContain(secret);
  // Not even a recognisable piece of the OpenRouter key survives.
  expect(output).not.toContain(FAKE_HEX.slice(0, 16));
}

describe('createLogger redaction', () => {
  it('redacts authorization and provider key headers on requests and header objects', () => {
    const out = capture();
    const log = createLogger({ level: 'info', name: 'test', destination: out.stream });
    log.info({ req: { method: 'POST', url: '/v1/chat', headers: { authorization: `Bearer ${JWT}`, 'x-api-key': ANTHROPIC_KEY, 'x-goog-api-key': GOOGLE_KEY, 'content-type': 'application/json' } } }, 'incoming');
    log.info({ headers: { authorization: `Bearer ${PLAIN_SECRET}`, 'x-api-key': PLAIN_SECRET } }, 'bare headers');
    log.info({ upstream: { headers: { Authorization: `Bearer ${OPENROUTER_KEY}` } } }, 'outgoing');
    log.info({ authorization: PLAIN_SECRET }, 'top level');
    expectNoSecrets(out.raw());
    const [incoming] = out.lines();
    expect(incoming).toMatchObject({
      req: { headers: { authorization: '[redacted]', 'x-api-key': '[redacted]', 'x-goog-api-key': '[redacted]', 'content-type': 'application/json' } },
    });
  });

  it('redacts key fields in bodies and nested objects, even when they are not key-shaped', () => {
    const out = capture();
    const log = createLogger({ level: 'info', name: 'test', destination: out.stream });
    log.info({ body: { api_key: PLAIN_SECRET, provider: 'cohere' } }, 'add key');
    log.info({ api_key: PLAIN_SECRET, apiKey: PLAIN_SECRET, plaintext: PLAIN_SECRET }, 'top');
    log.info({ job: { apiKey: PLAIN_SECRET, plaintext: PLAIN_SECRET, token: PLAIN_SECRET, password: PLAIN_SECRET, secret: PLAIN_SECRET } }, 'nested');
    log.info({ key: PLAIN_SECRET, token: PLAIN_SECRET, password: PLAIN_SECRET, secret: PLAIN_SECRET }, 'names');
    log.info({ keys: [{ provider: 'cohere', api_key: PLAIN_SECRET }], data: { row: { plaintext: PLAIN_SECRET } } }, 'deeper');
    const output = out.raw();
    expectNoSecrets(output);
    const [body, top, nested] = out.lines();
    expect(body).toMatchObject({ body: { api_key: '[redacted]', provider: 'cohere' } });
    expect(top).toMatchObject({ api_key: '[redacted]', apiKey: '[redacted]', plaintext: '[redacted]' });
    expect(nested).toMatchObject({ job: { apiKey: '[redacted]', plaintext: '[redacted]', token: '[redacted]' } });
  });

  it('masks keys inside error messages, stacks and causes', () => {
    const out = capture();
    const log = createLogger({ level: 'info', name: 'test', destination: out.stream });
    const cause = new Error(`upstream said: invalid key ${GROQ_KEY}`);
    const err = new Error(`provider rejected ${OPENROUTER_KEY}\nsecond line ${OPENAI_KEY}`, { cause });
    log.error({ err }, 'validation failed');
    log.error(err);
    const output = out.raw();
    expectNoSecrets(output);
    expect(output).toContain('sk-or-v1-[redacted]');
    expect(output).toContain('gsk_[redacted]');
    const [first] = out.lines();
    expect(first).toMatchObject({ err: { type: 'Error' } });
  });

  it('masks keys in plain message strings and format arguments', () => {
    const out = capture();
    const log = createLogger({ level: 'info', name: 'test', destination: out.stream });
    log.info(`testing key ${OPENROUTER_KEY} for user alice`);
    log.warn('key %s failed, token %s', ANTHROPIC_KEY, GATEWAY_TOKEN);
    log.info(`Authorization: Bearer ${JWT}`);
    const output = out.raw();
    expectNoSecrets(output);
    expect(out.lines()[0]?.msg).toBe('testing key sk-or-v1-[redacted] for user alice');
    expect(output).toContain('Bearer [redacted]');
  });

  it('masks a Gemini ?key= in URLs and redacts a parsed query key', () => {
    const out = capture();
    const log = createLogger({ level: 'info', name: 'test', destination: out.stream });
    const url = `https://generativelanguage.googleapis.com/v1beta/models/gemini-pro:generateContent?key=${PLAIN_SECRET}&alt=sse`;
    log.info({ req: { url, query: { key: PLAIN_SECRET } } }, `calling ${url}`);
    log.info({ upstreamUrl: `https://example.test/v1?key=${GOOGLE_KEY}` }, 'upstream');
    const output = out.raw();
    expectNoSecrets(output);
    expect(out.lines()[0]).toMatchObject({ req: { query: { key: '[redacted]' } } });
    expect(output).toContain('?key=[redacted]&alt=sse');
  });

  it('scrubs child logger bindings too', () => {
    const out = capture();
    const log = createLogger({ level: 'info', name: 'test', destination: out.stream }).child({ note: `key=${OPENROUTER_KEY}` });
    log.info('child line');
    expectNoSecrets(out.raw());
  });

  it("does not change the caller's objects", () => {
    const out = capture();
    const headers = { authorization: `Bearer ${JWT}`, 'x-api-key': ANTHROPIC_KEY };
    createLogger({ level: 'info', name: 'test', destination: out.stream }).info({ req: { headers } }, 'incoming');
    expect(headers.authorization).toBe(`Bearer ${JWT}`);
    expect(headers['x-api-key']).toBe(ANTHROPIC_KEY);
  });

  it('writes JSON with name, a string level and the message', () => {
    const out = capture();
    createLogger({ level: 'info', name: 'proxy', destination: out.stream }).info({ provider: 'openai', model: 'gpt-4o-mini' }, 'routed');
    const [line] = out.lines();
    expect(line).toMatchObject({ name: 'proxy', level: 'info', msg: 'routed', provider: 'openai', model: 'gpt-4o-mini' });
    expect(line).not.toHaveProperty('trace_id');
  });
});

describe('scrubSecrets', () => {
  it.each([
    [`x ${OPENROUTER_KEY} y`, 'x sk-or-v1-[redacted] y'],
    [ANTHROPIC_KEY, 'sk-ant-[redacted]'],
    [OPENAI_KEY, 'sk-[redacted]'],
    [GOOGLE_KEY, 'AIza[redacted]'],
    [`pplx-${'fAkE'.repeat(5)}`, 'pplx-[redacted]'],
    [`tgp_v1_${'fAkE'.repeat(5)}`, 'tgp_v1_[redacted]'],
    [GATEWAY_TOKEN, 'byok_[redacted]'],
    [`bearer ${JWT}`, 'bearer [redacted]'],
    ['"Bearer abc.def","next":1', '"Bearer [redacted]","next":1'],
    ['https://h/p?alt=sse&key=abc123', 'https://h/p?alt=sse&key=[redacted]'],
  ])('masks %j', (input, expected) => {
    expect(scrubSecrets(input)).toBe(expected);
  });

  it('leaves ordinary text alone, including short prefixes and model names', () => {
    const text = 'model anthropic/claude-3-5-sonnet via sk-short for user alice, monkey=1';
    expect(scrubSecrets(text)).toBe(text);
  });

  it('finds a key right after a JSON-escaped newline', () => {
    expect(scrubSecrets(`"line one\\n${OPENROUTER_KEY}"`)).toBe('"line one\\nsk-or-v1-[redacted]"');
  });
});

// A minimal synchronous context manager: @opentelemetry/api ships none, and no SDK is a
// dependency of this library (apps start it).
class StackContextManager implements ContextManager {
  #current: Context = context.active();
  active(): Context {
    return this.#current;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const previous = this.#current;
    this.#current = ctx;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.#current = previous;
    }
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    return this;
  }
}

describe('trace correlation', () => {
  afterEach(() => {
    context.disable();
  });

  const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };

  it('adds trace_id and span_id while a span is active', () => {
    context.setGlobalContextManager(new StackContextManager());
    const out = capture();
    const log = createLogger({ level: 'info', name: 'test', destination: out.stream });
    const ctx = trace.setSpan(context.active(), trace.wrapSpanContext(spanContext));
    context.with(ctx, () => log.info('inside'));
    log.info('outside');
    const [inside, outside] = out.lines();
    expect(inside).toMatchObject({ trace_id: spanContext.traceId, span_id: spanContext.spanId });
    expect(outside).not.toHaveProperty('trace_id');
  });

  it('skips invalid span contexts and works without a context manager', () => {
    expect(traceCorrelationMixin()).toEqual({});
    context.setGlobalContextManager(new StackContextManager());
    const invalid = trace.wrapSpanContext({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 });
    expect(context.with(trace.setSpan(context.active(), invalid), () => traceCorrelationMixin())).toEqual({});
  });
});
