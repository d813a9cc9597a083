import { describe, expect, it } from 'vitest';
import { type ContainerStarter, startMissingServices } from './service-containers.js';

function standIn(failing?: 'postgres' | 'redis') {
  const events: string[] = [];
  const container = (name: 'postgres' | 'redis', url: string) => async (image: string) => {
    if (name === failing) throw new Error('no engine');
    events.push(`start ${name} ${image}`);
    return { url, stop: async () => events.push(`stop ${name}`) };
  };
  const starter: ContainerStarter = { postgres: container('postgres', 'postgres://test:test@localhost:32768/postgres'), redis: container('redis', 'redis://localhost:32769') };
  return { starter, events };
}

describe('test services in containers', () => {
  it('starts only the services that do not answer, and stops them last started first', async () => {
    const { starter, events } = standIn();
    const redisOnly = await startMissingServices({ postgres: false, redis: true }, starter);
    expect(redisOnly).toMatchObject({ redisUrl: 'redis://localhost:32769' });
    expect(redisOnly.postgresAdminUrl).toBeUndefined();
    await redisOnly.stop();
    const both = await startMissingServices({ postgres: true, redis: true }, starter);
    expect(both).toMatchObject({ postgresAdminUrl: 'postgres://test:test@localhost:32768/postgres', redisUrl: 'redis://localhost:32769' });
    await both.stop();
    expect(events).toEqual(['start redis redis:7-alpine', 'stop redis', 'start postgres postgres:15-alpine', 'start redis redis:7-alpine', 'stop redis', 'stop postgres']);
  });

  it('says which service is missing and what to do when it cannot be started, and stops what it started', async () => {
    const { starter, events } = standIn('redis');
    await expect(startMissingServices({ postgres: true, redis: true }, starter)).rejects.toThrow('Redis is not reachable and could not be started in a container (no engine). Start Redis or set REDIS_URL.');
    expect(events).toEqual(['start postgres postgres:15-alpine', 'stop postgres']);
  });

  it('with testcontainers: starts Redis where a container engine runs, else says what to do', { timeout: 180_000 }, async () => {
    const started = await startMissingServices({ postgres: false, redis: true }).catch((error: unknown) => error as Error);
    if (started instanceof Error) {
      expect(started.message).toMatch(/^Redis is not reachable and could not be started in a container \(.+\)\. Start Redis or set REDIS_URL\.$/);
      return;
    }
    try {
      expect(started.redisUrl).toMatch(/^redis:\/\//);
    } finally {
      await started.stop();
    }
  });
});
