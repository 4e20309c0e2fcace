import Fastify from 'fastify';

/**
 * The baseline: a bare Fastify hello-world, so every number of the run is read against what
 * this machine and this Node can do at all. Run as its own process: `hello-server.ts <port>`.
 */
async function main(argv: string[]): Promise<void> {
  const port = Number(argv[0] ?? '0');
  const app = Fastify({ logger: false });
  app.get('/', async () => ({ hello: 'world' }));
  const stop = () => void app.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await app.listen({ host: '127.0.0.1', port });
}

void main(process.argv.slice(2));
