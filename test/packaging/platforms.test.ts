// The ARM releases (linux-arm64: Raspberry Pi OS 64-bit and other aarch64 Linux; linux-armv7l:
// 32-bit Raspberry Pi OS) run under qemu-user here, from their unpacked archives, against an
// x86-64 mosquitto: --help and --version as the x86-64 build prints them, a QoS 0, 1 and 2
// round trip whose -d traces are byte for byte the x86-64 build's, and password files made by
// their tspasswd that mosquitto accepts. Each archive is built by the test (scripts/release.mjs
// functions) from this tree; qemu-user-static and the ARM C libraries come from Debian
// (.ci/run installs them; the test skips, saying which, without them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loginArgs, needMosquitto, startBroker, type Broker } from '../helpers/broker.ts';
import { buildRelease, cannotRun, onTarget, type Release } from '../helpers/release.ts';
import { run, type RunResult } from '../helpers/run.ts';

const ARM = ['linux-arm64', 'linux-armv7l'];
const skip = needMosquitto || ARM.map(cannotRun).find(Boolean) || false;
let dir: string;
let broker: Broker;
const releases: Record<string, Release> = {};

before(
  async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'tsmqtt-platforms-'));
    for (const target of ['linux-x64', ...ARM]) releases[target] = await buildRelease(target, join(dir, target));
    broker = await startBroker();
  },
  { timeout: 900000 },
);

after(async () => {
  await broker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs `tool` of `target`'s unpacked archive (its executable, under qemu for ARM). */
function tool(target: string, name: string, args: string[], input?: string): Promise<RunResult> {
  const [cmd, full] = onTarget(target, join(releases[target]!.unpacked, 'libexec', 'tsmqtt', name), args);
  return run(cmd, full, { timeoutMs: 120000, input, env: { ...process.env, XDG_CONFIG_HOME: join(dir, 'none') } });
}

const same = (a: RunResult, b: RunResult, what: string) => {
  assert.equal(a.stdout.toString(), b.stdout.toString(), `${what}: stdout`);
  assert.equal(a.stderr.toString(), b.stderr.toString(), `${what}: stderr`);
  assert.equal(a.code, b.code, `${what}: exit status`);
};

for (const target of ARM) {
  test(`${target} under qemu: --help and --version of each tool as the x86-64 build prints them`, {
    skip,
    timeout: 300000,
  }, async () => {
    for (const name of ['tspub', 'tssub', 'tsrr', 'tspasswd']) {
      for (const flag of ['--help', '--version']) {
        const [arm, x64] = [await tool(target, name, [flag]), await tool('linux-x64', name, [flag])];
        same(arm, x64, `${name} ${flag}`);
        if (name !== 'tspasswd' || flag === '--help')
          assert.match(arm.stdout.toString(), new RegExp(`^${name} `), `${name} ${flag}`);
      }
    }
  });

  test(`${target} under qemu: QoS 0, 1 and 2 round trips with an x86-64 mosquitto, -d traces identical to the x86-64 build's`, {
    skip,
    timeout: 600000,
  }, async () => {
    for (const qos of ['0', '1', '2']) {
      const topic = `platforms/${target}/q${qos}`;
      // A retained message, then a subscriber that takes it: no timing between the two runs.
      const publish = [
        '-h',
        '127.0.0.1',
        '-p',
        String(broker.port),
        '-t',
        topic,
        '-m',
        `hello at QoS ${qos}`,
        '-q',
        qos,
        '-r',
        '-d',
        '-i',
        'plat-pub',
      ];
      const subscribe = [
        '-h',
        '127.0.0.1',
        '-p',
        String(broker.port),
        '-t',
        topic,
        '-q',
        qos,
        '-C',
        '1',
        '-v',
        '-d',
        '-i',
        'plat-sub',
        '-W',
        '60',
      ];
      const armPub = await tool(target, 'tspub', publish);
      const armSub = await tool(target, 'tssub', subscribe);
      assert.equal(armPub.code, 0, armPub.stderr.toString());
      assert.match(armSub.stdout.toString(), new RegExp(`^${topic} hello at QoS ${qos}$`, 'm'));
      const x64Pub = await tool('linux-x64', 'tspub', publish);
      const x64Sub = await tool('linux-x64', 'tssub', subscribe);
      same(armPub, x64Pub, `tspub -q ${qos} -d`);
      same(armSub, x64Sub, `tssub -q ${qos} -d`);
      if (qos === '2') assert.match(armPub.stdout.toString(), /received PUBCOMP/);
    }
    // A refused connection ends both builds alike.
    const closed = ['-h', '127.0.0.1', '-p', '1', '-t', 't', '-m', 'x'];
    same(await tool(target, 'tspub', closed), await tool('linux-x64', 'tspub', closed), 'tspub to a closed port');
  });

  test(`${target} under qemu: password files made by its tspasswd are accepted by mosquitto`, {
    skip,
    timeout: 300000,
  }, async () => {
    const file = join(dir, `${target}.passwd`);
    const made = await tool(target, 'tspasswd', ['-c', '-b', file, 'alice', 'wonder land']);
    assert.equal(made.code, 0, made.stderr.toString());
    const add = await tool(target, 'tspasswd', ['-b', '-H', 'sha512', file, 'bob', 'secret']);
    assert.equal(add.code, 0, add.stderr.toString());
    assert.match(readFileSync(file, 'utf8'), /^alice:\$7\$[^\n]+\nbob:\$6\$[^\n]+\n$/);
    const auth = await startBroker({ passwordFile: file });
    try {
      for (const [user, pw] of [
        ['alice', 'wonder land'],
        ['bob', 'secret'],
      ]) {
        const ok = await tool(target, 'tspub', [...loginArgs(auth.port, user!, pw!), '-q', '1']);
        assert.equal(ok.code, 0, `${user}: ${ok.stderr}`);
      }
      const wrong = loginArgs(auth.port, 'alice', 'wrong');
      const refused = await tool(target, 'tspub', wrong);
      assert.match(refused.stderr.toString(), /^Connection error: Connection Refused: not authorised\.\n/);
      assert.equal(refused.code, 5);
      same(refused, await tool('linux-x64', 'tspub', wrong), 'a wrong password');
    } finally {
      await auth.stop();
    }
  });
}
