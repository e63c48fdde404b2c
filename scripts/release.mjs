// The release: for each platform (scripts/targets.mjs) its single executables (sea.mjs) and an
// archive, plus a Debian package for each Linux one:
//   dist/tsmqtt-<version>-linux-x64.tar.gz, -linux-arm64.tar.gz, -linux-armv7l.tar.gz
//   dist/tsmqtt-<version>-win-x64.zip
//   dist/tsmqtt-clients_<version>_amd64.deb, _arm64.deb, _armhf.deb
// A Linux archive is laid out as a prefix, to unpack into /usr/local or ~/.local:
//   bin/<tool>                     launchers (sh): keep the signals the caller left ignored
//   libexec/tsmqtt/tsmqtt          the single executable, every tool in it; <tool> links to it
//   share/man/man1/<tool>.1        the man pages
//   share/bash-completion/completions/<tool>, share/zsh/site-functions/_tsmqtt,
//   share/fish/vendor_completions.d/<tool>.fish   completion, made from the option tables
//   share/doc/tsmqtt/README, LICENSE.node   what this is and how to install it; Node's licence
// The Windows one: tspub.exe, tssub.exe, tsrr.exe, tspasswd.exe, README.txt, LICENSE.node.txt
// and bash completion (Git Bash, MSYS2). The .deb has the Linux layout under /usr, with
// Debian's places for man pages and completion (docs/platforms.md, "Debian package").
// Needs (apt-get): zip, dpkg-dev (dpkg-deb), binutils and the ARM ones (strip), and
// qemu-user-static with the ARM C libraries (runnerPackages() in targets.mjs) to make the
// ARM blobs. Usage: node scripts/release.mjs [--target T ...] [--start S]
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  lstatSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { bundleOptions, root } from './bundle-options.mjs';
import { ALL_TARGETS, PINS, TARGETS, nodeLicence } from './targets.mjs';

const TOOLS = ['tspub', 'tssub', 'tsrr', 'tspasswd'];
export const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
export const DEB_NAME = 'tsmqtt-clients';
const dist = join(root, 'dist');

/** Where a target's executables are built: dist/sea for this machine's, dist/sea-<target> else. */
export const seaDir = (target) => join(dist, target === 'linux-x64' ? 'sea' : `sea-${target}`);
export const archiveName = (target) =>
  `tsmqtt-${version}-${target}${TARGETS[target].os === 'win' ? '.zip' : '.tar.gz'}`;
export const debName = (target) => `${DEB_NAME}_${version}_${TARGETS[target].deb}.deb`;

/**
 * The launcher of one tool. Node resets every signal its caller left ignored before any of
 * its code runs, in a single executable too: sh notes them first (as bin/<tool> of the npm
 * package does) and hands them over in TSMQTT_SIGIGN.
 */
export const launcher = (tool) => `#!/bin/sh
# ${tool}: runs the single executable with the signals the caller left ignored handed over
# (nohup, a script's background job): Node would reset them to their defaults.
d=\${0%/*}/../libexec/tsmqtt
[ -x "$d/${tool}" ] || d=$(dirname -- "$(readlink -f -- "$0")")/../libexec/tsmqtt
while read -r k v; do case $k in SigIgn:) break;; esac; done 2>/dev/null </proc/$$/status
TSMQTT_SIGIGN=$v exec "$d/${tool}" "$@"
`;

