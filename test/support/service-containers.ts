/**
 * Postgres and Redis in containers (testcontainers) for a machine that runs neither but has a
 * container engine. The suite prefers the servers at `PG_URL` / `REDIS_URL` (loopback by default);
 * only a service that does not answer there is started, and one that can be neither reached nor
 * started fails the run with what to do.
 */

/** Postgres 15, as the machines this project is developed on run. */
const POSTGRES_IMAGE = 'postgres:15-alpine';
const REDIS_IMAGE = 'redis:7-alpine';

export interface MissingServices {
  postgres: boolean;
  redis: boolean;
}

export interface StartedServices {
  /** Admin URL of the started Postgres (a superuser, so test files can create their databases). */
  postgresAdminUrl?: string;
  redisUrl?: string;
  stop(): Promise<void>;
}

/** What starts a container and gives back its URL; testcontainers unless a test stands in for it. */
export interface ContainerStarter {
  postgres(image: string): Promise<{ url: string; stop(): Promise<unknown> }>;
  redis(image: string): Promise<{ url: string; stop(): Promise<unknown> }>;
}

const testcontainers: ContainerStarter = {
  async postgres(image) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const started = await new PostgreSqlContainer(image).withDatabase('postgres').start();
    return { url: started.getConnectionUri(), stop: () => started.stop() };
  },
  async redis(image) {
    const { RedisContainer } = await import('@testcontainers/redis');
    const started = await new RedisContainer(image).start();
    return { url: started.getConnectionUrl(), stop: () => started.stop() };
  },
};

export async function startMissingServices(missing: MissingServices, starter: ContainerStarter = testcontainers): Promise<StartedServices> {
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const stopOne of stops.reverse()) await stopOne();
  };
  const start = async (name: 'Postgres' | 'Redis', variable: string, run: () => Promise<{ url: string; stop(): Promise<unknown> }>) => {
    try {
      const started = await run();
      stops.push(started.stop);
      return started.url;
    } catch (error) {
      await stop();
      const why = error instanceof Error ? error.message : String(error);
      throw new Error(`${name} is not reachable and could not be started in a container (${why}). Start ${name} or set ${variable}.`);
    }
  };
  const started: StartedServices = { stop };
  if (missing.postgres) started.postgresAdminUrl = await start('Postgres', 'PG_URL', () => starter.postgres(POSTGRES_IMAGE));
  if (missing.redis) started.redisUrl = await start('Redis', 'REDIS_URL', () => starter.redis(REDIS_IMAGE));
  return started;
}
