import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendProbe } from './http-probe.js';

/** How the next request is answered. */
let answer: (res: ServerResponse) => void = (res) => res.end('{}');
let server: Server;
let url = '';

beforeAll(async () => {
  server = createServer((_req, res) => answer(res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const probe = (timeoutMs: number, maxBodyBytes?: number) =>
  sendProbe({ url, method: 'GET', headers: {}, timeoutMs, ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }) });

describe('sendProbe', () => {
  it('reads the whole body, in chunks, when it fits', async () => {
    answer = (res) => {
      res.write('{"data":');
      setTimeout(() => res.end('[]}'), 10);
    };
    expect(await probe(1000)).toMatchObject({ kind: 'response', status: 200, text: '{"data":[]}', truncated: false });
  });

  it('keeps only the start of a body past the cap, and says so', async () => {
    answer = (res) => {
      res.write('a'.repeat(600));
      res.end('b'.repeat(600));
    };
    const result = await probe(1000, 1000);
    expect(result).toMatchObject({ kind: 'response', truncated: true });
    expect(result.kind === 'response' && result.text).toBe(`${'a'.repeat(600)}${'b'.repeat(400)}`);
  });

  it('one deadline covers the whole exchange: a body trickling in under the per-chunk timeout still times out', async () => {
    let timer: NodeJS.Timeout | undefined;
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      timer = setInterval(() => res.write(' '), 50);
    };
    const started = performance.now();
    expect(await probe(300)).toEqual({ kind: 'failure', reason: 'timeout', detail: 'timed out' });
    clearInterval(timer);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('a server that never answers times out at the deadline', async () => {
    answer = () => undefined;
    expect(await probe(200)).toEqual({ kind: 'failure', reason: 'timeout', detail: 'timed out' });
  });
});
