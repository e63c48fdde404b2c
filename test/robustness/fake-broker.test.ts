// Hostile and broken brokers: one scripted fake broker per scenario (one misbehaviour
// each), and mosquitto_pub/mosquitto_sub 2.0.11 and tspub/tssub run against it. Each pair
// must agree on the exit status, stderr, stdout (the -d trace) and what went over the wire
// from the client, in order -- but for the differences we keep, named in DIFFERENCES below
// and in the man pages. Every run has a hard timeout.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import mqttPacket from 'mqtt-packet';
import { needMosquitto, MOSQUITTO_PUB, MOSQUITTO_SUB } from '../helpers/broker.ts';
import { run, bin, normalise } from '../helpers/run.ts';
import { waitFor } from '../helpers/wait.ts';
import { startFakeBroker, ordinary, type Conn, type Script } from '../helpers/fakebroker.ts';
import type { Packet } from 'mqtt-packet';

const skip = needMosquitto;

interface Scenario {
  tool: 'pub' | 'sub';
  args: string[];
  script: Script;
  /** Runs when the client's connection comes in. */
  accepted?: (c: Conn) => void;
  /** Standard input for the tool. */
  input?: string;
  /**
   * mosquitto's client may also end this way, depending on when the broker's packet or reset
   * reaches it (inside mosquitto_connect() or in its loop): that run is done again.
   */
  racy?: { why: string; alternative: Record<string, unknown> };
  /** A difference we keep: what ours gives instead (each field replaces mosquitto's). */
  differs?: { why: string; code?: number; stderr?: string; stdout?: string; wire?: string[] };
  /** How long a run may legitimately take (keep-alive timeouts); a hang is killed well after it. */
  timeoutMs?: number;
}

type Answer = (c: Conn, p: Packet) => boolean | undefined;

/** An ordinary broker but for `answer`, which returns true when it has dealt with a packet. */
const but =
  (answer: Answer): Script =>
  (c, p) => {
    if (answer(c, p) !== true) ordinary(c, p);
  };
/** The same misbehaviour on the first connection only; reconnections get an ordinary broker
 * that delivers one message on the subscription (so tssub -C 1 ends). */
const once =
  (answer: Answer): Script =>
  (c, p) => {
    if (c.index === 1) return but(answer)(c, p);
    ordinary(c, p);
    if (p.cmd === 'subscribe')
      c.send({ cmd: 'publish', topic: 't', payload: Buffer.from('after'), qos: 0, retain: false, dup: false });
  };
const gen = (p: Record<string, unknown>, protocolVersion = 4) => [
  ...mqttPacket.generate(p as unknown as Packet, { protocolVersion }),
];
const publish = (qos: 0 | 1 | 2, extra: Record<string, unknown> = {}) => ({
  cmd: 'publish',
  topic: 't',
  payload: Buffer.from('hello'),
  qos,
  retain: false,
  dup: false,
  ...(qos ? { messageId: 7 } : {}),
  ...extra,
});

const PUB = ['-t', 't', '-m', 'hello', '-d'];
const SUB = ['-t', 't', '-d', '-v'];
const V5 = ['-V', '5'];
const PROTOCOL_ERROR = 'Error: A network protocol error occurred when communicating with the broker.\n';
/** The difference tspub keeps on every failure with a message in flight: it says so. */
const unacked = (stderr: string): Scenario['differs'] => ({
  why: 'tspub adds how many messages the broker never acknowledged',
  stderr: `${stderr}Error: 1 message was not acknowledged by the broker.\n`,
});
const UNKNOWN = 'Error: Unknown error.\n';
/** A reset that reaches libmosquitto while mosquitto_connect() writes CONNECT fails the connect call. */
const RESET_IN_CONNECT = {
  why: 'a reset during mosquitto_connect() ends mosquitto_pub/mosquitto_sub with status 1; in their loop (as ours), 7 or a reconnection',
  alternative: { code: 1, stderr: 'Unable to connect (The connection was lost.).\n' },
};

