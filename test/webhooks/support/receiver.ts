import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedDelivery {
  headers: IncomingHttpHeaders;
  /** The body exactly as it arrived, for signature checks. */
  rawBody: string;
}

export type ReceiverHandler = (request: IncomingMessage, response: ServerResponse, received: ReceivedDelivery) => void;

export interface Receiver {
  url: string;
  port: number;
  received: ReceivedDelivery[];
  /** Answers the next requests with this handler (default: 204). */
  handle(handler: ReceiverHandler): void;
  close(): Promise<void>;
}

/** A real HTTP receiver on loopback that records every request and answers as the test says. */
export async function startReceiver(host = '127.0.0.1'): Promise<Receiver> {
  const received: ReceivedDelivery[] = [];
  let handler: ReceiverHandler = (_req, res) => res.writeHead(204).end();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const delivery = { headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8') };
      received.push(delivery);
      handler(req, res, delivery);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/hook`,
    port,
    received,
    handle(next) {
      handler = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
