import Type, { type Static } from 'typebox';

/**
 * Every environment variable the service reads, with its default and meaning. The README's
 * configuration table is generated from the `description` fields here, so this file is the one
 * place to change a variable. Secrets have no defaults.
 */
const Str = (description: string, defaultValue?: string) =>
  defaultValue === undefined ? Type.Optional(Type.String({ description, minLength: 1 })) : Type.String({ description, minLength: 1, default: defaultValue });
const Int = (description: string, defaultValue: number, minimum = 0, maximum = 2_147_483_647) =>
  Type.Integer({ description, default: defaultValue, minimum, maximum });

export const EnvSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], {
    description: 'production turns on the strict start-up checks (no generated secrets, no dev sign-in).',
    default: 'development',
  }),
  HOST: Str('Interface the HTTP servers listen on.', '127.0.0.1'),
  PORT: Int('Port of the API (and of everything in standalone mode).', 8080, 0, 65535),
  PROXY_PORT: Int('Port of the proxy when it runs as its own process.', 8081, 0, 65535),
  API_WORKERS: Int('Processes serving the API port (node:cluster; 0 = one per core, 1 = a single process). Standalone mode serves its one port with the larger of API_WORKERS and PROXY_WORKERS.', 0, 0, 256),
  PROXY_WORKERS: Int('Processes serving the proxy port (node:cluster; 0 = one per core, 1 = a single process).', 0, 0, 256),
  HEALTH_PORT: Int('Port of the /healthz and /readyz server of a worker or usage-consumer process (0 = none; the API and proxy serve their own).', 0, 0, 65535),
  PUBLIC_URL: Str('Base URL users reach the service at (shown in docs and the web page).'),
  DATABASE_URL: Str('PostgreSQL connection URL.', 'postgres://postgres@127.0.0.1:5432/byok'),
  DATABASE_POOL_MAX: Int("Connections per process in the Postgres pool. Each API and proxy worker has its own, and an API process opens its whole pool (up to 32) before it answers (the warm-up), so keep the workers of every process times this under Postgres' `max_connections` (100 by default).", 20, 1, 500),
  REDIS_URL: Str('Redis connection URL (queues, rate limits, cache invalidation).', 'redis://127.0.0.1:6379'),
  REDIS_PREFIX: Str('Prefix for every Redis key this service writes.', 'byok'),
  REDIS_PERSISTENCE_CHECK: Type.Enum(['refuse', 'warn', 'off'], {
    description: 'At boot in production, refuse (or only warn about) a Redis without append-only persistence (appendonly yes); not checked outside production.',
    default: 'refuse',
  }),
  BYOK_ENCRYPTION_KEYS: Str('Comma-separated Fernet keys; the first encrypts, all decrypt (rotation).'),
  BYOK_ENCRYPTION_KEY: Str("The earlier system's single Fernet key; used when BYOK_ENCRYPTION_KEYS is unset."),
  BYOK_STORED_KEY_CHECK: Type.Enum(['refuse', 'warn', 'off'], {
    description: 'At boot, refuse (or only warn about) an encryption-key list that would leave stored keys undecryptable.',
    default: 'refuse',
  }),
  BYOK_REQUIRE_BINDING: Type.Enum(['auto', 'on', 'off'], {
    description: 'Refuse stored keys without a row binding tag: auto = once the binding backfill has completed (recorded in the database), on = always, off = never.',
    default: 'auto',
  }),
  BYOK_DATA_DIR: Str('Folder for generated standalone secrets (mode 0600).', '.data'),
  AUTH_JWT_SECRET: Str('HS256 secret for bearer tokens (standalone / self-issued tokens).'),
  AUTH_JWKS_URL: Str('JWKS URL of an OIDC issuer (Keycloak etc.); switches auth to OIDC.'),
  AUTH_ISSUER: Str('Expected `iss` of bearer tokens.', 'byok-gateway'),
  AUTH_AUDIENCE: Str('Expected `aud` of bearer tokens (OIDC: this or AUTH_OIDC_CLIENT_ID is required in production; HS256: defaults to byok-gateway).'),
  AUTH_USER_ID_CLAIM: Str('Claim holding the user id (`email` for databases of the earlier system).', 'sub'),
  AUTH_ORG_CLAIM: Str(
    "Token claim listing the caller's organizations (e.g. Keycloak's `organization`): an array of names, an object keyed by name, or one name. Each organization and membership (role member) is recorded on first sight; unset = memberships come from the API only.",
  ),
  AUTH_OIDC_CLIENT_ID: Str('OIDC client id the web page signs in as (authorization code + PKCE); with AUTH_JWKS_URL. Without AUTH_AUDIENCE, tokens must name it in `azp`.'),
  WEB_DIST_DIR: Str('Folder of the built web page the API serves (default: apps/web/dist of this checkout).'),
  AUTH_ADMIN_ROLE: Str('Role (in `roles` or `realm_access.roles`) that makes a caller an admin.', 'admin'),
  AUTH_FAILURE_LIMIT: Int('Invalid credentials one client address may present per window before its requests with credentials get 429 (API and proxy, counted in Redis; 0 = off).', 20, 0, 100_000),
  AUTH_FAILURE_WINDOW_SECONDS: Int('Window of AUTH_FAILURE_LIMIT, in seconds; the throttle lifts when it ends.', 300, 1, 86_400),
  BYOK_MAX_KEYS_PER_PROVIDER: Int('Most keys one user may hold for one provider (a key pool); saving one more answers 400 too_many_keys.', 10, 1, 100),
  GATEWAY_TOKENS_PER_USER_MAX: Int('Most active (not revoked, not expired) gateway tokens one user may hold; creating one more answers 409.', 50, 1, 100_000),
  API_DOCS_PUBLIC: Type.Boolean({ description: 'Serve /docs and /docs/json without sign-in in production (outside production they are always public).', default: false }),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { description: 'pino log level.', default: 'info' }),
  API_BODY_LIMIT_BYTES: Int('Largest request body the API accepts.', 64 * 1024, 1024),
  PROXY_BODY_LIMIT_BYTES: Int('Largest chat request body the proxy accepts.', 10 * 1024 * 1024, 1024),
  PROXY_UPSTREAM_HEADERS_TIMEOUT_MS: Int("Proxy: longest wait for an upstream's response headers.", 60_000, 100, 3_600_000),
  PROXY_UPSTREAM_BODY_TIMEOUT_MS: Int('Proxy: longest silence between two chunks of an upstream body.', 300_000, 100, 3_600_000),
  PROXY_UPSTREAM_CONNECT_TIMEOUT_MS: Int('Proxy: longest wait for a TCP/TLS connection to an upstream.', 10_000, 100, 600_000),
  PROXY_UPSTREAM_CONNECTIONS: Int('Proxy: keep-alive connections per upstream origin.', 256, 1, 65_536),
  PROXY_USAGE_BUFFER_MAX: Int('Proxy: usage events held in memory while Redis is away (beyond it the oldest leave memory and wait in the usage spool on disk).', 10_000, 1, 10_000_000),
  PROXY_TOKEN_CACHE_TTL_MS: Int('Proxy: how long a gateway-token lookup is reused (at most 10 s, the revocation bound).', 10_000, 0, 10_000),
  PROXY_BALANCE_CACHE_TTL_MS: Int('Proxy: how long a credit balance is reused.', 2_000, 0, 60_000),
  PROXY_CREDIT_DEFAULT_MAX_TOKENS: Int('Proxy: completion tokens a platform-key request reserves credits for when it sets no max_tokens.', 4_096, 1, 1_000_000),
  PROXY_CREDIT_RESERVATION_TTL_MS: Int('Proxy: how long a credit reservation counts when nobody ends it (a crashed proxy, a usage consumer that is behind).', 900_000, 1_000, 86_400_000),
  PROXY_STREAM_DRAIN_MS: Int('Proxy: how long a platform-key stream is still read for its usage after the client left (0: not at all).', 30_000, 0, 600_000),
  PROXY_STREAM_DRAIN_BYTES: Int('Proxy: how many bytes a platform-key stream is still read for its usage after the client left.', 1_048_576, 0, 67_108_864),
  PROXY_STALE_MAX_MS: Int('Proxy: while Postgres is unreachable, how long cached gateway tokens and routes are served past their reload (revocations announced over Redis still apply).', 600_000, 0, 86_400_000),
  PROXY_MAX_CONCURRENT_PER_USER: Int('Proxy: upstream requests one user may have in flight on one instance (429 with Retry-After beyond; 0 = no cap). Keep it well below PROXY_UPSTREAM_CONNECTIONS.', 64, 0, 65_536),
  PROXY_MAX_CONCURRENT_PER_KEY: Int("Proxy: upstream requests through one of a user's own keys in flight on one instance, below the per-user cap so one slow provider leaves the user's other providers room (429 with Retry-After beyond; 0 = no cap).", 0, 0, 65_536),
  PROXY_RATE_LIMIT_RPM: Int('Proxy: chat requests per user per minute through a platform key, counted in Redis across instances (429 with Retry-After beyond; 0 = off).', 60, 0, 1_000_000),
  PROXY_BYOK_RATE_LIMIT_RPM: Int("Proxy: chat requests per user per minute through the user's own keys, counted in Redis across instances (0 = off).", 0, 0, 1_000_000),
  BUDGET_REDIS_DOWN: Type.Enum(['auto', 'open', 'closed'], {
    description:
      "Proxy: what budgets do while Redis (their counters) is unreachable: `closed` refuses requests that a budget applies to (503), `open` lets them through unmetered (logged); `auto` is closed for platform-key requests and open for the user's own keys.",
    default: 'auto',
  }),
  PROXY_BUDGET_RESERVATION_TTL_MS: Int("Proxy: how long a request's budget hold counts when nobody settles it (a crashed proxy).", 900_000, 1_000, 86_400_000),
  PROXY_MAX_ATTEMPTS: Int("Proxy: upstream attempts per chat request at most: when one of a user's keys fails before any byte of the answer was sent (429, 401/403, 402, 5xx, 529, no connection, no headers in time), the next usable key is tried.", 3, 1, 10),
  PROXY_ATTEMPT_TIMEOUT_MS: Int('Proxy: longest wait for response headers in an attempt that another key could take over (the last attempt waits PROXY_UPSTREAM_HEADERS_TIMEOUT_MS; no attempt starts once that much time has passed since the request arrived).', 15_000, 100, 3_600_000),
  PROXY_USAGE_SPOOL_DIR: Str('Proxy: directory of the usage write-ahead files (each event is written there before it is queued, and replayed at start and after a Redis outage); put it on a volume that outlives the process. Default: <tmpdir>/byok-proxy-usage.'),
  PRICE_TABLE_FILE: Str('Proxy: a JSON price table merged over the shipped one (apps/proxy/src/pricing/price-table.ts).'),
  PROVIDER_TIMEOUT_MS: Int('Timeout of a key-validation call to a provider.', 10_000, 100),
  KEY_TEST_WAIT_MS: Int('How long POST /keys/{provider}/test waits for the result before answering 202.', 15_000, 0),
  KEY_TEST_RATE_LIMIT_PER_MINUTE: Int('Provider calls per user per minute that key tests and key saves cause together (shared across instances; past it 429).', 5, 1),
  KEY_REVALIDATE_INTERVAL_MS: Int('Interval of scheduled re-validation of every enabled key (0 = off).', 24 * 3600 * 1000, 0),
  KEY_TEST_MAX_ATTEMPTS: Int('Attempts of a key test on transient outcomes before it records `error`.', 5, 1, 20),
  KEY_TEST_OUTAGE_RETRY_MAX_MS: Int('Longest wait between retries of a key test while Postgres or Redis is unreachable (those retries spend no attempt).', 30_000, 100, 3_600_000),
  KEY_TEST_STUCK_AFTER_MS: Int('A key left `testing` longer than this is finished as `error`, audited and tested again (0 = never).', 600_000, 0),
  KEY_TEST_SWEEP_INTERVAL_MS: Int('How often each worker looks for keys stuck in `testing`.', 60_000, 100, 86_400_000),
  SCHEDULE_REASSERT_INTERVAL_MS: Int('How often workers and consumers re-create their job schedules (lost when Redis loses its data; 0 = at boot only).', 60_000, 0, 86_400_000),
  WORKER_CONCURRENCY: Int('Key-test jobs processed at once per worker process.', 50, 1, 1000),
  WORKER_LOCK_DURATION_MS: Int('BullMQ job lock of the workers; a crashed worker\'s job is taken over after it lapses.', 30_000, 100, 86_400_000),
  WORKER_STALLED_INTERVAL_MS: Int('How often workers look for stalled jobs of crashed workers.', 30_000, 100, 86_400_000),
  USAGE_EVENTS_RETENTION_DAYS: Int('Days raw usage events are kept (they are the replay dedupe record); daily aggregates stay.', 90, 1, 3650),
  USAGE_CONSUMER_BATCH_SIZE: Int('Most usage events written per transaction. Batches grow to it only while every write slot is busy (under load); a quiet consumer writes what the wait collected.', 1000, 1, 5000),
  USAGE_CONSUMER_BATCH_WAIT_MS: Int('Longest a usage event waits for a batch to fill.', 20, 0, 10_000),
  USAGE_CONSUMER_CONCURRENT_BATCHES: Int('Usage batches written at once per consumer process.', 2, 1, 64),
  BUDGET_RECONCILE_INTERVAL_MS: Int("Usage consumer: how often budgets' Redis counters of the current period are corrected by the record (usage_events); 0 = never.", 60_000, 0, 86_400_000),
  SMTP_URL: Str('Notifier: SMTP server for notification emails, e.g. smtps://user:password@mail.example.com (unset: no email is sent).'),
  SMTP_FROM: Str('Notifier: sender of notification emails, e.g. "BYOK Gateway <alerts@example.com>" (required with SMTP_URL).'),
  NOTIFY_FAILING_AFTER_S: Int('Notifier: seconds a key must keep failing before its owner gets `key_circuit_open`.', 300, 1, 86_400),
  KEY_ROTATION_REMINDER_DAYS: Int('Notifier: age in days of a key text after which its owner is reminded to rotate it (0 = never).', 90, 0, 3650),
  NOTIFY_DIGEST_WINDOW_S: Int("Notifier: after an email to an owner, later notifications wait this long and then go out together as one digest.", 60, 0, 86_400),
  NOTIFY_SCAN_INTERVAL_S: Int('Notifier: how often it looks for expiring keys and keys due for rotation.', 300, 1, 86_400),
  NOTIFY_ADMIN_USER_IDS: Str(
    "Notifier: comma-separated user ids (as AUTH_USER_ID_CLAIM gives them) of the platform admins told about every user's spend anomaly. Admins are otherwise known only by their token's role, which the notifier never sees; unset: only the user is told.",
  ),
  ANOMALY_FACTOR: Type.Number({
    description: "Notifier: a user's spend in the last full hour is an anomaly above this many times the median of the same hour over the 7 days before (and above ANOMALY_MIN_MICRO_USD).",
    default: 5,
    minimum: 1,
    maximum: 1_000_000,
  }),
  ANOMALY_MIN_MICRO_USD: Int('Notifier: spend (micro-USD, list price) in the hour below which no anomaly is reported, however unusual.', 1_000_000, 0),
  ANOMALY_ACTION: Type.Enum(['notify', 'freeze'], {
    description: "Notifier: on a spend anomaly, notify the user and the admins (notify), or also disable the user's own keys until the user enables them again (freeze).",
    default: 'notify',
  }),
  WEBHOOK_ALLOW_PRIVATE: Type.Boolean({
    description: 'Let webhooks reach loopback, private, link-local and metadata addresses (local receivers in development and tests); off, such addresses are refused when connecting.',
    default: false,
  }),
  WEBHOOK_TIMEOUT_MS: Int('Longest a webhook delivery may take, response headers and body together, before it counts as failed and is retried.', 5_000, 100, 60_000),
  WEBHOOK_CONCURRENCY: Int('Webhook deliveries in flight at once per notifier process.', 50, 1, 1000),
  SHUTDOWN_GRACE_MS: Int('On SIGTERM, how long running requests and jobs may take before the process exits.', 25_000, 0, 86_400_000),
});

export type Env = Static<typeof EnvSchema>;
