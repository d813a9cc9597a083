import { describe, expect, it } from 'vitest';
import { keyEchoGuard } from './key-echo.js';

const KEY = 'sk-proj-FAKEplatformKEY0123456789abcdefXYZ';
const chunk = (content: string) => `data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}}}]}\n\n`;
const contentOf = (sse: string) => [...sse.matchAll(/"content":"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]).join('');

describe('keyEchoGuard (issue #12: a hostile upstream echoes the platform key into a 2xx body)', () => {
  it('hides the key, and any 8-character run of it, in a whole body', () => {
    const guard = keyEchoGuard(KEY);
    const body = JSON.stringify({ choices: [{ message: { content: `your key is ${KEY}, part ${KEY.slice(10, 20)}` } }] });
    const out = guard.body(body);
    expect(out).not.toContain(KEY.slice(0, 8));
    expect(out).not.toContain(KEY.slice(10, 18));
    expect(out).toContain('your key is [redacted], part [redacted]');
    expect(() => JSON.parse(out)).not.toThrow();
  });

  it('passes text without any block of the key untouched (the same string)', () => {
    const text = JSON.stringify({ choices: [{ message: { content: 'Hello from OpenAI' } }] });
    expect(keyEchoGuard(KEY).body(text)).toBe(text);
  });

  it('catches the key spelled out over many stream chunks, 3 characters at a time', () => {
    const scrub = keyEchoGuard(KEY).stream();
    let seen = '';
    for (let i = 0; i < KEY.length; i += 3) seen += contentOf(scrub(chunk(KEY.slice(i, i + 3))));
    // The client sees at most the first 7 characters (below the 8 that identify the key).
    for (let i = 0; i + 8 <= KEY.length; i++) expect(seen).not.toContain(KEY.slice(i, i + 8));
    expect(seen).toContain('[redacted]');
  });

  it('catches the key split across chunks one character at a time, and leaves ordinary deltas alone', () => {
    const scrub = keyEchoGuard(KEY).stream();
    const words = ['Hello', ' from', ' the', ' gateway'];
    expect(words.map((w) => scrub(chunk(w))).join('')).toBe(words.map(chunk).join(''));
    let seen = '';
    for (const c of KEY) seen += contentOf(scrub(chunk(c)));
    for (let i = 0; i + 8 <= KEY.length; i++) expect(seen).not.toContain(KEY.slice(i, i + 8));
  });

  it('hides the key in a field other than the content, within one event', () => {
    const scrub = keyEchoGuard(KEY).stream();
    const out = scrub(`data: {"id":"${KEY}","choices":[]}\n\n`);
    expect(out).toBe('data: {"id":"[redacted]","choices":[]}\n\n');
  });
});
