// A platform's release built for a test into its own folder (the tests of several platforms
// may run at once): the executables, the archive (unpacked) and, for Linux, the .deb; and how
// to run that platform's programs here (natively, qemu-user, wine).
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error: plain JavaScript build scripts, no types
import { buildSea, bundleSea, DEFAULT_START } from '../../scripts/sea.mjs';
// @ts-expect-error: plain JavaScript build scripts, no types
import { archive, deb } from '../../scripts/release.mjs';
// @ts-expect-error: plain JavaScript build scripts, no types
import { runner, runnerPackages, TARGETS } from '../../scripts/targets.mjs';

export interface Release {
  target: string;
  /** The executables as built (dist/sea's layout). */
  sea: string;
  archive: string;
  /** The archive unpacked (its top folder). */
  unpacked: string;
  deb?: string;
}

/** Why `target`'s programs cannot run here (the packages to install), or false. */
export function cannotRun(target: string): string | false {
  return runner(target) === undefined
    ? `${target} programs cannot run here: apt-get install ${runnerPackages(target).join(' ')}`
    : false;
}

/** Builds `target`'s executables, archive and .deb into `dir` and unpacks the archive there. */
export async function buildRelease(target: string, dir: string, withDeb = false): Promise<Release> {
  const sea = join(dir, 'sea');
  const bundle = await bundleSea(join(dir, 'bundle'));
  await buildSea(sea, DEFAULT_START, target, bundle);
  const out = join(dir, 'out');
  mkdirSync(out, { recursive: true });
  const made = await archive(target, sea, out);
  const unpacked = join(dir, 'unpacked');
  mkdirSync(unpacked);
  const isZip = made.endsWith('.zip');
  const x = isZip
    ? spawnSync('unzip', ['-q', made, '-d', unpacked])
    : spawnSync('tar', ['-xzf', made, '-C', unpacked, '--strip-components=1']);
  if (x.status !== 0) throw new Error(`unpacking ${made}: ${x.stderr}`);
  return {
    target,
    sea,
    archive: made,
    unpacked: isZip
      ? join(
          unpacked,
          made
            .split('/')
            .pop()!
            .replace(/\.zip$/, ''),
        )
      : unpacked,
    deb: withDeb && TARGETS[target].os === 'linux' ? await deb(target, sea, out) : undefined,
  };
}

/** The command line that runs `program` (a file of `target`) with `args` here. */
export function onTarget(target: string, program: string, args: string[]): [string, string[]] {
  const [cmd, ...pre] = [...runner(target), program];
  return [cmd!, [...pre, ...args]];
}
