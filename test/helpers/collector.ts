// A subscriber inside the test process: records what the broker delivers (topic, QoS,
// retain flag, payload bytes, v5 properties) so two publishers' effects can be compared.
import mqtt from 'mqtt';

export interface Received {
  topic: string;
  qos: number;
  retain: boolean;
  payload: string; // hex
  properties?: Record<string, unknown>;
}

export interface Collector {
  messages: Received[];
  /** Resolves once `count` messages arrived, or when nothing more arrives for `quietMs`. */
  settle(count?: number, quietMs?: number, maxMs?: number): Promise<Received[]>;
  reset(): void;
  close(): Promise<void>;
}

export async function collect(port: number, filter = '#', version: 4 | 5 = 5): Promise<Collector> {
  const client = mqtt.connect({ host: '127.0.0.1', port, protocolVersion: version, reconnectPeriod: 0, clean: true });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(filter, { qos: 2 });
  const messages: Received[] = [];
  let last = Date.now();
  client.on('message', (topic, payload, packet) => {
    last = Date.now();
    const props = packet.properties ? { ...packet.properties } : undefined;
    const shown: Record<string, unknown> | undefined = props;
    if (shown?.correlationData) shown.correlationData = (shown.correlationData as Buffer).toString('hex');
    messages.push({ topic, qos: packet.qos, retain: packet.retain, payload: payload.toString('hex'), ...(shown ? { properties: shown } : {}) });
  });
  return {
    messages,
    async settle(count, quietMs = 150, maxMs = 5000) {
      const start = Date.now();
      for (;;) {
        if (count !== undefined && messages.length >= count) return messages.slice();
        if (count === undefined && Date.now() - last >= quietMs && Date.now() - start >= quietMs) return messages.slice();
        if (Date.now() - start > maxMs) return messages.slice();
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    reset() {
      messages.length = 0;
      last = Date.now();
    },
    close: () => client.endAsync(),
  };
}

/** The retained message on a topic, as a fresh subscriber sees it (undefined if none). */
export async function retainedOn(port: number, topic: string): Promise<Received | undefined> {
  const c = await collect(port, topic, 4);
  const got = await c.settle(1, 300, 600);
  await c.close();
  return got[0];
}
