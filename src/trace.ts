// The -d packet trace: one line on stdout for every packet sent or received, worded as
// mosquitto's clients word it. It only observes packets; it never prints a password.
import type { Packet } from 'mqtt-packet';
import type { Paint } from './colour.ts';

export interface TraceSink {
  write(line: string): void;
}

/** Allocates message ids; the tracer takes one for each QoS 0 PUBLISH, as libmosquitto does. */
export interface MidSource {
  allocate(): number | null;
}

export class Tracer {
  private id: string;
  /** libmosquitto closes the socket once its DISCONNECT is out: nothing after it is read. */
  private closed = false;

  constructor(
    private readonly out: TraceSink,
    private readonly mids: MidSource,
    clientId: string,
    /** Colours for a terminal (colour.ts); none: mosquitto's bytes. */
    private readonly paint?: Pick<Paint, 'sent' | 'received'>,
  ) {
    this.id = clientId === '' ? '(null)' : clientId;
  }

  /** A whole line, coloured on a terminal by the way its packet went. */
  private write(line: string, way: 'sent' | 'received'): void {
    this.out.write(`${this.paint ? this.paint[way](line) : line}\n`);
  }

  private line(text: string): void {
    this.write(`Client ${this.id} ${text}`, 'sent');
  }

  private in(text: string): void {
    this.write(`Client ${this.id} ${text}`, 'received');
  }

  sent(packet: Packet): void {
    switch (packet.cmd) {
      case 'connect':
        return this.line('sending CONNECT');
      case 'publish': {
        const mid = packet.qos > 0 ? packet.messageId : this.mids.allocate();
        // A message sent by topic alias alone has no topic: libmosquitto prints '(null)'.
        return this.line(
          `sending PUBLISH (d${packet.dup ? 1 : 0}, q${packet.qos}, r${packet.retain ? 1 : 0}, m${mid}, '${packet.topic === '' ? '(null)' : packet.topic}', ... (${payloadLength(packet.payload)} bytes))`,
        );
      }
      case 'puback':
        return this.line(`sending PUBACK (m${packet.messageId}, rc${packet.reasonCode ?? 0})`);
      case 'pubrec':
        return this.line(`sending PUBREC (m${packet.messageId}, rc${packet.reasonCode ?? 0})`);
      case 'pubrel':
        return this.line(`sending PUBREL (m${packet.messageId})`);
      case 'pubcomp':
        return this.line(`sending PUBCOMP (m${packet.messageId})`);
      case 'subscribe':
        for (const s of packet.subscriptions) {
          const options = ((s.nl ? 1 : 0) << 2) | ((s.rap ? 1 : 0) << 3) | ((s.rh ?? 0) << 4);
          this.line(
            `sending SUBSCRIBE (Mid: ${packet.messageId}, Topic: ${s.topic}, QoS: ${s.qos}, Options: 0x${hex2(options)})`,
          );
        }
        return;
      case 'unsubscribe':
        for (const topic of packet.unsubscriptions) {
          this.line(`sending UNSUBSCRIBE (Mid: ${packet.messageId}, Topic: ${topic})`);
        }
        return;
      case 'pingreq':
        return this.line('sending PINGREQ');
      case 'pingresp':
        return this.line('sending PINGRESP');
      case 'disconnect':
        this.closed = true;
        return this.line('sending DISCONNECT');
      case 'auth':
        return this.line('sending AUTH');
      default:
        return;
    }
  }

  /** A line of libmosquitto's own ("Client ID received AUTH", or an error it logs). */
  note(text: string): void {
    if (this.closed) return;
    if (text.startsWith('received ')) this.in(text);
    else this.out.write(`${text}\n`);
  }

  received(packet: Packet): void {
    if (this.closed) return;
    switch (packet.cmd) {
      case 'connack': {
        const assigned = packet.properties?.assignedClientIdentifier;
        if (assigned) this.id = assigned;
        return this.in(`received CONNACK (${packet.reasonCode ?? packet.returnCode ?? 0})`);
      }
      case 'publish': {
        const mid = packet.qos > 0 ? packet.messageId : 0;
        return this.in(
          `received PUBLISH (d${packet.dup ? 1 : 0}, q${packet.qos}, r${packet.retain ? 1 : 0}, m${mid}, '${packet.topic}', ... (${payloadLength(packet.payload)} bytes))`,
        );
      }
      case 'puback':
        return this.in(`received PUBACK (Mid: ${packet.messageId}, RC:${packet.reasonCode ?? 0})`);
      case 'pubrec':
        return this.in(`received PUBREC (Mid: ${packet.messageId})`);
      case 'pubrel':
        return this.in(`received PUBREL (Mid: ${packet.messageId})`);
      case 'pubcomp':
        return this.in(`received PUBCOMP (Mid: ${packet.messageId}, RC:${packet.reasonCode ?? 0})`);
      case 'suback':
        return this.in('received SUBACK');
      case 'unsuback':
        return this.in('received UNSUBACK');
      case 'pingresp':
        return this.in('received PINGRESP');
      case 'disconnect':
        // libmosquitto words this one differently: no client id, capital R.
        return this.write(`Received DISCONNECT (${packet.reasonCode ?? 0})`, 'received');
      case 'auth':
        return this.in('received AUTH');
      default:
        return;
    }
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function payloadLength(payload: string | Buffer | undefined): number {
  if (payload === undefined) return 0;
  return typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
}
