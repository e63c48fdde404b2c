// A WebSocket MQTT broker for tests (Debian's mosquitto 2.0.11 is built without websockets):
// aedes behind a `ws` WebSocketServer on an http (ws://) or https (wss://) server, on an
// ephemeral 127.0.0.1 port. aedes 1.x speaks MQTT 3.1 and 3.1.1 only: a v5 CONNECT gets
// CONNACK return code 1 (unacceptable protocol version).
import { createServer as createHttp, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { createServer as createTcp, type Server as TcpServer, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { Aedes } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Certs } from './tls.ts';

export interface WsBrokerOptions {
  /** With certs, serve wss:// with certs.serverCert/serverKey (and request a client cert,
   * checked against certs.caFile, when requireCertificate). */
  certs?: Certs;
  requireCertificate?: boolean;
  /** Accept upgrades on this path only (default '/mqtt'); null: any path. */
  path?: string | null;
  /** Also accept plain MQTT over TCP on another 127.0.0.1 port (default true). */
  tcp?: boolean;
}

export interface WsConnection {
  /** The request path and query (req.url). */
  url: string;
  /** The Sec-WebSocket-Protocol header the client offered, or undefined. */
  protocols: string | undefined;
  headers: IncomingMessage['headers'];
}

export interface WsBroker {
  aedes: Aedes;
  port: number;
  /** Port of the plain MQTT/TCP listener of the same broker (0 when tcp: false). */
  tcpPort: number;
  /** ws://127.0.0.1:port/mqtt or wss://..., with the configured path ('/mqtt' when any). */
  url: string;
  /** Every upgrade request that was accepted, in order. */
  connections: WsConnection[];
  /** Upgrade requests turned down for their path. */
  rejected: string[];
  close(): Promise<void>;
}

export async function startWsBroker(opts: WsBrokerOptions = {}): Promise<WsBroker> {
  const aedes = await Aedes.createBroker();
  const path = opts.path === undefined ? '/mqtt' : opts.path;
  const server: HttpServer = opts.certs
    ? createHttps({
        cert: readFileSync(opts.certs.serverCert),
        key: readFileSync(opts.certs.serverKey),
        ca: readFileSync(opts.certs.caFile),
        requestCert: !!opts.requireCertificate,
        rejectUnauthorized: !!opts.requireCertificate,
      })
    : createHttp();
  server.on('request', (_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('websocket only\n');
  });
  const connections: WsConnection[] = [];
  const rejected: string[] = [];
  const wss = new WebSocketServer({
    noServer: true,
    // Answer with the first MQTT subprotocol offered ('mqtt', 'mqttv3.1'), as mosquitto does.
    handleProtocols: (protocols) => {
      for (const p of protocols) if (p === 'mqtt' || p === 'mqttv3.1') return p;
      return false;
    },
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, socket, head) => {
    const reqPath = (req.url ?? '/').split('?')[0];
    if (path !== null && reqPath !== path) {
      rejected.push(req.url ?? '');
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      connections.push({ url: req.url ?? '', protocols: req.headers['sec-websocket-protocol'], headers: req.headers });
      const stream = createWebSocketStream(ws);
      stream.on('error', () => stream.destroy());
      aedes.handle(stream as never, req);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;

  let tcp: TcpServer | null = null;
  let tcpPort = 0;
  const tcpSockets = new Set<Socket>();
  if (opts.tcp !== false) {
    tcp = createTcp((s) => {
      tcpSockets.add(s);
      s.once('close', () => tcpSockets.delete(s));
      aedes.handle(s);
    });
    await new Promise<void>((resolve, reject) => {
      tcp!.once('error', reject);
      tcp!.listen(0, '127.0.0.1', () => resolve());
    });
    const a = tcp.address();
    tcpPort = typeof a === 'object' && a ? a.port : 0;
  }

  const scheme = opts.certs ? 'wss' : 'ws';
  return {
    aedes,
    port,
    tcpPort,
    connections,
    rejected,
    url: `${scheme}://127.0.0.1:${port}${path ?? '/mqtt'}`,
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const s of sockets) s.destroy();
      for (const s of tcpSockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (tcp) await new Promise<void>((resolve) => tcp!.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}
