// Runs a command on a pseudo-terminal (python3's pty module) and answers its prompts: each
// time the output shows the prompt once more and the terminal's echo is off (the program is
// reading a secret: the master side reads the terminal's modes), the next answer is typed.
import { spawnSync } from 'node:child_process';
import { run } from './run.ts';

const PTY = `
import os, pty, sys, select, json, time, base64, termios
answers = json.loads(sys.argv[1]); marker = sys.argv[2].encode(); argv = sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
def echo_off():
    try:
        return not (termios.tcgetattr(fd)[3] & termios.ECHO)
    except termios.error:
        return True
out = b''; sent = 0; end = time.time() + 60; shown = None
while time.time() < end:
    if sent < len(answers) and out.count(marker) > sent:
        shown = shown or time.time()
        # Typed once echo is off; after 5 s regardless (the output then shows the echo).
        if echo_off() or time.time() - shown > 5:
            os.write(fd, answers[sent].encode()); sent += 1; shown = None
    r, _, _ = select.select([fd], [], [], 0.05)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
_, status = os.waitpid(pid, 0)
print(json.dumps({'out': base64.b64encode(out).decode(), 'status': os.waitstatus_to_exitcode(status)}))
`;

/** Whether python3 with its pty module is here (the skip reason otherwise). */
export const needPty: string | false =
  spawnSync('python3', ['-c', 'import pty'], { encoding: 'utf8' }).status === 0 ? false : 'python3 with pty is needed';

/** Runs `sh -c command` on a terminal; `answers` are typed after each `prompt` shown. */
export async function onTerminal(
  answers: string[],
  command: string,
  prompt = 'assword: ',
): Promise<{ out: string; status: number }> {
  // NO_COLOR: on a terminal the tools colour their output (src/colour.ts), mosquitto's do not;
  // a command that wants colour unsets it (test/features/colour.test.ts).
  const r = await run('python3', ['-c', PTY, JSON.stringify(answers), prompt, 'sh', '-c', command], {
    timeoutMs: 70000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  const { out, status } = JSON.parse(r.stdout.toString());
  return { out: Buffer.from(out, 'base64').toString('latin1'), status };
}
