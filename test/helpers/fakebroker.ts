// A scripted MQTT "broker" for misbehaviour tests: a TCP server on 127.0.0.1 (ephemeral
// port) that parses what the client sends (mqtt-packet) and answers as a script says --
// valid packets made with mqtt-packet's generate(), malformed ones as raw bytes. It keeps a
// log of what went over the wire from the client, per connection, in order.
import { createServer, type Server, type Socket } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';

export interface Conn {
  /** 1 for the first connection, 2 for the next (a reconnection), ... */
  index: number;
  version: 3 | 4 | 5;
  socket: Socket;
  /** Sends a valid packet (generated for the version the client's CONNECT asked for). */
  send(packet: Record<string, unknown>): void;
  /** Sends bytes as they are. */
  raw(bytes: number[] | Buffer): void;
  /** Closes the connection (FIN) or resets it (RST). */
  end(): void;
  reset(): void;
}

export type Script = (c: Conn, p: Packet) => void;

export interface FakeBroker {
  port: number;
  /** One line per packet from the client ("1 PUBLISH q1 m1 d0"), and "1 closed". */
  wire: string[];
  /** Connections made so far. */
  connections: number;
  stop(): Promise<void>;
}

/** A short, comparable description of a packet from the client. */
export function describe(p: Packet): string {
  switch (p.cmd) {
    case 'connect':
      return `CONNECT v${p.protocolVersion} k${p.keepalive} c${p.clean ? 1 : 0}`;
    case 'publish':
      return `PUBLISH q${p.qos} m${p.qos ? p.messageId : '-'} d${p.dup ? 1 : 0} r${p.retain ? 1 : 0} '${p.topic}' ${p.payload.length}b`;
    case 'subscribe':
      return `SUBSCRIBE m${p.messageId} ${p.subscriptions.map((s) => `${s.topic}:${s.qos}`).join(',')}`;
    case 'unsubscribe':
      return `UNSUBSCRIBE m${p.messageId}`;
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      return `${p.cmd.toUpperCase()} m${p.messageId}`;
    case 'disconnect':
      return `DISCONNECT${p.reasonCode ? ` ${p.reasonCode}` : ''}`;
    default:
      return p.cmd.toUpperCase();
  }
}

/** Answers as an ordinary broker would: CONNACK, SUBACK, the acknowledgements, PINGRESP. */
export const ordinary: Script = (c, p) => {
  const v5 = c.version === 5;
  switch (p.cmd) {
    case 'connect':
      return c.send({ cmd: 'connack', returnCode: 0, reasonCode: 0, sessionPresent: false });
    case 'subscribe':
      return c.send({ cmd: 'suback', messageId: p.messageId, granted: p.subscriptions.map((s) => s.qos) });
    case 'unsubscribe':
      return c.send({
        cmd: 'unsuback',
        messageId: p.messageId,
        ...(v5 ? { granted: p.unsubscriptions.map(() => 0) } : {}),
      });
    case 'publish':
      if (p.qos === 1) c.send({ cmd: 'puback', messageId: p.messageId });
      if (p.qos === 2) c.send({ cmd: 'pubrec', messageId: p.messageId });
      return;
    case 'pubrel':
      return c.send({ cmd: 'pubcomp', messageId: p.messageId });
    case 'pingreq':
      return c.send({ cmd: 'pingresp' });
    case 'disconnect':
      return c.end();
    default:
      return;
  }
};

/** `accepted` runs when a connection comes in, before anything is read from it. */
export async function startFakeBroker(script: Script, accepted?: (c: Conn) => void): Promise<FakeBroker> {
  const wire: string[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const index = ++connections;
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    const conn: Conn = {
      index,
      version: 4,
      socket,
      send(packet) {
        if (!socket.destroyed)
          socket.write(mqttPacket.generate(packet as unknown as Packet, { protocolVersion: conn.version }));
      },
      raw(bytes) {
        if (!socket.destroyed) socket.write(Buffer.from(bytes));
      },
      end: () => socket.end(),
      reset: () => socket.resetAndDestroy(),
    };
    parser.on('packet', (p: Packet) => {
      if (p.cmd === 'connect') conn.version = p.protocolVersion as 3 | 4 | 5;
      wire.push(`${index} ${describe(p)}`);
      script(conn, p);
    });
    parser.on('error', (e) => wire.push(`${index} unparsable: ${e.message}`));
    socket.on('data', (d) => parser.parse(d));
    accepted?.(conn);
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      wire.push(`${index} closed`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    wire,
    get connections() {
      return connections;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
