export { loadConfig, type Config, type AuthConfig, type ProviderSettings, type ProxySettings, type WorkerConfig, type UsageConsumerConfig, type NotifierConfig, type WebhookConfig, type LoadConfigOptions } from './load-config.js';
export { ConfigError } from './config-error.js';
export { EnvSchema, type Env } from './env-schema.js';
export { envTableMarkdown } from './env-table.js';
