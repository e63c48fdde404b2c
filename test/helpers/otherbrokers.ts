// Brokers other than mosquitto for the interop tests, and the paho-mqtt Python client:
// RabbitMQ (Debian rabbitmq-server with its MQTT plugin) started on ephemeral ports with its
// own temp dirs, node name and epmd, stopped by pid; aedes in this process. Each says why it
// must be skipped when its package is missing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { freePort, waitForPort, which } from './broker.ts';
import { ROOT } from './run.ts';
import { listeners, processGroup } from './proc.ts';

const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const EPMD = which('epmd');

export const needRabbit: string | false =
  existsSync(RABBITMQ_SERVER) && EPMD ? false : 'rabbitmq-server is not installed (apt-get install -y rabbitmq-server)';
if (needRabbit) process.stderr.write(`# SKIPPING RabbitMQ tests: ${needRabbit}\n`);

/** A python3 that has paho-mqtt (Debian's, when another python3 comes first on PATH). */
export const PYTHON = ['/usr/bin/python3', 'python3'].find(
  (py) => spawnSync(py, ['-c', 'import paho.mqtt.client'], { stdio: 'ignore' }).status === 0,
);
export const needPaho: string | false = PYTHON
  ? false
  : 'paho-mqtt for Python is not installed (apt-get install -y python3-paho-mqtt)';
if (needPaho) process.stderr.write(`# SKIPPING paho-mqtt round trips: ${needPaho}\n`);
export const PAHO_CLIENT = join(ROOT, 'test', 'helpers', 'paho_client.py');

export interface OtherBroker {
  name: string;
  port: number;
  stop(): Promise<void>;
}

function killGroup(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  const gone = new Promise<void>((resolve) => p.once('exit', () => resolve()));
  try {
    process.kill(-p.pid!, 'SIGKILL');
  } catch {
    p.kill('SIGKILL');
  }
  return gone;
}

/** RabbitMQ with the MQTT plugin: anonymous logins as guest; user "nobody" does not exist. */
export async function startRabbit(): Promise<OtherBroker> {
  // A port another test took while RabbitMQ was starting: start again on fresh ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startRabbitOnce();
    } catch (e) {
      if (!(e instanceof PortTaken) || attempt >= 3) throw e;
    }
  }
}

class PortTaken extends Error {}

async function startRabbitOnce(): Promise<OtherBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'tsmqtt-rabbit-'));
  const [amqp, mqtt, dist, epmdPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  for (const d of ['home', 'mnesia', 'log']) mkdirSync(join(dir, d));
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    [
      `listeners.tcp.default = 127.0.0.1:${amqp}`,
      `mqtt.listeners.tcp.default = 127.0.0.1:${mqtt}`,
      'mqtt.allow_anonymous = true',
      'loopback_users = none',
    ].join('\n') + '\n',
  );
  writeFileSync(join(dir, 'enabled_plugins'), '[rabbitmq_mqtt].\n');
  writeFileSync(join(dir, 'env.conf'), '');
  // A private epmd, so that the node's name and ports are ours alone; each in its own
  // process group, stopped by its pid.
  const epmd = spawn(EPMD!, ['-port', String(epmdPort)], { stdio: 'ignore', detached: true });
  const env = {
    ...process.env,
    HOME: join(dir, 'home'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'env.conf'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_NODENAME: `tsmqtt-${process.pid}-${mqtt}@localhost`,
    RABBITMQ_DIST_PORT: String(dist),
    ERL_EPMD_PORT: String(epmdPort),
  };
  await waitForPort(epmdPort, 5000, 'epmd');
  const server = spawn(RABBITMQ_SERVER, [], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  server.stdout!.on('data', (d) => {
    log += d;
  });
  server.stderr!.on('data', (d) => {
    log += d;
  });
  const stop = async () => {
    await killGroup(server);
    await killGroup(epmd);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(mqtt, 90000, 'rabbitmq-server', () => server.exitCode !== null);
    // The port was free when picked, but another test's broker may have taken it while
    // RabbitMQ started (it takes seconds): the listener must be RabbitMQ's own.
    if (!listensInGroup(mqtt, server.pid!))
      throw new PortTaken(`port ${mqtt} was taken by another process while rabbitmq-server started`);
  } catch (e) {
    await stop();
    if (e instanceof PortTaken) throw e;
    throw new Error(`${(e as Error).message}\n${log}`);
  }
  return { name: 'RabbitMQ', port: mqtt, stop };
}

/** Whether a process of process group `pgid` listens on 127.0.0.1:port (from /proc). */
function listensInGroup(port: number, pgid: number): boolean {
  return listeners(port).some((pid) => processGroup(pid) === pgid);
}

/** aedes (MQTT 3.1.1), in this process; user "nobody" is refused. */
export async function startAedes(): Promise<OtherBroker> {
  const aedes = await Aedes.createBroker();
  aedes.authenticate = (_client, username, _password, done) => {
    if (username === 'nobody') {
      const err = Object.assign(new Error('bad user'), { returnCode: 4 });
      done(err as never, false);
    } else {
      done(null, true);
    }
  };
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  return {
    name: 'aedes',
    port: typeof addr === 'object' && addr ? addr.port : 0,
    stop: async () => {
      server.close();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}
