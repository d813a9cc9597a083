import { runScript } from '@byok/reservations';
import type { Redis } from 'ioredis';
import { type AttemptStats, createAttemptStats } from './attempt-stats.js';
import { blockedSetKey, changesChannel, decodeStateMessage, stateFromHash, stateKey, trialKey } from './health-keys.js';
import { HealthMirror } from './health-mirror.js';
import { cooldownMs, DEFAULT_HEALTH_POLICY } from './health-policy.js';
import { RECORD_FAILURE, RECORD_SUCCESS, TAKE_TRIAL } from './health-scripts.js';
import type { KeyBlock, KeyFailure, KeyHealthPolicy } from './key-health.types.js';

/** A key's failure state outlives its last failure by this much (longer than any block). */
const STATE_TTL_MS = 3_600_000;

/** Dependencies and settings of `createKeyHealthTracker`. */
export interface KeyHealthTrackerOptions {
  /** Command connection (scripts, stats). */
  redis: Redis;
  /** Opens the connection the tracker subscribes on (a subscribed connection does nothing else); the tracker closes it. */
  subscriber: () => Redis;
  /** The deployment's key prefix (`REDIS_PREFIX`). */
  keyPrefix: string;
  policy?: Partial<KeyHealthPolicy>;
  now?: () => number;
  /** How often buffered attempt stats are sent. Default 1000 ms. */
  statsFlushIntervalMs?: number;
  /** Told about Redis errors; the tracker keeps working from its local copy. */
  onError?: (error: unknown) => void;
}

/**
 * The proxy's view of its users' keys' health, shared by every instance: cool-downs and circuits
 * live in Redis, each instance keeps a copy in memory (updated by its own failures at once and by
 * every instance's through pub/sub, typically within milliseconds), and per-request checks read
 * only the copy. Redis is written only when an attempt fails, when a success ends a failure
 * streak, and by the batched stats.
 */
export interface KeyHealthTracker {
  /** Why the key must not be tried now, or null. A Map lookup. */
  blocked(keyId: string): KeyBlock | null;
  /**
   * Right before an attempt: false when the key is blocked, or half-open with its one trial taken
   * (on this instance or another). A promise only for a half-open key, whose trial is taken in
   * Redis (`SET NX`) so that one instance tries a recovering key, not every instance once; every
   * other key is answered from memory.
   */
  claim(keyId: string): boolean | Promise<boolean>;
  /**
   * An attempt failed in a way that says something about the key. The local copy changes at once
   * (the block returned is the one now in force, for the receipt); Redis and the other instances
   * follow without the caller waiting.
   */
  recordFailure(keyId: string, failure: KeyFailure, latencyMs: number): KeyBlock | null;
  /** The key answered (any status that is not its own fault): ends a failure streak and a circuit. */
  recordSuccess(keyId: string, latencyMs: number): void;
  /** Subscribes and loads the blocks already in force; resolves once subscribed. */
  start(): Promise<void>;
  /** Sends buffered stats, unsubscribes. */
  close(): Promise<void>;
  /** Keys this instance holds any failure state for. */
  readonly trackedKeys: number;
}

