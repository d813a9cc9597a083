/** Child-process baseline: a bare Fastify route answering a small constant JSON body. */
import Fastify from 'fastify';

const app = Fastify();
app.get('/keys', async () => ({ keys: [{ id: 'x', provider: 'openrouter', masked_key: 'sk-or-v1-****…****0000' }] }));
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`READY http://127.0.0.1:${(app.server.address() as { port: number }).port}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
