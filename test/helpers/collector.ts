// A subscriber inside the test process: records what the broker delivers (topic, QoS,
// retain flag, payload bytes, v5 properties) so two publishers' effects can be compared.
//
// "Everything has arrived" is an event, not a quiet spell: the broker has closed every
// connection opened since the collector was reset (the tool's, a bridge's or a proxy's: it has
// read and routed all they sent), then a marker the collector publishes to itself comes back,
// behind anything routed before it on the same connection. The marker goes at QoS 2: MQTT.js
// hands a QoS 2 message over only at its PUBREL, so a QoS 1 marker could be handed over before a
// QoS 2 message routed ahead of it.
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { listeners, tcpSockets } from './proc.ts';
import { waitFor } from './wait.ts';

export interface Received {
  topic: string;
  qos: number;
  retain: boolean;
  payload: string; // hex
  properties?: Record<string, unknown>;
}

export interface Collector {
  messages: Received[];
  /**
   * With `count`: resolves once that many messages arrived (or with what came within
   * `maxMs`). Without: once everything published before has arrived (see the top).
   */
  settle(count?: number, maxMs?: number): Promise<Received[]>;
  reset(): void;
  close(): Promise<void>;
}

/** Topics of the collectors' markers: never recorded by any collector. */
const MARKERS = 'tsmqtt-collector-marker/';

export async function collect(port: number, filter = '#', version: 4 | 5 = 5): Promise<Collector> {
  const client = mqtt.connect({ host: '127.0.0.1', port, protocolVersion: version, reconnectPeriod: 0, clean: true });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  const marker = `${MARKERS}${randomUUID()}`;
  await client.subscribeAsync({ [filter]: { qos: 2 }, [marker]: { qos: 2 } });
  // The broker, when it is another process (found by its listening port).
  const broker = listeners(port).find((pid) => pid !== process.pid);
  /** The broker's connections (not listening sockets, not ones whose peer has hung up). */
  const open = () => (broker === undefined ? 0 : tcpSockets(broker).filter((s) => s.state === 1).length);
  const closing = () => (broker === undefined ? 0 : tcpSockets(broker).filter((s) => s.state === 8).length);
  let baseline = open();
  const messages: Received[] = [];
  const markers = new Set<string>();
  client.on('message', (topic, payload, packet) => {
    if (topic.startsWith(MARKERS)) {
      if (topic === marker) markers.add(payload.toString());
      return;
    }
    const props = packet.properties ? { ...packet.properties } : undefined;
    const shown: Record<string, unknown> | undefined = props;
    if (shown?.correlationData) shown.correlationData = (shown.correlationData as Buffer).toString('hex');
    messages.push({
      topic,
      qos: packet.qos,
      retain: packet.retain,
      payload: payload.toString('hex'),
      ...(shown ? { properties: shown } : {}),
    });
  });
  let n = 0;
  return {
    messages,
    async settle(count, maxMs = 30000) {
      if (count !== undefined) {
        await waitFor(() => messages.length >= count, `${count} messages`, maxMs).catch(() => undefined);
        return messages.slice();
      }
      await waitFor(
        () => open() <= baseline && closing() === 0,
        `the broker on port ${port} to close the connections opened since the collector was reset`,
        maxMs,
      );
      const id = String(++n);
      await client.publishAsync(marker, id, { qos: 2 });
      await waitFor(() => markers.has(id), "the collector's marker to come back", maxMs);
      return messages.slice();
    },
    reset() {
      messages.length = 0;
      baseline = open();
    },
    close: () => client.endAsync(),
  };
}

/** The retained message on a topic, as a fresh subscriber sees it (undefined if none). */
export async function retainedOn(port: number, topic: string): Promise<Received | undefined> {
  const c = await collect(port, topic, 4);
  // The broker sends a retained message right after the SUBACK, before the marker.
  const got = await c.settle();
  await c.close();
  return got[0];
}
