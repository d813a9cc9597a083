import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type SseItem, SseParser } from './sse-parser.js';

const encoder = new TextEncoder();

function parse(input: string, cuts: number[] = []): SseItem[] {
  const bytes = encoder.encode(input);
  const parser = new SseParser();
  const items: SseItem[] = [];
  let start = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length)].sort((a, b) => a - b).concat(bytes.length)) {
    items.push(...parser.push(bytes.subarray(start, cut)));
    start = cut;
  }
  items.push(...parser.end());
  return items;
}

const ev = (data: string, event?: string): SseItem => ({ kind: 'event', event, data });

describe('SseParser', () => {
  it.each([
    ['LF', 'data: a\n\ndata: b\n\n'],
    ['CRLF', 'data: a\r\n\r\ndata: b\r\n\r\n'],
    ['CR', 'data: a\r\rdata: b\r\r'],
    ['mixed', 'data: a\r\n\ndata: b\r\r\n'],
  ])('splits events on %s line endings', (_name, input) => {
    expect(parse(input)).toEqual([ev('a'), ev('b')]);
  });

  it('joins multi-line data with \\n and keeps event names', () => {
    expect(parse('event: message_start\ndata: {"a":\ndata: 1}\n\n')).toEqual([ev('{"a":\n1}', 'message_start')]);
  });

  it('reports comments in order and does not let them dispatch an event', () => {
    expect(parse(': OPENROUTER PROCESSING\n\n:no-space\ndata: x\n\n')).toEqual([
      { kind: 'comment', text: 'OPENROUTER PROCESSING' },
      { kind: 'comment', text: 'no-space' },
      ev('x'),
    ]);
  });

  it('strips exactly one space after the colon, and accepts a field with no colon', () => {
    expect(parse('data:  two\n\ndata:none\n\ndata\n\n')).toEqual([ev(' two'), ev('none'), ev('')]);
  });

  it('ignores id/retry/unknown fields and blank lines without data', () => {
    expect(parse('id: 1\nretry: 5\nfoo: bar\n\n\n\nevent: ping\n\ndata: y\n\n')).toEqual([ev('y')]);
  });

  it('dispatches a final event that lacks its blank line at end()', () => {
    expect(parse('data: a\n\ndata: tail')).toEqual([ev('a'), ev('tail')]);
  });

  it('does not count a CR split from its LF as two line endings', () => {
    // "data: a\r" | "\ndata: b\r\n\r\n": the \n must not produce an (empty) extra line.
    const input = 'data: a\r\ndata: b\r\n\r\n';
    expect(parse(input, [8])).toEqual([ev('a\nb')]);
  });

  it('decodes UTF-8 characters split across chunks', () => {
    const input = 'data: héllo 👋 世界\n\n';
    const bytes = encoder.encode(input);
    for (let cut = 1; cut < bytes.length; cut++) expect(parse(input, [cut])).toEqual([ev('héllo 👋 世界')]);
  });

  it('gives the same items for any set of split points', () => {
    const input =
      ': keep-alive\r\nevent: a\r\ndata: 1\r\ndata: 2\r\n\r\ndata: ü👋\n\n:c\rdata: {"x":"\\n"}\r\rdata: end\n\n';
    const whole = parse(input);
    const length = encoder.encode(input).length;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: length - 1 }), { maxLength: 12 }), (cuts) => {
        expect(parse(input, cuts)).toEqual(whole);
      }),
      { numRuns: 500 },
    );
  });

  it('handles a long stream without a CR in linear time', () => {
    const input = 'data: {"x":1}\n\n'.repeat(20000);
    const started = performance.now();
    expect(parse(input)).toHaveLength(20000);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
