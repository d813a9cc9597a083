import type { Authenticator } from '@byok/auth';
import type { Config } from '@byok/config';
import type { Keyring } from '@byok/crypto';
import type { Orm } from '@byok/db';
import type { Producers } from '@byok/queues';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** Everything the API needs from outside, passed in once (no module-level singletons). */
export interface ApiDependencies {
  config: Config;
  orm: Orm;
  keyring: Keyring;
  producers: Producers;
  /** Fail-fast command connection: rate limits, pub/sub publishes, readiness. */
  redis: Redis;
  authenticator: Authenticator;
  logger: Logger;
}
