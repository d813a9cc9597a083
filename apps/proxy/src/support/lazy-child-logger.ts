import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level, LevelWithSilent } from 'pino';

/**
 * A request logger that becomes a real pino child only when something is logged at an enabled
 * level. Fastify makes a child logger per request (to bind the request id); pino's `child()` runs
 * the redaction serialisers over the bindings and, for a route with its own `logLevel`, rebuilds
 * every log method — several per cent of the proxy's CPU for loggers that almost never log.
 */
class LazyChildLogger {
  readonly #parent: FastifyBaseLogger;
  readonly #bindings: Bindings;
  readonly #options: ChildLoggerOptions;
  #child: FastifyBaseLogger | undefined;
  level: LevelWithSilent | string;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
    this.level = options.level ?? parent.level;
  }

  #real(): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options);
    return this.#child;
  }

  #enabled(level: Level): boolean {
    const values = (this.#parent as { levels?: { values: Record<string, number> } }).levels?.values;
    const threshold = values?.[this.level];
    const wanted = values?.[level];
    // Without pino's level table (another logger), always hand over.
    return threshold === undefined || wanted === undefined || wanted >= threshold;
  }

  #log(level: Level, args: unknown[]): void {
    if (!this.#enabled(level)) return;
    (this.#real()[level] as (...logArgs: unknown[]) => void)(...args);
  }

  // Prototype methods, not per-instance arrow functions: a logger is made for every request.
  fatal(...args: unknown[]): void {
    this.#log('fatal', args);
  }
  error(...args: unknown[]): void {
    this.#log('error', args);
  }
  warn(...args: unknown[]): void {
    this.#log('warn', args);
  }
  info(...args: unknown[]): void {
    this.#log('info', args);
  }
  debug(...args: unknown[]): void {
    this.#log('debug', args);
  }
  trace(...args: unknown[]): void {
    this.#log('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#real().child(bindings, options);
  }
}

/** A Fastify `childLoggerFactory` that makes lazy request loggers. */
export function lazyChildLoggerFactory(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
}
