/** The error `withTimeout` rejects with when the promise took too long. */
export class TimeoutError extends Error {
  override readonly name: string = 'TimeoutError';
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Settles like `promise`, or rejects with a `TimeoutError` once `timeoutMs` passed first. The
 * promise itself keeps running (a Redis command cannot be taken back); only the wait ends. The
 * timer is cleared either way, so nothing keeps the process alive after the answer.
 */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(timeoutMs)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