export function createKeyHealthTracker(options: KeyHealthTrackerOptions): KeyHealthTracker {
  const policy: KeyHealthPolicy = { ...DEFAULT_HEALTH_POLICY, ...options.policy };
  const now = options.now ?? Date.now;
  const onError = options.onError ?? (() => {});
  const prefix = options.keyPrefix;
  const channel = changesChannel(prefix);
  const blockedSet = blockedSetKey(prefix);
  const mirror = new HealthMirror(policy);
  const stats: AttemptStats = createAttemptStats({
    redis: options.redis,
    prefix,
    now,
    onError,
    ...(options.statsFlushIntervalMs !== undefined ? { flushIntervalMs: options.statsFlushIntervalMs } : {}),
  });
  let subscriber: Redis | undefined;
  let closed = false;

  const applyMessage = (message: string) => {
    const decoded = decodeStateMessage(message);
    if (decoded !== null) mirror.apply(decoded.keyId, decoded.state);
  };

  /** The blocks in force in Redis now (a starting or reconnected instance missed their messages). */
  async function loadBlocked(): Promise<void> {
    const ids = await options.redis.zrangebyscore(blockedSet, now(), '+inf');
    if (ids.length === 0) return;
    const pipeline = options.redis.pipeline();
    for (const id of ids) pipeline.hgetall(stateKey(prefix, id));
    const results = (await pipeline.exec()) ?? [];
    ids.forEach((id, i) => {
      const [error, hash] = results[i] ?? [null, null];
      if (error === null && hash !== null && typeof hash === 'object') mirror.apply(id, stateFromHash(hash as Record<string, string>));
    });
  }

  function send(script: typeof RECORD_FAILURE, keyId: string, args: string[]): void {
    runScript(options.redis, script, [stateKey(prefix, keyId), blockedSet], args).then((message) => {
      if (typeof message === 'string') applyMessage(message);
    }, onError);
  }

  /**
   * The half-open trial across instances (`TAKE_TRIAL`): the first instance to ask for this round
   * of the circuit gets it. One that loses keeps the key blocked as "trial running" until the
   * verdict's message arrives (or `probeTimeoutMs`). With Redis away the trial is this instance's
   * alone, as the rest of the mirror is.
   */
  async function takeTrial(keyId: string): Promise<boolean> {
    const round = String(mirror.get(keyId).circuitUntil);
    try {
      return (await runScript(options.redis, TAKE_TRIAL, [trialKey(prefix, keyId)], [round, String(policy.probeTimeoutMs)])) === 1;
    } catch (error) {
      onError(error);
      return true;
    }
  }

  return {
    blocked: (keyId) => mirror.blocked(keyId, now()),
    claim(keyId) {
      const claim = mirror.claim(keyId, now());
      return claim === 'trial' ? takeTrial(keyId) : claim === 'free';
    },

    recordFailure(keyId, failure, latencyMs) {
      stats.record(keyId, false, latencyMs);
      const at = now();
      const state = { ...mirror.get(keyId) };
      if (state.failingSince === 0) state.failingSince = at;
      let retryAfterMs = -1;
      if (failure.kind === 'fault') {
        state.faults += 1;
        if (state.faults >= policy.circuitFaults) state.circuitUntil = at + policy.circuitOpenMs;
      } else {
        state.streak += 1;
        const ms = cooldownMs(failure, state.streak, policy);
        if (failure.kind === 'rate_limited' && failure.retryAfterMs !== undefined) retryAfterMs = ms;
        state.cooldownUntil = Math.max(state.cooldownUntil, at + ms);
      }
      mirror.apply(keyId, state);
      mirror.release(keyId);
      send(RECORD_FAILURE, keyId, [
        keyId,
        failure.kind === 'fault' ? 'fault' : 'cool',
        String(at),
        String(retryAfterMs),
        String(policy.baseCooldownMs),
        String(policy.maxCooldownMs),
        String(policy.circuitFaults),
        String(policy.circuitOpenMs),
        String(STATE_TTL_MS),
        channel,
      ]);
      return mirror.blocked(keyId, at);
    },

    recordSuccess(keyId, latencyMs) {
      stats.record(keyId, true, latencyMs);
      if (!mirror.hasFailures(keyId)) return;
      const at = now();
      const state = { ...mirror.get(keyId), streak: 0, faults: 0, circuitUntil: 0, failingSince: 0 };
      if (state.cooldownUntil <= at) state.cooldownUntil = 0;
      mirror.apply(keyId, state);
      send(RECORD_SUCCESS, keyId, [keyId, String(at), channel]);
    },

    async start() {
      const connection = options.subscriber();
      subscriber = connection;
      let live = false;
      connection.on('error', onError);
      connection.on('message', (from: string, message: string) => {
        if (from === channel && !closed) applyMessage(message);
      });
      // After an outage: subscribe again, then read what was missed meanwhile.
      connection.on('ready', () => {
        if (!live || closed) return;
        connection
          .subscribe(channel)
          .then(() => loadBlocked())
          .catch(onError);
      });
      await connection.subscribe(channel);
      live = true;
      await loadBlocked().catch(onError);
    },

    async close() {
      closed = true;
      await stats.close();
      if (subscriber !== undefined) {
        try {
          await subscriber.quit();
        } catch {
          subscriber.disconnect();
        }
      }
      mirror.clear();
    },

    get trackedKeys() {
      return mirror.size;
    },
  };
}