const SCENARIOS: Record<string, Scenario> = {
  // --- CONNACK -------------------------------------------------------------------------
  'CONNACK never comes (-k 5): tspub gives up after the keep-alive': {
    tool: 'pub',
    args: [...PUB, '-k', '5'],
    script: but((_c, p) => p.cmd === 'connect'),
    timeoutMs: 12000,
  },
  'CONNACK never comes (-k 5): tssub drops the connection and reconnects': {
    tool: 'sub',
    args: [...SUB, '-k', '5', '-C', '1'],
    script: once((_c, p) => p.cmd === 'connect'),
    timeoutMs: 12000,
  },
  'CONNACK with remaining length 0': {
    tool: 'pub',
    args: PUB,
    script: but((c, p) => p.cmd === 'connect' && (c.raw([0x20, 0x00]), true)),
  },
  'CONNACK with remaining length 1': {
    tool: 'pub',
    args: PUB,
    script: but((c, p) => p.cmd === 'connect' && (c.raw([0x20, 0x01, 0x00]), true)),
  },
  'CONNACK truncated, then silence (-k 5)': {
    tool: 'pub',
    args: [...PUB, '-k', '5'],
    script: but((c, p) => p.cmd === 'connect' && (c.raw([0x20, 0x02, 0x00]), true)),
    timeoutMs: 12000,
  },
  'SUBACK in answer to CONNECT': {
    tool: 'pub',
    args: PUB,
    script: but((c, p) => p.cmd === 'connect' && (c.send({ cmd: 'suback', messageId: 1, granted: [0] }), true)),
  },
  'CONNACK with header flags set (0x2f)': {
    tool: 'pub',
    args: [...PUB, '-q', '1'],
    script: but((c, p) => p.cmd === 'connect' && (c.raw([0x2f, 0x02, 0x00, 0x00]), true)),
  },
  'PUBACK and PINGRESP with header flags set': {
    tool: 'pub',
    args: [...PUB, '-q', '1'],
    script: but((c, p) => p.cmd === 'publish' && (c.raw([0xd3, 0x00, 0x41, 0x02, 0x00, p.messageId!]), true)),
  },
  'MQTT 3.1 PUBREL without its header flags': {
    tool: 'sub',
    args: [...SUB, '-V', '31', '-i', 'fixed', '-q', '2', '-C', '1'],
    script: but((c, p) => {
      if (p.cmd === 'subscribe') {
        ordinary(c, p);
        c.send(publish(2));
        return true;
      }
      if (p.cmd === 'pubrec') {
        c.raw([0x60, 0x02, 0x00, 0x07]);
        return true;
      }
    }),
  },
  'CONNACK with an unknown return code (6)': {
    tool: 'pub',
    args: PUB,
    script: but((c, p) => p.cmd === 'connect' && (c.raw([0x20, 0x02, 0x00, 0x06]), true)),
  },
  'CONNACK with a 5-byte remaining length': {
    tool: 'pub',
    args: PUB,
    script: but((c, p) => p.cmd === 'connect' && (c.raw([0x20, 0x82, 0x80, 0x80, 0x80, 0x00]), true)),
  },
  'CONNACK with an unknown packet type (0)': {
    tool: 'pub',
    args: PUB,
    script: but((c, p) => p.cmd === 'connect' && (c.raw([0x00, 0x00]), true)),
  },
  'connection reset in answer to CONNECT': {
    tool: 'pub',
    args: PUB,
    script: but((c, p) => p.cmd === 'connect' && (c.reset(), true)),
  },
  'connection reset at once, before CONNECT is read': {
    tool: 'pub',
    args: PUB,
    script: ordinary,
    accepted: (c) => c.reset(),
    racy: RESET_IN_CONNECT,
  },
  'connection reset at once: tssub reconnects': {
    tool: 'sub',
    args: [...SUB, '-C', '1'],
    script: once(() => false),
    accepted: (c) => {
      if (c.index === 1) c.reset();
    },
    racy: RESET_IN_CONNECT,
  },
  'connection reset in answer to CONNECT: tssub reconnects': {
    tool: 'sub',
    args: [...SUB, '-C', '1'],
    script: once((c, p) => p.cmd === 'connect' && (c.reset(), true)),
  },
  'CONNACK with an unknown return code (6) to tssub': {
    tool: 'sub',
    args: [...SUB, '-C', '1'],
    script: once((c, p) => p.cmd === 'connect' && (c.raw([0x20, 0x02, 0x00, 0x06]), true)),
  },
  'v5 CONNACK refusing with a reason code (Banned) to tssub': {
    tool: 'sub',
    args: [...SUB, ...V5, '-C', '1'],
    script: once(
      (c, p) => p.cmd === 'connect' && (c.send({ cmd: 'connack', reasonCode: 0x8a, sessionPresent: false }), true),
    ),
  },
  'CONNACK twice': {
    tool: 'pub',
    args: [...PUB, '-q', '1'],
    script: but((c, p) => {
      if (p.cmd === 'publish') {
        c.send({ cmd: 'connack', returnCode: 0, sessionPresent: false });
        ordinary(c, p);
        return true;
      }
    }),
    differs: {
      why: 'libmosquitto takes a second CONNACK as a new connection, and mosquitto_pub publishes again; tspub stops with the protocol error',
      code: 2,
      stderr: `${PROTOCOL_ERROR}Error: 1 message was not acknowledged by the broker.\n`,
      stdout:
        "Client (null) sending CONNECT\nClient (null) received CONNACK (0)\nClient (null) sending PUBLISH (d0, q1, r0, m1, 't', ... (5 bytes))\nClient (null) received CONNACK (0)\n",
      wire: ['1 CONNECT v4 k60 c1', "1 PUBLISH q1 m1 d0 r0 't' 5b", '1 closed'],
    },
  },
  'PINGREQ from the broker': {
    tool: 'pub',
    args: [...PUB, '-q', '1'],
    script: but((c, p) => {
      if (p.cmd === 'publish') {
        c.raw([0xc0, 0x00]);
        ordinary(c, p);
        return true;
      }
    }),
  },
  'v5 PUBLISH with duplicate properties: tssub reconnects': {
    tool: 'sub',
    args: [...SUB, ...V5, '-C', '1'],
    script: once((c, p) => {
      if (p.cmd === 'subscribe') {
        ordinary(c, p);
        c.raw([0x30, 0x0a, 0x00, 0x01, 0x74, 0x04, 0x01, 0x00, 0x01, 0x01, 0x78, 0x79]);
        return true;
      }
    }),
  },
  'v3 SUBACK granting QoS 1 of the two asked for, then a denial': {
    tool: 'sub',
    args: ['-t', 't', '-t', 'u', '-d', '-q', '1', '-W', '2'],
    script: but((c, p) => p.cmd === 'subscribe' && (c.raw([0x90, 0x04, 0x00, p.messageId!, 0x01, 0x80]), true)),
  },
  'a QoS 1 flood of 2000 messages, the last one cut short and the connection closed: tssub prints every whole one and reconnects':
    {
      tool: 'sub',
      args: ['-t', 't', '-q', '1', '-C', '2001'],
      script: once((c, p) => {
        if (p.cmd !== 'subscribe') return;
        ordinary(c, p);
        const all = Array.from({ length: 2000 }, (_, i) =>
          Buffer.from(gen(publish(1, { messageId: (i % 60000) + 1, payload: Buffer.from(`m${i}`) }))),
        );
        c.raw(Buffer.concat([...all, Buffer.from([0x32, 0x10, 0x00, 0x01])]));
        c.end();
        return true;
      }),
    },
  'connection closed in answer to CONNECT': {
    tool: 'pub',
    args: PUB,
    script: but((c, p) => p.cmd === 'connect' && (c.end(), true)),
  },
  'v5 CONNACK with an unknown property': {
    tool: 'pub',
    args: [...PUB, ...V5],
    script: but((c, p) => p.cmd === 'connect' && (c.raw([0x20, 0x05, 0x00, 0x00, 0x02, 0x7f, 0x00]), true)),
    differs: {
      why: 'mosquitto_pub 2.0.11 crashes on it (SIGSEGV in its log call); tspub reports the protocol error',
      code: 2,
      stderr: PROTOCOL_ERROR,
      stdout: 'Client (null) sending CONNECT\n',
    },
  },
  'v5 CONNACK with a property twice': {
    tool: 'pub',
    args: [...PUB, ...V5],
    script: but(
      (c, p) =>
        p.cmd === 'connect' && (c.raw([0x20, 0x09, 0x00, 0x00, 0x06, 0x21, 0x00, 0x0a, 0x21, 0x00, 0x0a]), true),
    ),
  },
  'v5 CONNACK with a property CONNACK cannot carry (topic alias)': {
    tool: 'pub',
    args: [...PUB, ...V5],
    script: but((c, p) => p.cmd === 'connect' && (c.raw([0x20, 0x06, 0x00, 0x00, 0x03, 0x23, 0x00, 0x01]), true)),
  },
  'v5 CONNACK with a reason string that is not UTF-8': {
    tool: 'pub',
    args: [...PUB, ...V5],
    script: but((c, p) => p.cmd === 'connect' && (c.raw([0x20, 0x07, 0x00, 0x00, 0x04, 0x1f, 0x00, 0x01, 0xff]), true)),
  },
  'v5 CONNACK assigning an id to a client that has one': {
    tool: 'pub',
    args: [...PUB, ...V5, '-i', 'mine'],
    script: but(
      (c, p) =>
        p.cmd === 'connect' &&
        (c.send({
          cmd: 'connack',
          reasonCode: 0,
          sessionPresent: false,
          properties: { assignedClientIdentifier: 'theirs' },
        }),
        true),
    ),
  },
  'v5 CONNACK with server keep alive 0: no PINGREQ (-k 5)': {
    tool: 'sub',
    args: [...SUB, ...V5, '-k', '5', '-W', '7'],
    script: but(
      (c, p) =>
        p.cmd === 'connect' &&
        (c.send({ cmd: 'connack', reasonCode: 0, sessionPresent: false, properties: { serverKeepAlive: 0 } }), true),
    ),
    timeoutMs: 12000,
  },
  'v5 CONNACK with server keep alive 5: PINGREQ after 5 s (-k 60)': {
    tool: 'sub',
    args: [...SUB, ...V5, '-k', '60', '-W', '7'],
    script: but(
      (c, p) =>
        p.cmd === 'connect' &&
        (c.send({ cmd: 'connack', reasonCode: 0, sessionPresent: false, properties: { serverKeepAlive: 5 } }), true),
    ),
    timeoutMs: 12000,
  },
  // --- SUBACK, UNSUBACK ------------------------------------------------------------------
  'SUBACK with an invalid return code (3)': {
    tool: 'sub',
    args: [...SUB, '-W', '2'],
    script: but((c, p) => p.cmd === 'subscribe' && (c.raw([0x90, 0x03, 0x00, p.messageId!, 0x03]), true)),
  },
  'SUBACK with no return codes': {
    tool: 'sub',
    args: [...SUB, '-W', '2'],
    script: but((c, p) => p.cmd === 'subscribe' && (c.raw([0x90, 0x02, 0x00, p.messageId!]), true)),
  },
  'SUBACK with message id 0': {
    tool: 'sub',
    args: [...SUB, '-W', '2'],
    script: but((c, p) => p.cmd === 'subscribe' && (c.raw([0x90, 0x03, 0x00, 0x00, 0x00]), true)),
  },
  'SUBACK truncated (remaining length 1)': {
    tool: 'sub',
    args: [...SUB, '-W', '2'],
    script: but((c, p) => p.cmd === 'subscribe' && (c.raw([0x90, 0x01, 0x00]), true)),
  },
  'v5 SUBACK with a property SUBACK cannot carry': {
    tool: 'sub',
    args: [...SUB, ...V5, '-W', '2'],
    script: but(
      (c, p) => p.cmd === 'subscribe' && (c.raw([0x90, 0x07, 0x00, p.messageId!, 0x03, 0x23, 0x00, 0x01, 0x00]), true),
    ),
  },
  'UNSUBACK with message id 0': {
    tool: 'sub',
    args: [...SUB, '-U', 'u', '-W', '2'],
    script: but((c, p) => p.cmd === 'unsubscribe' && (c.raw([0xb0, 0x02, 0x00, 0x00]), true)),
  },
  // --- PUBLISH to the subscriber -----------------------------------------------------------
  'PUBLISH with QoS 3': {
    tool: 'sub',
    args: [...SUB, '-W', '2'],
    script: but((c, p) => {
      if (p.cmd === 'subscribe') {
        ordinary(c, p);
        c.raw([0x36, 0x06, 0x00, 0x01, 0x74, 0x00, 0x07, 0x78]);
        return true;
      }
    }),
  },
  'QoS 1 PUBLISH with message id 0': {
    tool: 'sub',
    args: [...SUB, '-W', '2'],
    script: but((c, p) => {
      if (p.cmd === 'subscribe') {
        ordinary(c, p);
        c.raw([0x32, 0x06, 0x00, 0x01, 0x74, 0x00, 0x00, 0x78]);
        return true;
      }
    }),
  },
  'PUBLISH with a 5-byte remaining length': {
    tool: 'sub',
    args: [...SUB, '-W', '2'],
    script: but((c, p) => {
      if (p.cmd === 'subscribe') {
        ordinary(c, p);
        c.raw([0x30, 0x85, 0x80, 0x80, 0x80, 0x00]);
        return true;
      }
    }),
  },
  'PUBLISH shorter than its remaining length, then silence (-k 5)': {
    tool: 'sub',
    args: [...SUB, '-k', '5', '-C', '1'],
    script: once((c, p) => {
      if (p.cmd === 'subscribe') {
        ordinary(c, p);
        c.raw([0x30, 0x10, 0x00, 0x01, 0x74]);
        return true;
      }
      if (p.cmd === 'pingreq') return true;
    }),
    timeoutMs: 15000,
  },
  'PUBLISH with an empty topic (v3)': {
    tool: 'sub',
    args: [...SUB, '-W', '2'],
    script: but((c, p) => {
      if (p.cmd === 'subscribe') {
        ordinary(c, p);
        c.raw([0x30, 0x03, 0x00, 0x00, 0x78]);
        return true;
      }
    }),
  },
  'v5 PUBLISH with an empty topic and no alias': {
    tool: 'sub',
    args: [...SUB, ...V5, '-W', '2'],
    script: but((c, p) => {
      if (p.cmd === 'subscribe') {
        ordinary(c, p);
        c.raw([0x30, 0x04, 0x00, 0x00, 0x00, 0x78]);
        return true;
      }
    }),
  },
  'v5 PUBLISH with a topic alias the client never allowed': {
    tool: 'sub',
    args: [...SUB, ...V5, '-W', '2'],
    script: but((c, p) => {
      if (p.cmd === 'subscribe') {
        ordinary(c, p);
        c.send(publish(0, { properties: { topicAlias: 1 } }));
        return true;
      }
    }),
  },
  'v5 PUBLISH with a property PUBLISH cannot carry (server keep alive)': {
    tool: 'sub',
    args: [...SUB, ...V5, '-W', '2'],
    script: but((c, p) => {
      if (p.cmd === 'subscribe') {
        ordinary(c, p);
        c.raw([0x30, 0x08, 0x00, 0x01, 0x74, 0x03, 0x13, 0x00, 0x05, 0x78]);
        return true;
      }
    }),
  },
  'PUBLISH with a topic that is not UTF-8: tssub reconnects': {
    tool: 'sub',
    args: [...SUB, '-C', '1'],
    script: once((c, p) => {
      if (p.cmd === 'subscribe') {
        ordinary(c, p);
        c.raw([0x30, 0x05, 0x00, 0x02, 0x74, 0xff, 0x78]);
        return true;
      }
    }),
  },
  'PUBLISH with a NUL in its topic: tssub reconnects': {
    tool: 'sub',
    args: [...SUB, '-C', '1'],
    script: once((c, p) => {
      if (p.cmd === 'subscribe') {
        ordinary(c, p);
        c.raw([0x30, 0x05, 0x00, 0x02, 0x74, 0x00, 0x78]);
        return true;
      }
    }),
  },
  'PUBLISH before CONNACK': {
    tool: 'sub',
    args: [...SUB, '-W', '2'],
    script: but((c, p) => {
      if (p.cmd === 'connect') {
        c.send(publish(0));
        ordinary(c, p);
        return true;
      }
    }),
  },
  'PUBREL with wrong header flags': {
    tool: 'sub',
    args: [...SUB, '-q', '2', '-W', '2'],
    script: but((c, p) => {
      if (p.cmd === 'subscribe') {
        ordinary(c, p);
        c.send(publish(2));
        return true;
      }
      if (p.cmd === 'pubrec') {
        c.raw([0x60, 0x02, 0x00, 0x07]);
        return true;
      }
    }),
  },
  'PUBREL for an unknown message id': {
    tool: 'sub',
    args: [...SUB, '-q', '2', '-W', '2'],
    script: but((c, p) => {
      if (p.cmd === 'subscribe') {
        ordinary(c, p);
        c.send({ cmd: 'pubrel', messageId: 9 });
        return true;
      }
    }),
  },
  '-C 1 -q 1: PUBACK goes before DISCONNECT': {
    tool: 'sub',
    args: [...SUB, '-q', '1', '-C', '1'],
    script: but((c, p) => {
      if (p.cmd === 'subscribe') {
        ordinary(c, p);
        c.send(publish(1));
        return true;
      }
    }),
  },
  '-C 1 -q 2: PUBCOMP goes before DISCONNECT': {
    tool: 'sub',
    args: [...SUB, '-q', '2', '-C', '1'],
    script: but((c, p) => {
      if (p.cmd === 'subscribe') {
        ordinary(c, p);
        c.send(publish(2));
        return true;
      }
      if (p.cmd === 'pubrec') {
        c.send({ cmd: 'pubrel', messageId: p.messageId });
        return true;
      }
    }),
  },
  // --- DISCONNECT, AUTH, PINGRESP, unknown packets ---------------------------------------
  'DISCONNECT from a v3 broker': {
    tool: 'sub',
    args: [...SUB, '-W', '2'],
    script: but((c, p) => {
      if (p.cmd === 'subscribe') {
        ordinary(c, p);
        c.raw([0xe0, 0x00]);
        return true;
      }
    }),
  },
  'v5 DISCONNECT, socket left open (tssub)': {
    tool: 'sub',
    args: [...SUB, ...V5, '-W', '3'],
    script: but((c, p) => {
      if (p.cmd === 'subscribe') {
        ordinary(c, p);
        c.send({ cmd: 'disconnect', reasonCode: 0x8b });
        return true;
      }
    }),
  },
  'v5 DISCONNECT, socket left open (tspub)': {
    tool: 'pub',
    args: [...PUB, ...V5, '-q', '1'],
    script: but((c, p) => p.cmd === 'publish' && (c.send({ cmd: 'disconnect', reasonCode: 0x8b }), true)),
    differs: unacked('Error: The client is not currently connected.\n'),
  },
  'AUTH from a v3 broker': {
    tool: 'pub',
    args: [...PUB, '-q', '1'],
    script: but((c, p) => p.cmd === 'publish' && (c.raw([0xf0, 0x00]), true)),
    differs: unacked(PROTOCOL_ERROR),
  },
  'v5 AUTH after CONNACK is read and ignored': {
    tool: 'pub',
    args: [...PUB, ...V5, '-q', '1'],
    script: but((c, p) => {
      if (p.cmd === 'publish') {
        c.raw([0xf0, 0x02, 0x00, 0x00]);
        ordinary(c, p);
        return true;
      }
    }),
  },
  'garbage answering PINGREQ (-k 5)': {
    tool: 'sub',
    args: [...SUB, '-k', '5', '-W', '8'],
    script: but((c, p) => p.cmd === 'pingreq' && (c.raw([0x00, 0x00]), true)),
    timeoutMs: 12000,
  },
  'PINGRESP never comes (-k 5): tssub reconnects': {
    tool: 'sub',
    args: [...SUB, '-k', '5', '-C', '1'],
    script: once((_c, p) => p.cmd === 'pingreq'),
    timeoutMs: 16000,
  },
  'PINGRESP with a payload': {
    tool: 'pub',
    args: [...PUB, '-q', '1'],
    script: but((c, p) => {
      if (p.cmd === 'publish') {
        c.raw([0xd0, 0x01, 0x00]);
        ordinary(c, p);
        return true;
      }
    }),
  },
  // --- PUBACK, PUBREC, PUBCOMP to the publisher -------------------------------------------
  'PUBACK truncated (remaining length 1)': {
    tool: 'pub',
    args: [...PUB, '-q', '1'],
    script: but((c, p) => p.cmd === 'publish' && (c.raw([0x40, 0x01, 0x00]), true)),
    differs: unacked(PROTOCOL_ERROR),
  },
  'PUBACK with message id 0': {
    tool: 'pub',
    args: [...PUB, '-q', '1'],
    script: but((c, p) => p.cmd === 'publish' && (c.raw([0x40, 0x02, 0x00, 0x00]), true)),
    differs: unacked(PROTOCOL_ERROR),
  },
  'PUBACK for an unknown message id, then the right one': {
    tool: 'pub',
    args: [...PUB, '-q', '1'],
    script: but((c, p) => {
      if (p.cmd === 'publish') {
        c.send({ cmd: 'puback', messageId: 99 });
        ordinary(c, p);
        return true;
      }
    }),
  },
  'PUBACK answering a QoS 2 PUBLISH (RabbitMQ 3.10 does this)': {
    tool: 'pub',
    args: [...PUB, '-q', '2'],
    script: but((c, p) => p.cmd === 'publish' && (c.send({ cmd: 'puback', messageId: p.messageId }), true)),
    differs: unacked(PROTOCOL_ERROR),
  },
  'PUBCOMP answering a QoS 1 PUBLISH': {
    tool: 'pub',
    args: [...PUB, '-q', '1'],
    script: but((c, p) => p.cmd === 'publish' && (c.send({ cmd: 'pubcomp', messageId: p.messageId }), true)),
    differs: unacked(PROTOCOL_ERROR),
  },
  'PUBREC answering a QoS 1 PUBLISH': {
    tool: 'pub',
    args: [...PUB, '-q', '1'],
    script: but((c, p) => p.cmd === 'publish' && (c.send({ cmd: 'pubrec', messageId: p.messageId }), true)),
    differs: unacked(PROTOCOL_ERROR),
  },
  'PUBREC with message id 0': {
    tool: 'pub',
    args: [...PUB, '-q', '2'],
    script: but((c, p) => p.cmd === 'publish' && (c.raw([0x50, 0x02, 0x00, 0x00]), true)),
    differs: unacked(PROTOCOL_ERROR),
  },
  'v5 PUBACK refusal with a reason string': {
    tool: 'pub',
    args: [...PUB, ...V5, '-q', '1'],
    script: but(
      (c, p) =>
        p.cmd === 'publish' &&
        (c.send({ cmd: 'puback', messageId: p.messageId, reasonCode: 0x87, properties: { reasonString: 'not today' } }),
        true),
    ),
  },
  'v5 PUBACK with a reason code MQTT does not have (5)': {
    tool: 'pub',
    args: [...PUB, ...V5, '-q', '1'],
    script: but((c, p) => p.cmd === 'publish' && (c.raw([0x40, 0x04, 0x00, p.messageId!, 0x05, 0x00]), true)),
  },
  'v5 PUBREC with a reason code MQTT does not have (5)': {
    tool: 'pub',
    args: [...PUB, ...V5, '-q', '2'],
    script: but((c, p) => p.cmd === 'publish' && (c.raw([0x50, 0x04, 0x00, p.messageId!, 0x05, 0x00]), true)),
  },
  'v5 UNSUBACK with a reason code MQTT does not have (5)': {
    tool: 'sub',
    args: [...SUB, ...V5, '-U', 'u', '-W', '2'],
    script: but((c, p) => p.cmd === 'unsubscribe' && (c.raw([0xb0, 0x04, 0x00, p.messageId!, 0x00, 0x05]), true)),
  },
  'v5 DISCONNECT with a reason code MQTT does not have (5)': {
    tool: 'pub',
    args: [...PUB, ...V5, '-q', '1'],
    script: but((c, p) => p.cmd === 'publish' && (c.raw([0xe0, 0x02, 0x05, 0x00]), true)),
    differs: unacked('Error: The client is not currently connected.\n'),
  },
  'v5 PUBACK refusing with a reason code MQTT does not have (0x85)': {
    tool: 'pub',
    args: [...PUB, ...V5, '-q', '1'],
    script: but((c, p) => p.cmd === 'publish' && (c.raw([0x40, 0x04, 0x00, p.messageId!, 0x85, 0x00]), true)),
  },
  'v5 CONNACK with a reason code MQTT does not have (5)': {
    tool: 'pub',
    args: [...PUB, ...V5],
    script: but((c, p) => p.cmd === 'connect' && (c.raw([0x20, 0x03, 0x00, 0x05, 0x00]), true)),
  },
  'v5 SUBACK with a reason code MQTT does not have (5)': {
    tool: 'sub',
    args: [...SUB, ...V5, '-W', '2'],
    script: but((c, p) => p.cmd === 'subscribe' && (c.raw([0x90, 0x04, 0x00, p.messageId!, 0x00, 0x05]), true)),
  },
  'PUBACK never comes (-k 5): tspub gives up after the keep-alive': {
    tool: 'pub',
    args: [...PUB, '-q', '1', '-k', '5'],
    script: but((_c, p) => p.cmd === 'publish' || p.cmd === 'pingreq'),
    timeoutMs: 15000,
    differs: unacked(UNKNOWN),
  },
  'PUBCOMP never comes (-k 5)': {
    tool: 'pub',
    args: [...PUB, '-q', '2', '-k', '5'],
    script: but((_c, p) => p.cmd === 'pubrel' || p.cmd === 'pingreq'),
    timeoutMs: 15000,
    differs: unacked(UNKNOWN),
  },
  'connection reset after PUBLISH': {
    tool: 'pub',
    args: [...PUB, '-q', '1'],
    script: but((c, p) => p.cmd === 'publish' && (c.reset(), true)),
    differs: unacked('Error: The connection was lost.\n'),
  },
};

