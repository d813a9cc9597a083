/** Redis could not take the job; callers answer 503 and the client retries. */
export class QueueUnavailableError extends Error {
  override readonly name = 'QueueUnavailableError';
  constructor(queue: string, options?: { cause?: unknown }) {
    super(`The ${queue} queue is unavailable`, options);
  }
}

/** Payload failed its schema: a bug in the producer, never user input. */
export class InvalidJobPayloadError extends Error {
  override readonly name = 'InvalidJobPayloadError';
}
