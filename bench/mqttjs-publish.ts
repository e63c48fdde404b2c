// The floor for any MQTT.js-based command-line publisher, for bench/pub.mjs: one QoS 1
// message with MQTT.js and nothing else (no option parsing, no checks, no messages), bundled
// and launched exactly as the tools are. Usage: mqttjs-publish PORT
import * as net from 'node:net';
import MqttClientModule from 'mqtt/lib/client';
import type { MqttClient as MqttClientType } from 'mqtt';

const MqttClient = ((MqttClientModule as unknown as { default?: typeof MqttClientType }).default ??
  MqttClientModule) as typeof MqttClientType;
const client = new MqttClient(
  () =>
    net.connect({ host: '127.0.0.1', port: Number(process.argv[2]) }) as unknown as ReturnType<
      ConstructorParameters<typeof MqttClientType>[0]
    >,
  { protocolVersion: 4, clientId: '', reconnectPeriod: 0, writeCache: false, manualConnect: true },
);
client.on('connect', () => client.publish('bench/floor', 'hello', { qos: 1 }, () => client.end()));
client.on('error', () => process.exit(1));
client.connect();
