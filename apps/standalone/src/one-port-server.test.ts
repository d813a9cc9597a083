import Fastify from 'fastify';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { listenOnePort } from './one-port-server.js';

/** Two Fastify instances that say who answered, and record which hooks ran. */
function apps() {
  const hooks: string[] = [];
  const api = Fastify();
  api.addHook('onRequest', async () => {
    hooks.push('api');
  });
  api.get('/healthz', async () => ({ from: 'api' }));
  api.get('/v1/models/extra', async () => ({ from: 'api' }));
  const proxy = Fastify();
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  proxy.get('/v1/models', async () => ({ from: 'proxy' }));
  proxy.post('/v1/chat/completions', async () => {
    await held;
    return { from: 'proxy', finished: true };
  });
  return { api, proxy, hooks, release };
}

describe('listenOnePort', () => {
  it("sends the proxy's exact paths (query aside) to the proxy, without the API's hooks, and the rest to the API", async () => {
    const { api, proxy, hooks, release } = apps();
    release();
    const server = await listenOnePort({ api, proxy, proxyPaths: ['/v1/models', '/v1/chat/completions'], host: '127.0.0.1', port: 0 });
    const get = async (path: string) => (await request(`http://127.0.0.1:${server.port}${path}`)).body.json();
    expect(await get('/v1/models?limit=1')).toEqual({ from: 'proxy' });
    expect(hooks).toEqual([]);
    expect(await get('/v1/models/extra')).toEqual({ from: 'api' });
    expect(await get('/healthz')).toEqual({ from: 'api' });
    expect(hooks).toEqual(['api', 'api']);
    await server.close();
  });

  it('on close stops accepting, lets the request in flight finish, then closes both apps', async () => {
    const { api, proxy, release } = apps();
    const closed: string[] = [];
    api.addHook('onClose', async () => {
      closed.push('api');
    });
    proxy.addHook('onClose', async () => {
      closed.push('proxy');
    });
    const server = await listenOnePort({ api, proxy, proxyPaths: ['/v1/chat/completions'], host: '127.0.0.1', port: 0 });
    const inFlight = request(`http://127.0.0.1:${server.port}/v1/chat/completions`, { method: 'POST' }).then((res) => res.body.json());
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = server.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toEqual([]);
    await expect(request(`http://127.0.0.1:${server.port}/healthz`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    release();
    expect(await inFlight).toEqual({ from: 'proxy', finished: true });
    await closing;
    expect(closed.sort()).toEqual(['api', 'proxy']);
  });
});
