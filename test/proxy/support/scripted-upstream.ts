import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * An OpenAI-compatible upstream whose answer is chosen by the key it is called with, for failover
 * tests: the key `sk-test-<behaviour>-<name>` gets `<behaviour>`, which a test may change at any
 * time with `set(name, behaviour)`. Behaviours: `ok`; `s<status>` (e.g. `s429`, `s503`;
 * `s429ra2` adds `retry-after: 2`); `reset` (the connection is dropped before any header);
 * `hang` (never answers); `cut` (a 200 whose body breaks off after its first chunk). Every call
 * is recorded by key name, in order.
 */
export interface ScriptedUpstream {
  /** Base URL for `PROVIDER_<ID>_BASE_URL` (`…/v1`). */
  baseUrl: string;
  /** Key names in the order they were called. */
  calls: string[];
  set(name: string, behaviour: string): void;
  close(): Promise<void>;
}

/** The key text that makes the scripted upstream behave as `behaviour` under `name`. */
export function scriptedKey(behaviour: string, name: string): string {
  return `sk-test-${behaviour}-${name}`;
}

const KEY = /^Bearer sk-test-([a-z0-9]+)-([A-Za-z0-9_]+)$/;

export async function startScriptedUpstream(): Promise<ScriptedUpstream> {
  const calls: string[] = [];
  const overrides = new Map<string, string>();
  const hung = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += String(chunk)));
    req.on('end', () => {
      const match = KEY.exec(String(req.headers.authorization ?? ''));
      const name = match?.[2] ?? 'unknown';
      calls.push(name);
      const behaviour = overrides.get(name) ?? match?.[1] ?? 'ok';
      const stream = (JSON.parse(text || '{}') as { stream?: boolean }).stream === true;
      respond(req, res, behaviour, name, stream, hung);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    calls,
    set: (name, behaviour) => void overrides.set(name, behaviour),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hung) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function respond(req: IncomingMessage, res: ServerResponse, behaviour: string, name: string, stream: boolean, hung: Set<ServerResponse>): void {
  if (behaviour === 'reset') {
    req.socket.destroy();
    return;
  }
  if (behaviour === 'hang') {
    hung.add(res);
    return;
  }
  const status = /^s(\d{3})(?:ra(\d+))?$/.exec(behaviour);
  if (status) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (status[2] !== undefined) headers['retry-after'] = status[2];
    res.writeHead(Number(status[1]), headers);
    res.end(JSON.stringify({ error: { message: `scripted ${status[1]} for ${name}`, type: 'scripted', code: null, param: null } }));
    return;
  }
  const content = `served by ${name}`;
  if (!stream) {
    const body = JSON.stringify({
      id: 'chatcmpl-scripted',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 },
    });
    if (behaviour === 'cut') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
      res.write(body.slice(0, 20));
      setTimeout(() => res.destroy(), 20);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-scripted', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  res.write(chunk({ role: 'assistant', content: 'served ' }, null));
  if (behaviour === 'cut') {
    setTimeout(() => res.destroy(), 20);
    return;
  }
  res.write(chunk({ content: `by ${name}` }, null));
  res.write(chunk({}, 'stop'));
  res.end('data: [DONE]\n\n');
}
