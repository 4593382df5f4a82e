import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface RecordingServer {
  server: Server;
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** A real HTTP server that records what reaches it; routes decide how it answers. */
export async function startRecordingServer(routes: Record<string, Route>): Promise<RecordingServer> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      const route = routes[new URL(req.url ?? '/', 'http://x').pathname] ?? ((_, r) => r.writeHead(404).end('no route'));
      route(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
