// --help texts, made from the option table so they can never list a flag that is not there.
import type { OptionSpec } from './options/parser.ts';
import type { Tool } from './config.ts';
import { CLIENT_OPTIONS } from './options/table.ts';

/** The synopsis lines of the options every client tool takes (transport, TLS, files). */
function transport(indent: number): string {
  const pad = ' '.repeat(indent);
  return [
    '[{--cafile file | --capath dir} [--cert file] [--key file] [--keyform pem]',
    '  [--ciphers ciphers] [--insecure] [--tls-alpn protocol] [--tls-version version]]',
    '[--tls-use-os-certs] [--psk hex-key --psk-identity identity [--ciphers ciphers]]',
    '[--proxy socks-url] [--ws] [--no-tls] [--tls-keylog file] [-o options-file]',
  ]
    .map((l) => `${pad}${l}\n`)
    .join('');
}

const SYNOPSIS: Record<Tool, string> = {
  pub: `tspub publishes MQTT messages to one topic and exits; a drop-in mosquitto_pub.

Usage: tspub {[-h host] [--unix path] [-p port] [-u username] [-P password] -t topic | -L URL}
             {-f file | -l | -n | -m message | -s | --replay file}
             [-c] [-k keepalive] [-q qos] [-r] [--repeat N] [--repeat-delay time] [-x session-expiry]
             [-A bind_address] [--nodelay] [-i id] [-I id_prefix] [-d] [--quiet] [-M max_inflight]
             [--will-topic [--will-payload payload] [--will-qos qos] [--will-retain]]
             [-V protocol-version] [-D command identifier value] [--reconnect-for seconds]
             [--replay-speed factor] [--rate N | --interval seconds]
${transport(13)}       tspub --help | --version
`,
  sub: `tssub subscribes to MQTT topics and prints the messages it receives; a drop-in mosquitto_sub.

Usage: tssub {[-h host] [--unix path] [-p port] [-u username] [-P password] -t topic ... | -L URL [-t topic ...]}
             [-c] [-k keepalive] [-q qos] [-x session-expiry] [-C msg_count] [-E] [-R]
             [--retained-only] [--remove-retained] [-T filter_out ...] [-U topic ...]
             [-F format | --record] [--pretty] [-W timeout_secs] [--random-filter chance]
             [-A bind_address] [--nodelay] [-i id] [-I id_prefix] [-d] [-N] [--quiet] [-v]
             [--will-topic [--will-payload payload] [--will-qos qos] [--will-retain]]
             [-V protocol-version] [-D command identifier value] [--retain-as-published]
             [--retain-handling always|new|never] [-w] [--message-rate]
${transport(13)}       tssub --help | --version
`,
  rr: `tsrr publishes an MQTT v5 request and prints the response it waits for; a drop-in mosquitto_rr.

Usage: tsrr {[-h host] [--unix path] [-p port] [-u username] [-P password] -t topic | -L URL} -e response-topic
            {-f file | -n | -m message | -s}
            [-c] [-k keepalive] [-q qos] [-R] [-x session-expiry] [-W timeout_secs] [--latency]
            [-F format] [--pretty] [-N] [-v]
            [-A bind_address] [--nodelay] [-i id] [-I id_prefix] [-d] [--quiet]
            [--will-topic [--will-payload payload] [--will-qos qos] [--will-retain]]
            [-V protocol-version] [-D command identifier value] [--retain-handling always|new|never]
${transport(12)}       tsrr --help | --version
`,
};

export function helpLines<C>(table: readonly OptionSpec<C>[], tool: string): string {
  const rows = table
    .filter((s) => s.tools.includes(tool))
    .map((s) => [`${s.flags.join(', ')}${s.help[0] ? ` ${s.help[0]}` : ''}`, s.help[1]] as const);
  const width = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([left, text]) => ` ${left.padEnd(width)}  ${text}\n`).join('');
}

/** Replaced by the package's version when the tools are bundled (scripts/build.mjs). */
declare const PACKAGE_VERSION: string;

/** --version, in the shape of mosquitto's line ("mosquitto_pub version 2.0.11 running on ..."). */
export function versionLine(tool: Tool): string {
  return `ts${tool} version ${PACKAGE_VERSION} (equivalent of mosquitto_${tool} 2.0.11).\n`;
}

export function clientHelp(tool: Tool): string {
  return `${SYNOPSIS[tool]}\n${helpLines(CLIENT_OPTIONS, tool)}\nSee 'man ts${tool}' for more.\n`;
}
