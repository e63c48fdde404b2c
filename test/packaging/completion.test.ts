// zsh and fish completion, as the release archive and the .deb install it (made from the
// option tables by scripts/release.mjs), asked the same questions as bash's in
// test/packaging/sea.test.ts: a flag's only match completed, several listed, a flag only another tool
// takes not offered, the values of -V, --tls-version and tspasswd's -H, files for --cafile.
// fish answers with `complete -C`; zsh completes only in its line editor, so it runs in a
// tmux pane (started and stopped by the test through its own socket) and the screen is read
// once a marker typed after the Tab shows (keys are handled in order). zsh, fish and tmux
// are Debian packages (.ci/run installs them; the tests skip without them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: plain JavaScript build scripts, no types
import { writeCompletions } from '../../scripts/release.mjs';
import { run } from '../helpers/run.ts';
import { waitFor } from '../helpers/wait.ts';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const noFish = !has('fish') && 'fish is not installed (apt-get install fish)';
const noZsh =
  (!has('zsh') && 'zsh is not installed (apt-get install zsh)') ||
  (!has('tmux') && 'tmux is not installed (apt-get install tmux)');
let dir: string;
let share: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tsmqtt-completion-'));
  share = join(dir, 'share');
  await writeCompletions(share, 'zsh/vendor-completions');
  // Files for --cafile to complete.
  mkdirSync(join(dir, 'work'));
  for (const f of ['ca.crt', 'ca.key', 'client.crt']) writeFileSync(join(dir, 'work', f), '');
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** fish's answers for a command line (`complete -C`): the words offered, sorted. */
function fish(tool: string, line: string): string[] {
  const script = `source ${join(share, 'fish', 'vendor_completions.d', `${tool}.fish`)}; complete -C ${JSON.stringify(line)}`;
  const r = spawnSync('fish', ['--no-config', '-c', script], { cwd: join(dir, 'work'), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t')[0]!)
    .sort();
}

test('fish: flags, values and files as bash completes them', { skip: noFish }, () => {
  assert.deepEqual(fish('tspub', 'tspub --tls-v'), ['--tls-version']);
  assert.deepEqual(fish('tspub', 'tspub --tl'), ['--tls-alpn', '--tls-keylog', '--tls-use-os-certs', '--tls-version']);
  assert.deepEqual(fish('tspub', 'tspub --ti'), []);
  assert.deepEqual(fish('tssub', 'tssub -V '), ['31', '311', '5', 'mqttv31', 'mqttv311', 'mqttv5']);
  assert.deepEqual(fish('tssub', 'tssub --tls-version tlsv1.'), ['tlsv1.1', 'tlsv1.2', 'tlsv1.3']);
  assert.deepEqual(fish('tspub', 'tspub --cafile ca.'), ['ca.crt', 'ca.key']);
  // A flag only tssub takes is not offered for tspub, and the other way round.
  assert.deepEqual(fish('tspub', 'tspub --retained-o'), []);
  assert.deepEqual(fish('tssub', 'tssub --retained-o'), ['--retained-only']);
  assert.deepEqual(fish('tssub', 'tssub --repe'), []);
  assert.deepEqual(fish('tspasswd', 'tspasswd -H '), ['argon2id', 'bcrypt', 'sha512', 'sha512-pbkdf2']);
  // A word that is not a flag: nothing for the clients, files for tspasswd's password file.
  assert.deepEqual(fish('tspub', 'tspub -t topic cl'), []);
  assert.deepEqual(fish('tspasswd', 'tspasswd -b cl'), ['client.crt']);
});

test('zsh (in tmux): flags, values and files as bash completes them', { skip: noZsh, timeout: 120000 }, async () => {
  const zdot = join(dir, 'zdot');
  mkdirSync(zdot);
  writeFileSync(
    join(zdot, '.zshrc'),
    `fpath=(${join(share, 'zsh', 'vendor-completions')} $fpath)\nautoload -U compinit && compinit -u -D\nPS1='%% '\n`,
  );
  const sock = join(dir, 'tmux.sock');
  const tmux = (...args: string[]) => run('tmux', ['-S', sock, ...args]);
  const screen = async () => (await tmux('capture-pane', '-p')).stdout.toString();
  const until = async (what: (s: string) => boolean, why: string) => {
    let s = '';
    return waitFor(
      async () => {
        s = await screen();
        return what(s) ? s : '';
      },
      () => `${why}; the screen:\n${s}`,
      30000,
      50,
    );
  };
  /** The screen after typing `line`, a Tab (or two) and a marker: the line as completed, and any list. */
  let n = 0;
  const complete = async (line: string, tabs = 1) => {
    const marker = `#END${++n}`;
    await tmux('send-keys', 'C-u', 'C-l', line, ...Array(tabs).fill('Tab'), ` ${marker}`);
    const s = await until((x) => x.includes(marker), `${marker} after "${line}"`);
    return s.split('\n').filter((l) => l.trim() !== '');
  };
  await tmux('new-session', '-d', '-x', '200', '-y', '50', '-c', join(dir, 'work'), `ZDOTDIR=${zdot} zsh -i`);
  try {
    await until((s) => /^%$/m.test(s), 'the zsh prompt'); // (capture-pane drops its trailing space)
    assert.equal((await complete('tspub --tls-v'))[0], '% tspub --tls-version #END1');
    // The first Tab inserts what the matches share (--tls-), the second lists them.
    const tl = await complete('tspub --tl', 2);
    assert.equal(tl[0], '% tspub --tls- #END2');
    for (const f of ['--tls-alpn', '--tls-keylog', '--tls-use-os-certs', '--tls-version'])
      assert.ok(
        tl.some((l) => l.startsWith(`${f} `)),
        `${f} listed: ${tl.join('\n')}`,
      );
    assert.deepEqual(await complete('tspub --ti'), ['% tspub --ti #END3']);
    const v = await complete('tssub -V ');
    assert.deepEqual(v.slice(1).join(' ').split(/\s+/).filter(Boolean).sort(), [
      '31',
      '311',
      '5',
      'mqttv31',
      'mqttv311',
      'mqttv5',
    ]);
    assert.equal((await complete('tssub --tls-version tlsv1.3'))[0], '% tssub --tls-version tlsv1.3 #END5');
    assert.equal((await complete('tspub --cafile cl'))[0], '% tspub --cafile client.crt #END6');
    assert.deepEqual(await complete('tspub --retained-o'), ['% tspub --retained-o #END7']);
    assert.equal((await complete('tssub --retained-o'))[0], '% tssub --retained-only #END8');
    const h = await complete('tspasswd -H ');
    assert.deepEqual(h.slice(1).join(' ').split(/\s+/).filter(Boolean).sort(), [
      'argon2id',
      'bcrypt',
      'sha512',
      'sha512-pbkdf2',
    ]);
    assert.equal((await complete('tspasswd -b cl'))[0], '% tspasswd -b client.crt #END10');
  } finally {
    await tmux('kill-server');
  }
});
