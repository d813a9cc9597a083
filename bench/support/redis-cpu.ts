/**
 * CPU time the Redis server has used so far (`INFO cpu`: used_cpu_user + used_cpu_sys, main
 * thread and children), in ms. On a machine where Redis shares the cores with the proxy, its
 * work per usage event is part of what a proxied request costs, so the benchmark reports it.
 */
import { Redis } from 'ioredis';

export async function redisCpuMs(url: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const info = await redis.info('cpu');
    const field = (name: string) => Number(/^(\S+):(\S+)$/m.exec(info.split('\n').find((line) => line.startsWith(`${name}:`)) ?? '')?.[2] ?? Number.NaN);
    return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
  } finally {
    redis.disconnect();
  }
}
