import type { Authenticator } from '@byok/auth';
import type { Config } from '@byok/config';
import type { KeyDecryptor } from '@byok/routing';
import type { Orm } from '@byok/db';
import type { Producers } from '@byok/queues';
import type { Logger } from '@byok/telemetry';
import type { Redis } from 'ioredis';

/** What the proxy needs from outside, passed in once; a `Runtime` from `@byok/runtime` fits. */
export interface ProxyDependencies {
  config: Config;
  logger: Logger;
  orm: Orm;
  keyring: KeyDecryptor;
  /** Fail-fast command connection; the usage queue's producer runs on it. */
  redis: Redis;
  producers: Producers;
  authenticator: Authenticator;
}
