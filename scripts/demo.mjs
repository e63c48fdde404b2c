// A round trip without installing anything else: an embedded MQTT broker (aedes), a
// subscriber, and `tspub -d -q 2` publishing to it, with its packet trace.
import { createServer } from 'node:net';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const broker = await Aedes.createBroker();
const server = createServer(broker.handle);
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = server.address().port;
console.log(`embedded broker (aedes) on 127.0.0.1:${port}`);

const sub = mqtt.connect({ host: '127.0.0.1', port, reconnectPeriod: 0 });
await new Promise((resolve) => sub.once('connect', resolve));
await sub.subscribeAsync('woniu', { qos: 2 });
const received = new Promise((resolve) =>
  sub.once('message', (topic, payload, packet) => resolve({ topic, payload, packet })),
);

const args = ['-h', '127.0.0.1', '-p', String(port), '-t', 'woniu', '-m', 'hello', '-q', '2', '-d'];
console.log(`\n$ tspub ${args.join(' ')}`);
const status = await new Promise((resolve) =>
  spawn(join(root, 'bin', 'tspub'), args, { stdio: 'inherit' }).once('close', resolve),
);
console.log(`(exit status ${status})`);

const { topic, payload, packet } = await received;
console.log(`\nsubscriber received on '${topic}' at QoS ${packet.qos}: ${payload.toString()}`);
await sub.endAsync();
await new Promise((resolve) => broker.close(resolve));
server.close();
process.exit(status === 0 ? 0 : 1);
