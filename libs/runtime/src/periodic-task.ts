/** A task run every few seconds in this process; `stop` waits for a run in progress. */
export interface PeriodicTask {
  stop(): Promise<void>;
}

export interface PeriodicTaskOptions {
  /** Names the task in log lines. */
  name: string;
  /** Pause between the end of one run and the start of the next; 0 or less starts nothing. */
  everyMs: number;
  run: () => Promise<unknown>;
  logger: { warn(obj: object, msg: string): void };
}

/**
 * Runs `run` every `everyMs` (first run one interval after the start), never two runs at once.
 * A failed run (Redis or Postgres away) is logged with the error's name and message and tried again
 * at the next tick: these tasks restore state that faults can take away, so they must outlive them.
 * The timer does not keep the process alive.
 */
export function startPeriodicTask(options: PeriodicTaskOptions): PeriodicTask {
  if (options.everyMs <= 0) return { stop: async () => undefined };
  let stopped = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    timer = setTimeout(tick, options.everyMs);
    timer.unref();
  };
  const tick = (): void => {
    running = options
      .run()
      .then(
        () => undefined,
        (error: unknown) =>
          options.logger.warn({ task: options.name, error: { name: error instanceof Error ? error.name : 'unknown', message: error instanceof Error ? error.message : String(error) } }, 'periodic task failed; trying again at the next tick'),
      )
      .finally(() => {
        running = undefined;
        if (!stopped) schedule();
      });
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
