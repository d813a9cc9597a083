import { randomBytes, randomUUID } from 'node:crypto';
import type { Authenticator } from '@byok/auth';
import { warmPool, type Orm } from '@byok/db';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Actor } from '../http/actor.js';
import type { KeyHealthLookup } from '../keys/key-health-lookup.js';
import type { KeyService } from '../keys/key.service.js';

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

export interface ApiWarmUpDependencies {
  orm: Orm;
  authenticator: Authenticator;
  keys: KeyService;
  healthOf: KeyHealthLookup;
  /** The connection the health reads use; the warm-up waits until it is connected. */
  healthRedis: Redis;
  /** Pool connections to open and prepare (at most the pool's size). */
  connections: number;
  logger: Logger;
}


/**
 * What a fresh API must do before it reports ready, so its first second of requests costs what
 * the rest do (#15): open the pool's connections and prepare the keys routes' statements on each
 * (a listing for a warm-up owner, and a save of a made-up key rolled back before its test job),
 * ready the authenticator (import the HS256 key, or fetch the identity provider's key set), and
 * connect and load the health reader's script. It writes nothing: no row, job, budget or
 * announcement outlives it. A failing step is logged and the API starts anyway; the request that
 * needs that part then pays for it, as without a warm-up.
 */
export async function warmUpApi(deps: ApiWarmUpDependencies): Promise<void> {
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
  await Promise.all([
    step('authenticator', async () => deps.authenticator.warmUp?.()),
    // Without Postgres every rehearsal would wait out the pool's acquire timeout: the API starts `down` at once instead.
    step('keys', () => (opened === 0 ? Promise.reject(new Error('no database connection could be opened')) : rehearseKeyRoutes(deps, opened))),
    step('health', () => readyHealthReads(deps)),
  ]);
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
