import { randomBytes, randomUUID } from 'node:crypto';
import type { Authenticator } from '@byok/auth';
import { warmPool, type Orm } from '@byok/db';
import type { InjectOptions, Response } from 'light-my-request';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Actor } from '../http/actor.js';
import type { KeyHealthLookup } from '../keys/key-health-lookup.js';
import type { KeyService } from '../keys/key.service.js';
import type { WarmUpCaller } from './warm-up-caller.js';

/**
 * The owners the warm-up reads and rehearses saves for: `byok-warm-up-<n>`, one per connection,
 * so the rehearsals do not queue behind one owner's pool lock. Their saves roll back, so even a
 * real user of such a name would see no change.
 */
export const WARM_UP_OWNER_PREFIX = 'byok-warm-up-';

/**
 * Rounds of listings and rehearsed saves, each on every warmed connection at once: the first
 * prepares the statements on each connection, the later ones take the code they run (the ORM's
 * transaction, the pg driver, Fernet, the row binding) out of the interpreter's first, slowest
 * passes. Each round costs about one listing and one save per connection; the log line
 * `warmed up` gives each step's milliseconds.
 */
const ROUNDS = 2;

/**
 * Listings, and saves refused by validation, that the warm-up sends through the whole HTTP path
 * (hooks, sign-in, schema checks, serializers, error replies). Without them a fresh API's first
 * 100 ms at a paced 300/s answered listings at p50 12 ms and saves at 22–42 ms, the rest at 2–6 ms;
 * with them the saves' first-second p99 in `npm run bench -- keys-api` fell from 53–66 ms to
 * 26–30 ms (bench/RESULTS.md, 2026-12-07 15:07–15:12 UTC).
 */
const HTTP_REQUESTS = 50;
const KEYS_PATH = '/api/v1/llm/byok/keys';

export interface ApiWarmUpDependencies {
  orm: Orm;
  authenticator: Authenticator;
  keys: KeyService;
  healthOf: KeyHealthLookup;
  /** The connection the health reads use; the warm-up waits until it is connected. */
  healthRedis: Redis;
  /** Pool connections to open and prepare (at most the pool's size). */
  connections: number;
  /** Sends a request through the app's routes (light-my-request on `app.routing`: `app.inject` would wait for the ready this runs in). */
  inject: (request: InjectOptions) => Promise<Response>;
  /** Signs the injected requests in; ended here, before the server listens. */
  caller: WarmUpCaller;
  logger: Logger;
}


/**
 * What a fresh API must do before it reports ready, so its first second of requests costs what
 * the rest do (#15): open the pool's connections and prepare the keys routes' statements on each
 * (a listing for a warm-up owner, and a save of a made-up key rolled back before its test job),
 * ready the authenticator (import the HS256 key, or fetch the identity provider's key set), and
 * connect and load the health reader's script; then send listings and saves refused by
 * validation through the whole HTTP path as the warm-up caller, whose credential ends here, before
 * the server listens. It writes nothing: no row, job, budget or announcement outlives it. A
 * failing step is logged and the API starts anyway; the request that needs that part then pays
 * for it, as without a warm-up.
 */
export async function warmUpApi(deps: ApiWarmUpDependencies): Promise<void> {
  try {
    await warmUp(deps);
  } finally {
    // Whatever happened, the warm-up's credential signs nothing in once the server can listen.
    deps.caller.end();
  }
}

async function warmUp(deps: ApiWarmUpDependencies): Promise<void> {
  const startedAt = performance.now();
  const opened = await warmPool(deps.orm, deps.connections);
  const stepMs: Record<string, number> = { pool: Math.round(performance.now() - startedAt) };
  const step = async (name: string, run: () => Promise<unknown>): Promise<void> => {
    const stepStartedAt = performance.now();
    try {
      await run();
    } catch (err) {
      deps.logger.warn({ err, step: name }, 'warm-up step failed; the first request that needs it does it instead');
    }
    stepMs[name] = Math.round(performance.now() - stepStartedAt);
  };
  // Without Postgres every rehearsal would wait out the pool's acquire timeout: the API starts `down` at once instead.
  const database = () => (opened === 0 ? Promise.reject(new Error('no database connection could be opened')) : Promise.resolve());
  await Promise.all([
    step('authenticator', async () => deps.authenticator.warmUp?.()),
    step('keys', () => database().then(() => rehearseKeyRoutes(deps, opened))),
    step('health', () => readyHealthReads(deps)),
  ]);
  await step('http', () => database().then(() => sendThroughHttp(deps)));
  deps.logger.info({ ms: Math.round(performance.now() - startedAt), stepMs, connections: opened, rounds: ROUNDS }, 'warmed up');
}

async function rehearseKeyRoutes(deps: ApiWarmUpDependencies, connections: number): Promise<void> {
  for (let round = 0; round < ROUNDS; round++) {
    await Promise.all(
      Array.from({ length: connections }, async (_, n) => {
        const owner = `${WARM_UP_OWNER_PREFIX}${n}`;
        await deps.keys.listKeys(deps.orm.em.fork(), owner);
        // A made-up key of a recognised format, so the save takes the path real saves take.
        const apiKey = `gsk_${randomBytes(24).toString('hex')}`;
        const actor: Actor = { actorId: owner, actorType: 'user', requestId: 'warm-up', ip: null, userAgent: null };
        await deps.keys.rehearseSave(deps.orm.em.fork(), actor, { userId: owner, provider: 'groq', apiKey });
      }),
    );
  }
}

/** Fails the step on the first answer that is not the one a real caller would get, so a broken warm-up shows in its log line. */
async function sendThroughHttp(deps: ApiWarmUpDependencies): Promise<void> {
  const headers = { authorization: deps.caller.authorization };
  const expect = (response: Response, status: number, what: string) => {
    if (response.statusCode !== status) throw new Error(`${what} answered ${response.statusCode}, not ${status}`);
  };
  for (let n = 0; n < HTTP_REQUESTS; n++) {
    expect(await deps.inject({ method: 'GET', url: KEYS_PATH, headers }), 200, 'the keys listing');
    // An unknown provider is refused before anything is stored, queued or spent.
    expect(await deps.inject({ method: 'POST', url: KEYS_PATH, headers, payload: { provider: 'warm-up', api_key: 'warm-up-not-a-key' } }), 400, 'a save of an unknown provider');
  }
}

/** How long the warm-up waits for the health connection: a Redis that is away must not hold the API's start. */
const HEALTH_CONNECT_WAIT_MS = 2000;

/** Connected before the first listing (a listing that finds it still connecting answers without health), and its script loaded. */
async function readyHealthReads(deps: ApiWarmUpDependencies): Promise<void> {
  const redis = deps.healthRedis;
  if (redis.status !== 'ready') {
    let timer: NodeJS.Timeout | undefined;
    let onReady = () => {};
    try {
      await new Promise<void>((resolve, reject) => {
        onReady = resolve;
        redis.once('ready', onReady);
        timer = setTimeout(() => reject(new Error(`the health connection was not ready within ${HEALTH_CONNECT_WAIT_MS} ms`)), HEALTH_CONNECT_WAIT_MS);
      });
    } finally {
      clearTimeout(timer);
      redis.off('ready', onReady);
    }
  }
  await deps.healthOf([randomUUID()]);
}
