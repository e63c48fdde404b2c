// tsrr {[-h host] [-p port] [-u user] [-P pw] -t topic | -L URL} -e response-topic {-f file | -n | -m message | -s} [-W secs] [-F format] [...]
import { runTool, stderr } from './cli.ts';
import { clientCommandLine } from './client-main.ts';
import { clientHelp } from './help.ts';
import { resolvePassword } from './password.ts';
import { loadPayload } from './input.ts';
import { checkRequest } from './options/checks.ts';
import { FORMAT_CHECK, messageFormatter, TIMED_OUT_STATUS } from './receiving.ts';
import type { Requester } from './request.ts';

let quiet = false;
let requester: Requester | undefined;

async function main(): Promise<number> {
  const cfg = clientCommandLine('rr', FORMAT_CHECK);
  if (!cfg) return 1;
  quiet = cfg.quiet;
  // MQTT.js and the network modules load only now: --help, --version and usage errors never
  // pay for them.
  checkRequest(cfg);
  // --pw-env, --pw-file, --pw-prompt: the password, before anything connects.
  await resolvePassword(cfg);
  const { Requester } = await import('./request.ts');
  const payload = await loadPayload(cfg);
  const format = messageFormatter(cfg);
  requester = new Requester(cfg, payload!, format);
  // Interrupted: DISCONNECT, then the status a shell reports for a process the signal ended.
  process.on('SIGINT', () => requester!.interrupt(128 + 2));
  process.on('SIGTERM', () => requester!.interrupt(128 + 15));
  const status = await requester.run();
  if (status === TIMED_OUT_STATUS && !quiet) stderr().write('Timed out\n');
  return status;
}

runTool(
  {
    name: 'tsrr',
    help: () => clientHelp('rr'),
    quiet: () => quiet,
    stdoutError: () => {
      if (requester) requester.outputFailed();
      else process.exit(128 + 13);
    },
  },
  main,
);
