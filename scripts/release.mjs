// The release archive dist/tsmqtt-<version>-linux-x64.tar.gz, made from the single executable
// (scripts/sea.mjs): laid out as a prefix, to unpack into /usr/local or ~/.local:
//   bin/<tool>                     launchers (sh): keep the signals the caller left ignored
//   libexec/tsmqtt/tsmqtt          the single executable, every tool in it; <tool> links to it
//   share/man/man1/<tool>.1        the man pages
//   share/bash-completion/completions/<tool>, share/zsh/site-functions/_tsmqtt,
//   share/fish/vendor_completions.d/<tool>.fish   completion, made from the option tables
//   share/doc/tsmqtt/README        what this is and how to install it
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleOptions, root } from './bundle-options.mjs';

const TOOLS = ['tspub', 'tssub', 'tsrr', 'tspasswd'];
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;

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

/** Writes the completion scripts under `share` (a prefix's share/). */
export async function writeCompletions(share) {
  const c = await completions();
  for (const d of ['bash-completion/completions', 'zsh/site-functions', 'fish/vendor_completions.d']) mkdirSync(join(share, d), { recursive: true });
  for (const t of TOOLS) {
    writeFileSync(join(share, 'bash-completion', 'completions', t), c.bashCompletion(t));
    writeFileSync(join(share, 'fish', 'vendor_completions.d', `${t}.fish`), c.fishCompletion(t));
  }
  writeFileSync(join(share, 'zsh', 'site-functions', '_tsmqtt'), c.zshCompletion());
}

const README = `tsmqtt ${version} for Linux x86-64: tspub, tssub, tsrr and tspasswd, drop-in
equivalents of mosquitto_pub, mosquitto_sub, mosquitto_rr and mosquitto_passwd 2.0.11.
No Node.js needed: the tools are one single executable (libexec/tsmqtt/tsmqtt).

Install (into /usr/local; or ~/.local, with ~/.local/bin on PATH):
  sudo tar -xzf tsmqtt-${version}-linux-x64.tar.gz -C /usr/local --strip-components=1
Then: man tspub. Shell completion is found where the archive puts it by bash (with the
bash-completion package), zsh (share/zsh/site-functions on $fpath) and fish; or by hand:
  source /usr/local/share/bash-completion/completions/tspub
Uninstall: remove bin/{tspub,tssub,tsrr,tspasswd}, libexec/tsmqtt, share/man/man1/ts*.1 and
the completion files listed by tar -tzf.
`;

/** Builds the archive from the executables in `sea` (dist/sea); returns its path. */
export async function release(sea) {
  const name = `tsmqtt-${version}-linux-x64`;
  const stage = mkdtempSync(join(tmpdir(), 'tsmqtt-release-'));
  const top = join(stage, name);
  try {
    const libexec = join(top, 'libexec', 'tsmqtt');
    for (const d of ['bin', 'share/man/man1', 'share/doc/tsmqtt']) mkdirSync(join(top, d), { recursive: true });
    mkdirSync(libexec, { recursive: true });
    copyFileSync(join(sea, 'tsmqtt'), join(libexec, 'tsmqtt'));
    chmodSync(join(libexec, 'tsmqtt'), 0o755);
    for (const t of TOOLS) {
      symlinkSync('tsmqtt', join(libexec, t));
      writeFileSync(join(top, 'bin', t), launcher(t), { mode: 0o755 });
      copyFileSync(join(root, 'man', `${t}.1`), join(top, 'share', 'man', 'man1', `${t}.1`));
    }
    await writeCompletions(join(top, 'share'));
    writeFileSync(join(top, 'share', 'doc', 'tsmqtt', 'README'), README);
    const archive = join(root, 'dist', `${name}.tar.gz`);
    const r = spawnSync('tar', ['-czf', archive, '--owner=0', '--group=0', '-C', stage, name], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tar: ${r.stderr}`);
    console.log(`${archive}`);
    return archive;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
