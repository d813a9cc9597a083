/** Thrown at start-up when the environment is unusable; the message names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
