// A WebSocket front for a real mosquitto: each WebSocket connection (ws:// or, with certs,
// wss://) is joined byte for byte to a TCP connection to the broker. Debian's mosquitto
// 2.0.11 has no WebSocket listener, and the WebSocket brokers at hand lack MQTT v5 (aedes 1)
// or need minutes to start (RabbitMQ): through this bridge the WebSocket transport is tested
// against mosquitto itself, and its -d traces can be compared with the same tool over TCP.
import { createServer as createHttp, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Certs } from './tls.ts';

export interface Upgrade {
  /** Request path as sent. */
  url: string;
  /** The Sec-WebSocket-Protocol header offered. */
  protocol: string | undefined;
  host: string | undefined;
}

export interface WsBridge {
  port: number;
  upgrades: Upgrade[];
  close(): Promise<void>;
}

/** Listens on an ephemeral 127.0.0.1 port; only upgrades on /mqtt are taken (404 otherwise). */
export async function startWsBridge(targetPort: number, certs?: Certs): Promise<WsBridge> {
  const server: Server = certs
    ? createHttps({ cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey) })
    : createHttp();
  const upgrades: Upgrade[] = [];
  const open = new Set<Socket>();
  server.on('connection', (s: Socket) => { open.add(s); s.once('close', () => open.delete(s)); });
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('mqtt') ? 'mqtt' : false) });
  server.on('upgrade', (req, socket, head) => {
    upgrades.push({ url: req.url ?? '', protocol: req.headers['sec-websocket-protocol'], host: req.headers.host });
    if (req.url !== '/mqtt') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const stream = createWebSocketStream(ws);
      const broker = connect(targetPort, '127.0.0.1');
      open.add(broker);
      broker.once('close', () => { open.delete(broker); ws.terminate(); });
      stream.on('error', () => broker.destroy());
      broker.on('error', () => ws.terminate());
      ws.once('close', () => broker.end());
      stream.pipe(broker);
      broker.pipe(stream);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    upgrades,
    close: () => new Promise<void>((resolve) => {
      for (const s of open) s.destroy();
      wss.close();
      server.close(() => resolve());
    }),
  };
}
