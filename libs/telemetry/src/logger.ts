import { pino, type DestinationStream, type Logger } from 'pino';
import { redactCredentialFields } from './credential-fields.js';
import { scrubSecrets } from './secret-scrubber.js';
import { traceCorrelationMixin } from './trace-correlation.mixin.js';

export type { Logger } from 'pino';

/** Settings for `createLogger`. */
export interface LoggerOptions {
  /** pino level: `trace` … `fatal`, or `silent`. */
  level: string;
  /** The process or component name, e.g. `api`, `proxy`. */
  name: string;
  /** Where lines go; stdout by default. Tests pass a stream to capture them. */
  destination?: DestinationStream;
}

/**
 * A pino JSON logger with two layers against leaking key material, and trace correlation. Both run
 * on the finished line, one pass each:
 * - the values of credential fields (`CREDENTIAL_FIELDS`: authorization headers, `api_key`,
 *   `password`, …) at any depth, child logger bindings included, become `[redacted]`;
 * - `scrubSecrets` masks key-shaped text anywhere: messages, error messages and stacks, URLs
 *   with `?key=`;
 * - `trace_id` and `span_id` of the active span, or of the request a line names, are added.
 */
export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    name: options.name,
    mixin: traceCorrelationMixin,
    formatters: { level: (label: string) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Working on the finished line covers every field at the cost of two regex passes per line,
    // far cheaper than walking (and cloning) each logged object.
    hooks: { streamWrite: (line: string) => scrubSecrets(redactCredentialFields(line)) },
  };
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}
