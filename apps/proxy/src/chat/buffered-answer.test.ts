import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ERROR_BODY_BYTES } from '../upstream/body-limits.js';
import { isBuffered, readUpstreamBody } from '../upstream/read-body.js';
import { BufferedAnswer } from './buffered-answer.js';
import { createExchange } from './exchange.js';
import { UpstreamAbort } from './upstream-abort.js';

/** Upstream answers by path; `/hang` answers nothing until the test ends, `/cut` breaks off after its headers. */
const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/ok': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
  '/chunked': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"a":');
    setTimeout(() => res.end('"€"}'), 5);
  },
  '/big-error': (_req, res) => res.writeHead(500, { 'retry-after': '3' }).end('x'.repeat(MAX_ERROR_BODY_BYTES + 10_000)),
  '/cut': (_req, res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('{"partial":');
    setTimeout(() => res.destroy(), 5);
  },
  '/hang': () => undefined,
};

let server: Server;
let pool: Pool;
const requestsSeen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requestsSeen.push(req.url ?? '');
    routes[req.url ?? '']?.(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: 1, pipelining: 1 });
});

afterAll(async () => {
  await pool.destroy();
  server.closeAllConnections();
  server.close();
});

function exchange() {
  return createExchange({ requestId: 'req-1', caller: { userId: 'u1' }, chosen: { provider: 'openai', upstreamModel: 'gpt-4o-mini', credentialSource: 'user_provider', keyId: 'k1' }, requestedModel: 'gpt-4o-mini', stream: false, startedAt: performance.now() });
}

function call(path: string, ex = exchange(), abort = new UpstreamAbort()) {
  const handler = new BufferedAnswer(ex, abort);
  pool.dispatch({ path, method: 'POST', body: '{}' }, handler);
  return { promise: handler.promise, exchange: ex, abort };
}

describe('BufferedAnswer', () => {
  it('settles with the whole body, status and headers once the body has ended, the exchange marked at the headers', async () => {
    const { promise, exchange: ex } = call('/chunked');
    const answer = await promise;
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(isBuffered(answer)).toBe(true);
    expect(await readUpstreamBody(answer, 1024)).toEqual({ text: '{"a":"€"}', truncated: false });
    expect(ex.upstreamStatus).toBe(200);
    expect(ex.upstreamAnsweredAt).toBeTypeOf('number');
  });

  it('keeps at most the error limit of an error page, and gives the connection up instead of reading on', async () => {
    const answer = await call('/big-error').promise;
    expect(answer.statusCode).toBe(500);
    expect(answer.headers['retry-after']).toBe('3');
    expect(answer.truncated).toBe(true);
    expect(answer.body.length).toBe(MAX_ERROR_BODY_BYTES);
    const read = await readUpstreamBody(answer, 10);
    expect(read).toEqual({ text: 'xxxxxxxxxx', truncated: true });
    // The pool still works after the socket was given up.
    expect((await call('/ok').promise).statusCode).toBe(200);
  });

  it('fails when the body breaks off, with the exchange already knowing the upstream answered', async () => {
    const { promise, exchange: ex } = call('/cut');
    await expect(promise).rejects.toThrow();
    expect(ex.upstreamStatus).toBe(200);
  });

  it('aborts the call in flight when the client leaves, and again one that has not started yet', async () => {
    const inFlight = call('/hang');
    // The only connection is taken by `/hang`: the second call waits in the pool's queue.
    const queued = call('/ok');
    await waitFor(() => requestsSeen.includes('/hang'));
    queued.abort.abort(new Error('the client closed the connection'));
    inFlight.abort.abort(new Error('the client closed the connection'));
    await expect(inFlight.promise).rejects.toThrow('the client closed the connection');
    await expect(queued.promise).rejects.toThrow('the client closed the connection');
    expect(inFlight.exchange.upstreamStatus).toBeUndefined();
    expect(inFlight.abort.call).toBeUndefined();
    expect((await call('/ok').promise).statusCode).toBe(200);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}
