import { pino, type DestinationStream, type Logger } from 'pino';
import { redactionPaths } from './redaction-paths.js';
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
 * A pino JSON logger with two layers against leaking key material, and trace correlation:
 * - known credential fields (`redactionPaths`) are replaced by `[redacted]` before serializing;
 * - every serialized line then passes `scrubSecrets`, which masks key-shaped text anywhere in it:
 *   messages, error messages and stacks, URLs with `?key=`, child logger bindings;
 * - `trace_id` and `span_id` of the active span, or of the request a line names, are added.
 */
export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    name: options.name,
    redact: { paths: [...redactionPaths], censor: '[redacted]' },
    mixin: traceCorrelationMixin,
    formatters: { level: (label: string) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Scrubbing the finished line covers every field at the cost of one regex pass per line,
    // cheaper than walking each logged object.
    hooks: { streamWrite: scrubSecrets },
  };
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}
