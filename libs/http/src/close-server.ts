/** The part of a Fastify instance this needs (any type provider or logger). */
interface ClosableServer {
  server: { closeIdleConnections(): void };
  close(): PromiseLike<unknown>;
}

const IDLE_SWEEP_MS = 100;

/**
 * Stops accepting connections and resolves when in-flight requests have finished. Fastify's
 * close() drops only the connections idle at that moment: a keep-alive connection whose request
 * (a long stream, say) ends later would otherwise hold the process open until its keep-alive
 * timeout, so idle connections are swept until the close completes.
 */
export async function closeServerGracefully(app: ClosableServer): Promise<void> {
  const sweep = setInterval(() => app.server.closeIdleConnections(), IDLE_SWEEP_MS);
  sweep.unref();
  try {
    await app.close();
  } finally {
    clearInterval(sweep);
  }
}