/** The completion scripts, from the option tables (src/completion.ts, bundled for the occasion). */
export async function completions() {
  const dir = mkdtempSync(join(tmpdir(), 'tsmqtt-completion-'));
  try {
    await build(bundleOptions({ entryPoints: { completion: join(root, 'src', 'completion.ts') }, outdir: dir }));
    return createRequire(import.meta.url)(join(dir, 'completion.cjs'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes the completion scripts under `share` (a prefix's share/); zsh's directory under it. */
export async function writeCompletions(share, zshDir = 'zsh/site-functions') {
  const c = await completions();
  for (const d of ['bash-completion/completions', zshDir, 'fish/vendor_completions.d'])
    mkdirSync(join(share, d), { recursive: true });
  for (const t of TOOLS) {
    writeFileSync(join(share, 'bash-completion', 'completions', t), c.bashCompletion(t));
    writeFileSync(join(share, 'fish', 'vendor_completions.d', `${t}.fish`), c.fishCompletion(t));
  }
  writeFileSync(join(share, zshDir, '_tsmqtt'), c.zshCompletion());
}

const WHAT = `tspub, tssub, tsrr and tspasswd: drop-in
equivalents of mosquitto_pub, mosquitto_sub, mosquitto_rr and mosquitto_passwd 2.0.11.`;

const PLATFORM = {
  'linux-x64': 'Linux x86-64',
  'linux-arm64': 'Linux ARM 64-bit (aarch64)',
  'linux-armv7l': 'Linux ARM 32-bit (armv7l, hard float)',
  'win-x64': 'Windows x64',
};

function readme(target) {
  const node = `Node.js ${PINS[target].version} (${PINS[target].package} on the npm registry; its licence: LICENSE.node)`;
  if (TARGETS[target].os === 'win') {
    return `tsmqtt ${version} for ${PLATFORM[target]}: ${WHAT}
No Node.js needed: each tool is a single executable made from ${node}.

Install: unpack the folder anywhere and put it on PATH (System Properties, Environment
Variables), or call the tools by their path. Windows 10 or later.
Defaults file: %USERPROFILE%\\mosquitto_pub.conf (mosquitto_sub.conf, mosquitto_rr.conf),
one option per line, where mosquitto's Windows tools read it.
Standard input and output are binary-safe: tssub writes LF line ends and the payload bytes
unchanged, tspub -s/-f send the bytes as they are; tspub -l ends a line at LF or CRLF.
Not on Windows: a -P password cannot be hidden from the process list (any process of the
same user, and administrators, can read a command line): use the defaults file or -o.
The executables carry no valid signature (Node's is broken by adding the tools to it).
completion/: bash completion for Git Bash and MSYS2 (source completion/tspub).
`.replace(/\n/g, '\r\n');
  }
  return `tsmqtt ${version} for ${PLATFORM[target]}: ${WHAT}
No Node.js needed: the tools are one single executable (libexec/tsmqtt/tsmqtt), made from
${node}.

Install (into /usr/local; or ~/.local, with ~/.local/bin on PATH):
  sudo tar -xzf ${archiveName(target)} -C /usr/local --strip-components=1
Then: man tspub. Shell completion is found where the archive puts it by bash (with the
bash-completion package), zsh (share/zsh/site-functions on $fpath) and fish; or by hand:
  source /usr/local/share/bash-completion/completions/tspub
Uninstall: remove bin/{tspub,tssub,tsrr,tspasswd}, libexec/tsmqtt, share/man/man1/ts*.1 and
the completion files listed by tar -tzf.
On Debian and Raspberry Pi OS the .deb does the same: apt install ./${debName(target)}
`;
}

/** Lays out a Linux prefix (bin, libexec, share) under `top` from the executables in `sea`. */
async function linuxTree(sea, top, { manGz = false, zshDir = 'zsh/site-functions', doc = 'tsmqtt' } = {}) {
  const libexec = join(top, 'libexec', 'tsmqtt');
  for (const d of ['bin', 'share/man/man1', `share/doc/${doc}`]) mkdirSync(join(top, d), { recursive: true });
  mkdirSync(libexec, { recursive: true });
  copyFileSync(join(sea, 'tsmqtt'), join(libexec, 'tsmqtt'));
  chmodSync(join(libexec, 'tsmqtt'), 0o755);
  for (const t of TOOLS) {
    symlinkSync('tsmqtt', join(libexec, t));
    writeFileSync(join(top, 'bin', t), launcher(t), { mode: 0o755 });
    const man = readFileSync(join(root, 'man', `${t}.1`));
    if (manGz) writeFileSync(join(top, 'share', 'man', 'man1', `${t}.1.gz`), gzipSync(man, { level: 9 }));
    else writeFileSync(join(top, 'share', 'man', 'man1', `${t}.1`), man);
  }
  await writeCompletions(join(top, 'share'), zshDir);
}

/** Builds `target`'s archive from its executables in `sea` into `outDir`; returns its path. */
export async function archive(target, sea = seaDir(target), outDir = dist) {
  const name = archiveName(target).replace(/\.(zip|tar\.gz)$/, '');
  const stage = mkdtempSync(join(tmpdir(), 'tsmqtt-release-'));
  const top = join(stage, name);
  const out = join(outDir, archiveName(target));
  rmSync(out, { force: true });
  try {
    if (TARGETS[target].os === 'win') {
      mkdirSync(join(top, 'completion'), { recursive: true });
      for (const t of TOOLS) copyFileSync(join(sea, `${t}.exe`), join(top, `${t}.exe`));
      const c = await completions();
      for (const t of TOOLS) writeFileSync(join(top, 'completion', t), c.bashCompletion(t));
      writeFileSync(join(top, 'README.txt'), readme(target));
      writeFileSync(join(top, 'LICENSE.node.txt'), nodeLicence(target).replace(/\r?\n/g, '\r\n'));
      must('zip', ['-q', '-r', '-9', '-X', out, name], stage);
    } else {
      await linuxTree(sea, top);
      writeFileSync(join(top, 'share', 'doc', 'tsmqtt', 'README'), readme(target));
      writeFileSync(join(top, 'share', 'doc', 'tsmqtt', 'LICENSE.node'), nodeLicence(target));
      must('tar', ['-czf', out, '--owner=0', '--group=0', '-C', stage, name]);
    }
    console.log(out);
    return out;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------
// The Debian package

/** Debian's package for each library the Node binary links to. */
const SONAME_PACKAGE = {
  'libc.so.6': 'libc6',
  'libm.so.6': 'libc6',
  'libdl.so.2': 'libc6',
  'libpthread.so.0': 'libc6',
  'libstdc++.so.6': 'libstdc++6',
  'libgcc_s.so.1': 'libgcc-s1',
  'libatomic.so.1': 'libatomic1',
};

/**
 * Depends: from the executable's own ELF (readelf): a package per library it links to, libc6
 * at least the newest GLIBC symbol version it uses, libstdc++6 at least the GCC whose
 * GLIBCXX version it needs. (dpkg-shlibdeps would need each architecture's packages installed.)
 */
export function debDepends(exe) {
  const dyn = must('readelf', ['-d', exe]);
  const libs = [...dyn.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)]
    .map((m) => m[1])
    .filter((l) => !l.startsWith('ld-linux'));
  const versions = must('readelf', ['-V', exe]);
  const newest = (prefix) =>
    [...versions.matchAll(new RegExp(`${prefix}_([0-9.]+)`, 'g'))]
      .map((m) => m[1])
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
      .pop();
  const glibcxx = Number(newest('GLIBCXX')?.split('.')[2] ?? 0);
  // GLIBCXX_3.4.N came with: 21 GCC 5, 26 GCC 9, 28 GCC 10, 29 GCC 11, 30 GCC 12.
  const gcc = glibcxx >= 30 ? 12 : glibcxx >= 29 ? 11 : glibcxx >= 28 ? 10 : glibcxx >= 26 ? 9 : 5;
  const minimum = {
    libc6: newest('GLIBC') && `>= ${newest('GLIBC')}`,
    'libstdc++6': `>= ${gcc}`,
    'libgcc-s1': '>= 3.0',
  };
  const packages = [];
  for (const lib of libs) {
    const p = SONAME_PACKAGE[lib];
    if (!p) throw new Error(`${exe} links to ${lib}: no Debian package known for it (release.mjs SONAME_PACKAGE)`);
    if (!packages.includes(p)) packages.push(p);
  }
  // libgcc-s1 is libgcc1 before Debian 11.
  return packages
    .map((p) => (minimum[p] ? `${p} (${minimum[p]})` : p))
    .join(', ')
    .replace('libgcc-s1 (>= 3.0)', 'libgcc-s1 (>= 3.0) | libgcc1');
}

const COPYRIGHT = (target) => `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: tsmqtt-clients
Comment: The tools are TypeScript bundled with the libraries they use and made into one
 single executable with Node.js ${PINS[target].version}, whose full licence text (Node.js and
 the libraries in it: V8, OpenSSL, ICU, libuv, zlib, ...) is in
 /usr/share/doc/${DEB_NAME}/LICENSE.node.

Files: *
Copyright: 2026 tsmqtt-clients contributors
License: MIT

Files: usr/libexec/tsmqtt/*
Copyright: 2026 tsmqtt-clients contributors
 2009-2026 Node.js contributors
 The MQTT.js, mqtt-packet, chalk, ws, socks, hash-wasm and bl authors
 Daniel Wirtz (bcryptjs)
License: MIT and BSD-3-Clause
Comment: Node.js's licence and those of the libraries it carries: LICENSE.node.
 bcryptjs is BSD-3-Clause, the other libraries MIT.

License: MIT
 Permission is hereby granted, free of charge, to any person obtaining a copy of this
 software and associated documentation files (the "Software"), to deal in the Software
 without restriction, including without limitation the rights to use, copy, modify, merge,
 publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons
 to whom the Software is furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included in all copies or
 substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
 INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR
 PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE
 FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
 OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
 DEALINGS IN THE SOFTWARE.

License: BSD-3-Clause
 Redistribution and use in source and binary forms, with or without modification, are
 permitted provided that the following conditions are met:
 1. Redistributions of source code must retain the above copyright notice, this list of
 conditions and the following disclaimer.
 2. Redistributions in binary form must reproduce the above copyright notice, this list of
 conditions and the following disclaimer in the documentation and/or other materials
 provided with the distribution.
 3. Neither the name of the copyright holder nor the names of its contributors may be used
 to endorse or promote products derived from this software without specific prior written
 permission.
 .
 THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY EXPRESS
 OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF
 MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE
 COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL,
 EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF
 SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION)
 HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR
 TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS
 SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
`;

const MAINTAINER = 'tsmqtt-clients maintainers <tsmqtt-clients@users.noreply.github.com>';

/** The package's changelog: this version, dated as the commit it is built from. */
function changelog() {
  const date =
    spawnSync('git', ['log', '-1', '--format=%aD'], { cwd: root, encoding: 'utf8' }).stdout.trim() ||
    new Date().toUTCString().replace('GMT', '+0000');
  return `${DEB_NAME} (${version}) unstable; urgency=medium

  * Release ${version}: tspub, tssub, tsrr and tspasswd as one single executable.

 -- ${MAINTAINER}  ${date}
`;
}

/**
 * What lintian says of the executable that cannot change: it is Node's own binary (as the
 * npm registry has it) with the tools added, so it is built as Node builds it.
 */
const LINTIAN_OVERRIDES = `# Node.js links its own copy of zlib into its binary (node:zlib); the single executable is
# that binary with the tools added.
${DEB_NAME}: embedded-library zlib [usr/libexec/tsmqtt/tsmqtt]
# Node.js's Linux binaries are not position-independent executables; the single executable
# is one of them, stripped, with the tools added as an ELF note: its code is Node's as built.
${DEB_NAME}: hardening-no-pie [usr/libexec/tsmqtt/tsmqtt]
`;

/** Builds the Debian package of a Linux `target` from its executables in `sea` into `outDir`; its path. */
export async function deb(target, sea = seaDir(target), outDir = dist) {
  const stage = mkdtempSync(join(tmpdir(), 'tsmqtt-deb-'));
  const out = join(outDir, debName(target));
  try {
    const usr = join(stage, 'usr');
    const doc = join(usr, 'share', 'doc', DEB_NAME);
    await linuxTree(sea, usr, { manGz: true, zshDir: 'zsh/vendor-completions', doc: DEB_NAME });
    writeFileSync(join(doc, 'copyright'), COPYRIGHT(target));
    writeFileSync(join(doc, 'LICENSE.node'), nodeLicence(target));
    writeFileSync(join(doc, 'changelog.gz'), gzipSync(changelog(), { level: 9 }));
    mkdirSync(join(usr, 'share', 'lintian', 'overrides'), { recursive: true });
    writeFileSync(join(usr, 'share', 'lintian', 'overrides', DEB_NAME), LINTIAN_OVERRIDES);
    // What the package's files are, for dpkg --verify (md5sums) and the Installed-Size.
    const files = walk(stage).filter((f) => !lstatSync(f).isDirectory());
    let bytes = 0;
    const sums = files
      .filter((f) => !lstatSync(f).isSymbolicLink())
      .map((f) => {
        const data = readFileSync(f);
        bytes += data.length;
        chmodSync(f, statSync(f).mode & 0o111 ? 0o755 : 0o644);
        return `${createHash('md5').update(data).digest('hex')}  ${relative(stage, f)}\n`;
      });
    for (const d of walk(stage).filter((f) => lstatSync(f).isDirectory())) chmodSync(d, 0o755);
    mkdirSync(join(stage, 'DEBIAN'));
    writeFileSync(join(stage, 'DEBIAN', 'md5sums'), sums.join(''));
    writeFileSync(
      join(stage, 'DEBIAN', 'control'),
      `Package: ${DEB_NAME}
Version: ${version}
Architecture: ${TARGETS[target].deb}
Maintainer: ${MAINTAINER}
Installed-Size: ${Math.ceil(bytes / 1024)}
Depends: ${debDepends(join(sea, 'tsmqtt'))}
Section: net
Priority: optional
Description: MQTT command-line clients: tspub, tssub, tsrr, tspasswd
 Drop-in equivalents of mosquitto_pub, mosquitto_sub, mosquitto_rr and
 mosquitto_passwd 2.0.11 (the same flags, output, error messages, exit statuses,
 -d packet traces and password file formats), which lose no message when a
 broker restarts, never hang, and keep -P out of the process list.
 .
 The four tools are one single executable (Node.js ${PINS[target].version} with the tools built
 in): no Node.js package is needed. They install beside mosquitto-clients.
`,
    );
    rmSync(out, { force: true });
    must('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, out]);
    console.log(out);
    return out;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? [p, ...walk(p)] : [p];
  });
}

function must(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error)
    throw new Error(
      `${cmd}: ${r.error.message} (apt-get install ${{ zip: 'zip', 'dpkg-deb': 'dpkg-dev', readelf: 'binutils' }[cmd] ?? cmd})`,
    );
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Every target's executables, archive and (Linux) .deb; the bundle is made once. */
export async function release(targets = ALL_TARGETS, start) {
  const { buildSea, bundleSea, DEFAULT_START } = await import('./sea.mjs');
  start ??= DEFAULT_START;
  const work = mkdtempSync(join(tmpdir(), 'tsmqtt-release-bundle-'));
  const made = [];
  try {
    const bundle = await bundleSea(work);
    for (const target of targets) {
      const size = await buildSea(seaDir(target), start, target, bundle);
      console.log(
        `${relative(root, seaDir(target))}: ${(size / 1e6).toFixed(1)} MB each executable (${target}, Node ${PINS[target].version}, ${start} start-up)`,
      );
      made.push(await archive(target));
      if (TARGETS[target].os === 'linux') made.push(await deb(target));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return made;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const targets = process.argv.flatMap((a, i) => (a === '--target' ? [process.argv[i + 1]] : []));
  for (const t of targets) if (!TARGETS[t]) throw new Error(`--target ${t}: one of ${ALL_TARGETS.join(', ')}`);
  const i = process.argv.indexOf('--start');
  await release(targets.length ? targets : ALL_TARGETS, i > 0 ? process.argv[i + 1] : undefined);
}
