/** Which run of a job this is, and how many runs each kind of retry may use. */
export interface AttemptBudget {
  /** 1 for the first run; a run cut short by a crash (stalled job) keeps its number. */
  attempt: number;
  /** BullMQ's own bound: `job.opts.attempts` (5 from the queue catalog). */
  runLimit: number;
  /**
   * Bound on provider calls for transient outcomes: min(job attempts, KEY_TEST_MAX_ATTEMPTS).
   * The job's attempts come from the producer, the config from this deployment; the smaller wins so
   * an operator can lower provider traffic without re-enqueueing jobs, and a producer asking for
   * fewer attempts is never overridden upwards.
   */
  providerLimit: number;
}

/** The attempt budget of a job as BullMQ hands it to the processor. */
export function attemptBudget(job: { attemptsMade: number; opts: { attempts?: number } }, maxProviderAttempts: number): AttemptBudget {
  const runLimit = Math.max(1, Math.floor(job.opts.attempts ?? 1));
  return {
    attempt: job.attemptsMade + 1,
    runLimit,
    providerLimit: Math.max(1, Math.min(runLimit, Math.floor(maxProviderAttempts))),
  };
}