describe('fake brokers', { concurrency: 8 }, () => {
  const fakes: Array<{ stop(): Promise<void> }> = [];
  after(async () => {
    await Promise.all(fakes.map((f) => f.stop()));
  });

  async function side(cmd: string, s: Scenario) {
    const fake = await startFakeBroker(s.script, s.accepted);
    fakes.push(fake);
    // Killed only well after the time it may take: on a loaded machine (and eight scenarios at
    // once) a run is slower, and a kill would show as a difference.
    const r = await run(cmd, ['-h', '127.0.0.1', '-p', String(fake.port), ...s.args], {
      input: s.input,
      timeoutMs: (s.timeoutMs ?? 8000) + 30000,
    });
    // What the client sent, up to its closing the connection (which the server may see a
    // little after the client has exited).
    await waitFor(
      () => fake.wire.filter((l) => l.endsWith(' closed')).length >= fake.connections,
      () => `every connection closed: ${fake.wire.join(', ')}`,
    );
    await fake.stop();
    return { code: r.signal ?? r.code, stderr: normalise(r.stderr), stdout: normalise(r.stdout), wire: [...fake.wire] };
  }

  for (const [name, s] of Object.entries(SCENARIOS)) {
    test(name, { skip }, async () => {
      const reference = () => side(s.tool === 'pub' ? MOSQUITTO_PUB! : MOSQUITTO_SUB!, s);
      let [ref, ours] = await Promise.all([reference(), side(bin(s.tool === 'pub' ? 'tspub' : 'tssub'), s)]);
      const other = s.racy?.alternative;
      for (
        let i = 0;
        i < 5 &&
        other &&
        Object.entries(other).every(([k, v]) => JSON.stringify(ref[k as keyof typeof ref]) === JSON.stringify(v));
        i++
      ) {
        ref = await reference();
      }
      const want = {
        ...ref,
        ...(s.differs ? Object.fromEntries(Object.entries(s.differs).filter(([k]) => k !== 'why')) : {}),
      };
      if (process.env.FAKE_SHOW) appendFileSync(process.env.FAKE_SHOW, JSON.stringify({ name, ref, ours }) + '\n');
      assert.deepEqual(ours, want);
    });
  }

  // tspub -l connects again, as mosquitto_pub -l does, unless --reconnect-for bounds the
  // time it may stay disconnected: with 0 it ends at once, with mosquitto's words and a count.
  for (const [what, script, code, stderr] of [
    ['stops answering', but((_c, p) => p.cmd === 'pingreq'), 19, 'Error: Unknown error.\n'],
    [
      'resets the connection',
      but((c, p) => p.cmd === 'pingreq' && (c.reset(), true)),
      7,
      'Error: The connection was lost.\nError: 0 messages were not acknowledged by the broker.\n',
    ],
  ] as const) {
    test(`tspub -l -k 5 --reconnect-for 0: a broker that ${what} ends it while it waits for input (status ${code})`, {
      skip,
      timeout: 30000,
    }, async () => {
      const fake = await startFakeBroker(script);
      const child = spawn(
        bin('tspub'),
        ['-h', '127.0.0.1', '-p', String(fake.port), '-t', 't', '-l', '-q', '1', '-k', '5', '--reconnect-for', '0'],
        { stdio: ['pipe', 'ignore', 'pipe'] },
      );
      child.stdin.write('one\n'); // and standard input stays open
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        err += d;
      });
      const status = await new Promise((resolve) => child.once('close', resolve));
      await fake.stop();
      assert.equal(status, code);
      assert.equal(err, stderr);
    });
  }

  test('tspub -l -k 5: a broker that resets the connection: tspub connects again and goes on with the next line', {
    skip,
    timeout: 30000,
  }, async () => {
    const fake = await startFakeBroker(but((c, p) => c.index === 1 && p.cmd === 'pingreq' && (c.reset(), true)));
    const child = spawn(
      bin('tspub'),
      ['-h', '127.0.0.1', '-p', String(fake.port), '-t', 't', '-l', '-q', '1', '-k', '5', '-d'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stdin.write('one\n');
    // The second connection's CONNECT, then a line sent on it.
    await waitFor(
      () => fake.wire.includes('2 CONNECT v4 k5 c1'),
      () => fake.wire.join(', '),
    );
    child.stdin.end('two\n');
    const status = await new Promise((resolve) => child.once('close', resolve));
    await fake.stop();
    assert.equal(status, 0, out);
    assert.deepEqual(
      fake.wire.filter((w) => !w.includes('PINGREQ')),
      [
        '1 CONNECT v4 k5 c1',
        "1 PUBLISH q1 m1 d0 r0 't' 3b",
        '1 closed',
        '2 CONNECT v4 k5 c1',
        "2 PUBLISH q1 m2 d0 r0 't' 3b",
        '2 DISCONNECT',
        '2 closed',
      ],
    );
    assert.match(
      out,
      /sending CONNECT\n.*received CONNACK \(0\)\n.*sending PUBLISH \(d0, q1, r0, m1, 't', \.\.\. \(3 bytes\)\)\n.*received PUBACK[^\n]*\n.*sending PINGREQ\n.*sending CONNECT\n.*received CONNACK \(0\)\n.*sending PUBLISH \(d0, q1, r0, m2, 't', \.\.\. \(3 bytes\)\)/s,
    );
  });
});
