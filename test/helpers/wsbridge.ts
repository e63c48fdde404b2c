// A WebSocket front for a real mosquitto: each WebSocket connection (ws:// or, with certs,
// wss://) is joined byte for byte to a TCP connection to the broker. Debian's mosquitto
// 2.0.11 has no WebSocket listener, and the WebSocket brokers at hand lack MQTT v5 (aedes 1)
// or need minutes to start (RabbitMQ): through this bridge the WebSocket transport is tested
// against mosquitto itself, and its -d traces can be compared with the same tool over TCP.
import { createServer as createHttp, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { connect, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
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

export interface WsBridgeOptions {
  /**
   * With certs: answer the client's close frame (or the broker's hanging up after DISCONNECT)
   * with a WebSocket close frame written in the clear, then TLS's close_notify, as mosquitto
   * 2.1.2's WebSocket listener was seen to do (88 02 03 e8 17 03 03 ... on the wire, after
   * the client's DISCONNECT; the client's OpenSSL reads "wrong version number").
   */
  clearClose?: boolean;
}

/** The WebSocket close frame "normal closure" (1000), unmasked, as a server sends it. */
const CLOSE_FRAME = Buffer.from([0x88, 0x02, 0x03, 0xe8]);

/** Listens on an ephemeral 127.0.0.1 port; only upgrades on /mqtt are taken (404 otherwise). */
export async function startWsBridge(targetPort: number, certs?: Certs, opts: WsBridgeOptions = {}): Promise<WsBridge> {
  const tlsOptions = certs && { cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey) };
  /** With clearClose: each TLS socket's TCP connection underneath. */
  const tcpOf = new Map<Socket, Socket>();
  const server: Server = tlsOptions && !opts.clearClose ? createHttps(tlsOptions) : createHttp();
  // clearClose: the TLS layer is made here (not by https), so the TCP connection under it can
  // be written to directly.
  const front: Server | NetServer =
    tlsOptions && opts.clearClose
      ? createNetServer((tcp) => {
          const secure = new TLSSocket(tcp, { isServer: true, ...tlsOptions });
          tcpOf.set(secure, tcp);
          tcp.once('close', () => tcpOf.delete(secure));
          tcp.on('error', () => {});
          open.add(tcp);
          tcp.once('close', () => open.delete(tcp));
          server.emit('connection', secure);
        })
      : server;
  const upgrades: Upgrade[] = [];
  const open = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    open.add(s);
    s.once('close', () => open.delete(s));
  });
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
      const tcp = tcpOf.get(req.socket as Socket);
      if (tcp) {
        // The client's close frame, or the broker's hanging up, ends the session with a close
        // frame written in the clear, then TLS's own end (close_notify). (ws answers a close
        // frame by calling the socket's close(), so that is where the answer is replaced.)
        const secure = req.socket as Socket;
        let closed = false;
        const clearEnd = () => {
          if (closed) return;
          closed = true;
          tcp.write(CLOSE_FRAME);
          secure.end();
        };
        ws.close = clearEnd;
        broker.once('close', () => {
          open.delete(broker);
          clearEnd();
        });
      } else {
        broker.once('close', () => {
          open.delete(broker);
          ws.terminate();
        });
      }
      stream.on('error', () => broker.destroy());
      broker.on('error', () => ws.terminate());
      ws.once('close', () => broker.end());
      stream.pipe(broker);
      broker.pipe(stream);
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const address = front.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    upgrades,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        wss.close();
        if (front !== server) front.close();
        server.close(() => resolve());
      }),
  };
}
