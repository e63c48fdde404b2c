/**
 * Output formatting for tssub: the bytes mosquitto_sub 2.0.11 writes to stdout
 * for each received message (payload-only, -v, -N and -F formats, incl. %j/%J).
 *
 * One module per concern: formatter.ts (payload only, -v, -N, -F), printf.ts (the -F
 * engine), message-json.ts (%j/%J), json-read.ts and json-write.ts (cJSON's reader and
 * printing), strftime.ts (local time, @ conversions), tz.ts (TZ), clock.ts (receive
 * time), out.ts (the output buffer), message.ts (a message's properties), watch.ts (--watch).
 *
 * The behaviour was established by running the real mosquitto_sub 2.0.11 and
 * comparing outputs byte for byte; it is implemented here independently.
 *
 * Design: the -F string is compiled once into a list of small closures that
 * append to a reusable output buffer; the per-message path does no parsing of
 * the format and copies binary payloads as Buffers.
 */
import { UsageError } from '../errors.ts';
import { createFormatter } from './formatter.ts';
import { FormatError } from './printf.ts';

export { createFormatter, type FormatOptions } from './formatter.ts';
export { FormatError } from './printf.ts';
export { now, type Timestamp } from './clock.ts';
export { watchFormatter, watchHeader } from './watch.ts';

/**
 * -F checked as mosquitto_sub checks it, where -F stands among the options (tssub and tsrr
 * hand it to parseClientArgs): the engine's message, then the usage hint.
 */
export function checkFormat(format: string): void {
  try {
    createFormatter({ format, verbose: false, noEol: false, pretty: false, onError: () => {} });
  } catch (e) {
    if (e instanceof FormatError) throw new UsageError(`${e.message}\n`);
    throw e;
  }
}
