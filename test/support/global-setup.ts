import { connect } from 'node:net';
import { testServiceUrls } from './services.js';

/** Fails the run early, with a clear message, when Postgres or Redis is not reachable. */
function probe(label: string, url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.end();
      resolve();
    });
    socket.setTimeout(2000, () => socket.destroy(new Error('timeout')));
    socket.on('error', (err) =>
      reject(new Error(`${label} is not reachable at ${hostname}:${port} (${err.message}). Start it or set ${label === 'Postgres' ? 'PG_URL' : 'REDIS_URL'}.`)),
    );
  });
}

export default async function setup(): Promise<void> {
  const urls = testServiceUrls();
  await probe('Postgres', urls.postgresAdminUrl);
  await probe('Redis', urls.redisUrl);
}
