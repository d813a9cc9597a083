import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBody, readUpstreamBody } from './read-body.js';

/** A body like undici's: a Readable with `text()`. */
function body(chunks: string[]): Readable & { text(): Promise<string> } {
  const stream = Readable.from(chunks.map((c) => Buffer.from(c)));
  return Object.assign(stream, { text: async () => chunks.join('') });
}

describe('readUpstreamBody', () => {
  it('lets undici read a body whose declared length is within the limit', async () => {
    const b = body(['{"a":', '1}']);
    expect(await readUpstreamBody({ body: b as never, headers: { 'content-length': '7' } }, 100)).toEqual({ text: '{"a":1}', truncated: false });
  });

  it('reads an undeclared or oversized body chunk by chunk and cuts it at the limit', async () => {
    expect(await readUpstreamBody({ body: body(['abc', 'def']) as never, headers: {} }, 100)).toEqual({ text: 'abcdef', truncated: false });
    expect(await readUpstreamBody({ body: body(['abc', 'def', 'ghi']) as never, headers: { 'content-length': '9000' } }, 5)).toEqual({ text: 'abcde', truncated: true });
  });

  it('keeps UTF-8 characters split across chunks whole', async () => {
    const euro = Buffer.from('€');
    const stream = Readable.from([euro.subarray(0, 1), euro.subarray(1)]);
    expect((await readBody(stream, 100)).text).toBe('€');
  });
});
