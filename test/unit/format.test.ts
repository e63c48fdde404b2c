// Unit tests for src/format/ (tssub output formatting).
//
// Every `expected` value in ROWS below was captured from a real mosquitto_sub 2.0.11
// (against a local mosquitto 2.0.11 broker): the same message was received by
// mosquitto_sub and by an MQTT.js 5 client, and the packet MQTT.js delivered is what
// `msg` holds. The bytes are written here literally. Where the format printed time,
// `ts` is the receive time mosquitto_sub printed (from its %U or the JSON "tst"), and
// the one deliberate difference is applied: mosquitto 2.0.11 prints the JSON "tst" as
// "...10.936766Z+0000"; we print valid ISO 8601 "...10.936766+0000" (no 'Z').
// Error rows: mosquitto_sub printed that line to stderr (followed by an empty line and
// "Use 'mosquitto_sub --help' to see usage.") and exited with status 1 at start-up.
// `stderr` rows: mosquitto_sub printed that line to stderr while formatting.
process.env.TZ = 'UTC';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFormatter, FormatError, now, type FormatOptions, type Timestamp } from '../../src/format/index.ts';

const hex = (h: string): Buffer => Buffer.from(h, 'hex');

interface Msg {
  topic: string;
  payload: string | Buffer;
  qos: 0 | 1 | 2;
  retain?: boolean;
  messageId?: number;
  properties?: Record<string, unknown>;
}
interface Row {
  name: string;
  opts: Partial<FormatOptions>;
  msg?: Msg;
  ts?: Timestamp;
  tz?: string;
  stderr?: string;
  expected?: string | Buffer;
  error?: string;
}

function packet(m: Msg) {
  // the shape MQTT.js 5 hands to a 'message' handler
  return {
    cmd: 'publish' as const,
    topic: m.topic,
    payload: typeof m.payload === 'string' ? Buffer.from(m.payload, 'utf8') : m.payload,
    qos: m.qos,
    retain: m.retain ?? false,
    dup: false,
    ...(m.messageId !== undefined ? { messageId: m.messageId } : {}),
    ...(m.properties ? { properties: m.properties } : {}),
  };
}

function withTz<T>(tz: string | undefined, fn: () => T): T {
  const saved = process.env.TZ;
  process.env.TZ = tz ?? 'UTC';
  try {
    return fn();
  } finally {
    process.env.TZ = saved;
  }
}

function fullOpts(o: Partial<FormatOptions>, errors?: string[]): FormatOptions {
  return {
    format: o.format,
    verbose: o.verbose ?? false,
    noEol: o.noEol ?? false,
    pretty: o.pretty ?? false,
    onError: (line) => errors?.push(line),
  };
}

// biome-ignore format: one case captured from mosquitto_sub per line
const ROWS: Row[] = [
  { name: "payload", opts: {}, msg: { topic: "d/17659/0", payload: "hello", qos: 0 }, expected: "hello\n" },
  { name: "payload", opts: {}, msg: { topic: "d/17659/1", payload: "", qos: 0 }, expected: "" },
  { name: "-v", opts: {verbose: true}, msg: { topic: "d/17659/2", payload: "hello", qos: 0 }, expected: "d/17659/2 hello\n" },
  { name: "-v", opts: {verbose: true}, msg: { topic: "d/17659/3", payload: "", qos: 0 }, expected: "d/17659/3 (null)\n" },
  { name: "-v -N", opts: {verbose: true,noEol: true}, msg: { topic: "d/17659/4", payload: "", qos: 0 }, expected: "" },
  { name: "payload -N", opts: {noEol: true}, msg: { topic: "d/17659/5", payload: "hi", qos: 0 }, expected: "hi" },
  { name: "-v -N", opts: {verbose: true,noEol: true}, msg: { topic: "d/17659/6", payload: "hi", qos: 0 }, expected: "d/17659/6 hi" },
  { name: "payload", opts: {}, msg: { topic: "d/17659/7", payload: hex('610062ff0a'), qos: 0 }, expected: hex('610062ff0a0a') },
  { name: "-v", opts: {verbose: true}, msg: { topic: "d/17659/8", payload: hex('610062ff0a'), qos: 0 }, expected: hex('642f31373635392f3820610062ff0a0a') },
  { name: "%t|%p|%l|%q|%r|%m", opts: {format: "%t|%p|%l|%q|%r|%m"}, msg: { topic: "d/17659/9", payload: "hello", qos: 0 }, expected: "d/17659/9|hello|5|0|0|0\n" },
  { name: "%t|%p|%l|%q|%r|%m", opts: {format: "%t|%p|%l|%q|%r|%m"}, msg: { topic: "d/17659/10", payload: "hello", qos: 1, messageId: 1 }, expected: "d/17659/10|hello|5|1|0|1\n" },
  { name: "%t|%p|%l|%q|%r|%m", opts: {format: "%t|%p|%l|%q|%r|%m"}, msg: { topic: "d/17659/11", payload: "hello", qos: 2, messageId: 1 }, expected: "d/17659/11|hello|5|2|0|1\n" },
  { name: "%x|%X", opts: {format: "%x|%X"}, msg: { topic: "d/17659/12", payload: hex('610062ff0a'), qos: 0 }, expected: "610062ff0a|610062FF0A\n" },
  { name: "%%|%-%|%5%", opts: {format: "%%|%-%|%5%"}, msg: { topic: "d/17659/13", payload: "h", qos: 0 }, expected: "%|%|%\n" },
  { name: "%z", opts: {format: "%z"}, error: "Error: Invalid format specifier 'z'." },
  { name: "%", opts: {format: "%"}, error: "Error: Incomplete format specifier." },
  { name: "a\\", opts: {format: "a\\"}, error: "Error: Incomplete escape specifier." },
  { name: "\\q", opts: {format: "\\q"}, error: "Error: Invalid escape specifier 'q'." },
  { name: "@", opts: {format: "@"}, error: "Error: Incomplete format specifier." },
  { name: "%5.", opts: {format: "%5."}, error: "Error: Incomplete format specifier." },
  { name: "%0-5t", opts: {format: "%0-5t"}, error: "Error: Invalid format specifier '-'." },
  { name: "\\\\|\\0|\\a|\\e|\\n|\\r|\\t|\\v|@@", opts: {format: "\\\\|\\0|\\a|\\e|\\n|\\r|\\t|\\v|@@"}, msg: { topic: "d/17659/21", payload: "h", qos: 0 }, expected: "\\|\u0000|\u0007|\u001b|\n|\r|\t|\u000b|@\n" },
  { name: "", opts: {format: ""}, msg: { topic: "d/17659/22", payload: "hello", qos: 0 }, expected: "\n" },
  { name: " -N", opts: {format: "",noEol: true}, msg: { topic: "d/17659/23", payload: "hello", qos: 0 }, expected: "" },
  { name: "%10p|%-10p|%1p|%3p|%06p|%-06p|%-p|%-0p|%.1p", opts: {format: "%10p|%-10p|%1p|%3p|%06p|%-06p|%-p|%-0p|%.1p"}, msg: { topic: "d/17659/24", payload: "abcd", qos: 0 }, expected: "      abcd|abcd      |a|abc|00abcd|abcd  |abcd    |abcd    |abcd\n" },
  { name: "%10p|%-10p|%1p|%-p|%5x|%-x|%-3x|%x", opts: {format: "%10p|%-10p|%1p|%-p|%5x|%-x|%-3x|%x"}, msg: { topic: "d/17659/25", payload: "a\u0000bc", qos: 0 }, expected: "      a\u0000bc|a\u0000bc      |a|a\u0000bc    | 6100|61006263    |61 |61006263\n" },
  { name: "%1x|%2x|%3x|%4x|%5x|%6x|%010x|%-010X|%-x|%-0x|%.3x", opts: {format: "%1x|%2x|%3x|%4x|%5x|%6x|%010x|%-010X|%-x|%-0x|%.3x"}, msg: { topic: "d/17659/26", payload: "hello", qos: 0 }, expected: " |68| 68|6865| 6865|  6865|0000006865|6865      |68656c6c6f     |68656c6c6f     |68656c6c6f\n" },
  { name: "%3x|%5x|%7x|%40x|%-40x|%040x|%-05x", opts: {format: "%3x|%5x|%7x|%40x|%-40x|%040x|%-05x"}, msg: { topic: "d/17659/27", payload: "abcdefghijklmnopq", qos: 0 }, expected: " 61| 6162| 616263|                        6162636465666768|6162636465666768                        |0000000000000000000000006162636465666768|6162 \n" },
  { name: "%p|%x|%5p|%-p|%5x|%-x|%05x|%l|%05l", opts: {format: "%p|%x|%5p|%-p|%5x|%-x|%05x|%l|%05l"}, msg: { topic: "d/17659/28", payload: "", qos: 0 }, expected: "||     ||     ||00000|0|00000\n" },
  { name: "%08l|%-8l|%08m|%08q|%8q|%-5q|%05r|%.5l|%3l|%-3l|%03m|%-03m", opts: {format: "%08l|%-8l|%08m|%08q|%8q|%-5q|%05r|%.5l|%3l|%-3l|%03m|%-03m"}, msg: { topic: "d/17659/29", payload: "hello", qos: 0 }, expected: "00000005|5       |00000000|0|0|0|0|5|  5|5  |000|0  \n" },
  { name: "%08m|%-6m|%6m", opts: {format: "%08m|%-6m|%6m"}, msg: { topic: "d/17659/30", payload: "hello", qos: 1, messageId: 1 }, expected: "00000001|1     |     1\n" },
  { name: "%.3t|%-05t|%00005t|%10.3t|%0.2t|%.0t|%.t|%3.1t|%12.5t|%-12.5t|%0012.5t|%-0t|%0t|%-t", opts: {format: "%.3t|%-05t|%00005t|%10.3t|%0.2t|%.0t|%.t|%3.1t|%12.5t|%-12.5t|%0012.5t|%-0t|%0t|%-t"}, msg: { topic: "ab/cdefg", payload: "x", qos: 0 }, expected: "ab/|ab/cdefg|ab/cdefg|       ab/|ab|||  a|       ab/cd|ab/cd       |       ab/cd|ab/cdefg|ab/cdefg|ab/cdefg\n" },
  { name: "%t|%5.2t|%-8t|%.3t|%4t|%.4t|%.5t", opts: {format: "%t|%5.2t|%-8t|%.3t|%4t|%.4t|%.5t"}, msg: { topic: "t/\"\\é", payload: "x", qos: 0 }, expected: hex('742f225cc3a97c202020742f7c742f225cc3a920207c742f227c742f225cc3a97c742f225c7c742f225cc30a') },
  { name: "%A|%C|%D|%E|%F|%P|%R|%S|", opts: {format: "%A|%C|%D|%E|%F|%P|%R|%S|"}, msg: { topic: "d/17659/31", payload: "x", qos: 0 }, expected: "||||||||\n" },
  { name: "%5A|%5C|%5D|%5E|%5F|%5P|%5R|%5S|%05A|%05C|%05R|%05.2A|%.2A|%-05C|%-5A|%-5S|%5.1C", opts: {format: "%5A|%5C|%5D|%5E|%5F|%5P|%5R|%5S|%05A|%05C|%05R|%05.2A|%.2A|%-05C|%-5A|%-5S|%5.1C"}, msg: { topic: "d/17659/32", payload: "x", qos: 0 }, expected: "     |     ||     |     |||     |00000|     ||00000||     |     |     |     \n" },
  { name: "%A|%C|%D|%E|%F|%P|%R|%S|", opts: {format: "%A|%C|%D|%E|%F|%P|%R|%S|"}, msg: { topic: "d/17659/33", payload: "hello", qos: 0, properties: { subscriptionIdentifier: 7, payloadFormatIndicator: true, responseTopic: "r/t", correlationData: hex('630164'), userProperties: {"k1":["v1","v3"],"k2":"v2"}, contentType: "text/plain", messageExpiryInterval: 60 } }, expected: "|text/plain|c\u0001d|60|1|k1:v1 k1:v3 k2:v2|r/t|7|\n" },
  { name: "%5E|%05E|%-5E|%.1E|%5F|%05F|%-5F|%5S|%05S|%-5S|%.0S|%12C|%012C|%-12C|%.3C|%12.3C|%-12.3C|%-C|%12R|%012R|%-12R|%.3R|%-R|%12D|%.3D|%-D|%20P|%.3P|%-P", opts: {format: "%5E|%05E|%-5E|%.1E|%5F|%05F|%-5F|%5S|%05S|%-5S|%.0S|%12C|%012C|%-12C|%.3C|%12.3C|%-12.3C|%-C|%12R|%012R|%-12R|%.3R|%-R|%12D|%.3D|%-D|%20P|%.3P|%-P"}, msg: { topic: "d/17659/34", payload: "hello", qos: 0, properties: { subscriptionIdentifier: 7, payloadFormatIndicator: false, responseTopic: "resp/topic", correlationData: hex('630064ff'), userProperties: {"a":"b"}, contentType: "text/plain", messageExpiryInterval: 60 } }, expected: hex('20202036307c30303036307c36302020207c36307c20202020307c30303030307c30202020207c20202020377c30303030377c37202020207c377c2020746578742f706c61696e7c2020746578742f706c61696e7c746578742f706c61696e20207c7465787c2020202020202020207465787c7465782020202020202020207c746578742f706c61696e7c2020726573702f746f7069637c2020726573702f746f7069637c726573702f746f70696320207c7265737c726573702f746f7069637c630064ff7c630064ff7c630064ff7c613a627c613a627c613a620a') },
  { name: "%j", opts: {format: "%j"}, msg: { topic: "d/17659/35", payload: "hello", qos: 0 }, ts: { sec: 1795450904, nsec: 75532123 }, expected: "{\"tst\":\"2026-11-23T16:21:44.075532+0000\",\"topic\":\"d/17659/35\",\"qos\":0,\"retain\":0,\"payloadlen\":5,\"payload\":\"hello\"}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/0", payload: "{\"a\": 27.0, \"b\":[1, 2,3e2, -0.5, 1.5e300, 12345678901234567890], \"c\":\"x\\u00e9\\/\", \"d\":null,\"e\":true,\"f\":{}, \"g\":[]}", qos: 0 }, ts: { sec: 1795450904, nsec: 960222123 }, expected: "{\"tst\":\"2026-11-23T16:21:44.960222+0000\",\"topic\":\"d/17715/0\",\"qos\":0,\"retain\":0,\"payloadlen\":115,\"payload\":{\"a\":27,\"b\":[1,2,300,-0.5,1.5e+300,1.2345678901234567e+19],\"c\":\"xé/\",\"d\":null,\"e\":true,\"f\":{},\"g\":[]}}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/1", payload: "  42  ", qos: 0 }, ts: { sec: 1795450905, nsec: 144110123 }, expected: "{\"tst\":\"2026-11-23T16:21:45.144110+0000\",\"topic\":\"d/17715/1\",\"qos\":0,\"retain\":0,\"payloadlen\":6,\"payload\":42}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/2", payload: "\"str\"", qos: 0 }, ts: { sec: 1795450905, nsec: 314594123 }, expected: "{\"tst\":\"2026-11-23T16:21:45.314594+0000\",\"topic\":\"d/17715/2\",\"qos\":0,\"retain\":0,\"payloadlen\":5,\"payload\":\"str\"}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/3", payload: "[1,2", qos: 0 }, ts: { sec: 1795450905, nsec: 493425850 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/3.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/4", payload: "{\"a\":1} x", qos: 0 }, ts: { sec: 1795450905, nsec: 663716592 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/4.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/5", payload: "1e400", qos: 0 }, ts: { sec: 1795450905, nsec: 844509123 }, expected: "{\"tst\":\"2026-11-23T16:21:45.844509+0000\",\"topic\":\"d/17715/5\",\"qos\":0,\"retain\":0,\"payloadlen\":5,\"payload\":null}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/6", payload: "0.1", qos: 0 }, ts: { sec: 1795450906, nsec: 13494123 }, expected: "{\"tst\":\"2026-11-23T16:21:46.013494+0000\",\"topic\":\"d/17715/6\",\"qos\":0,\"retain\":0,\"payloadlen\":3,\"payload\":0.1}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/7", payload: "123456789012", qos: 0 }, ts: { sec: 1795450906, nsec: 191626123 }, expected: "{\"tst\":\"2026-11-23T16:21:46.191626+0000\",\"topic\":\"d/17715/7\",\"qos\":0,\"retain\":0,\"payloadlen\":12,\"payload\":123456789012}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/8", payload: "1.0e-7", qos: 0 }, ts: { sec: 1795450906, nsec: 358883123 }, expected: "{\"tst\":\"2026-11-23T16:21:46.358883+0000\",\"topic\":\"d/17715/8\",\"qos\":0,\"retain\":0,\"payloadlen\":6,\"payload\":1e-07}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/9", payload: "{\"a\":1,\"a\":2}", qos: 0 }, ts: { sec: 1795450906, nsec: 525276123 }, expected: "{\"tst\":\"2026-11-23T16:21:46.525276+0000\",\"topic\":\"d/17715/9\",\"qos\":0,\"retain\":0,\"payloadlen\":13,\"payload\":{\"a\":1,\"a\":2}}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/10", payload: "-0", qos: 0 }, ts: { sec: 1795450906, nsec: 693648123 }, expected: "{\"tst\":\"2026-11-23T16:21:46.693648+0000\",\"topic\":\"d/17715/10\",\"qos\":0,\"retain\":0,\"payloadlen\":2,\"payload\":-0}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/11", payload: "-0.0", qos: 0 }, ts: { sec: 1795450906, nsec: 866018123 }, expected: "{\"tst\":\"2026-11-23T16:21:46.866018+0000\",\"topic\":\"d/17715/11\",\"qos\":0,\"retain\":0,\"payloadlen\":4,\"payload\":-0}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/12", payload: "   ", qos: 0 }, ts: { sec: 1795450907, nsec: 37215095 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/12.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/13", payload: "+1", qos: 0 }, ts: { sec: 1795450907, nsec: 205966887 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/13.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/14", payload: "01", qos: 0 }, ts: { sec: 1795450907, nsec: 374812123 }, expected: "{\"tst\":\"2026-11-23T16:21:47.374812+0000\",\"topic\":\"d/17715/14\",\"qos\":0,\"retain\":0,\"payloadlen\":2,\"payload\":1}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/15", payload: ".5", qos: 0 }, ts: { sec: 1795450907, nsec: 546495691 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/15.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/16", payload: "1.", qos: 0 }, ts: { sec: 1795450907, nsec: 716120123 }, expected: "{\"tst\":\"2026-11-23T16:21:47.716120+0000\",\"topic\":\"d/17715/16\",\"qos\":0,\"retain\":0,\"payloadlen\":2,\"payload\":1}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/17", payload: "-", qos: 0 }, ts: { sec: 1795450907, nsec: 889415619 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/17.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/18", payload: "1e", qos: 0 }, ts: { sec: 1795450908, nsec: 58746763 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/18.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/19", payload: "1E+2", qos: 0 }, ts: { sec: 1795450908, nsec: 225916123 }, expected: "{\"tst\":\"2026-11-23T16:21:48.225916+0000\",\"topic\":\"d/17715/19\",\"qos\":0,\"retain\":0,\"payloadlen\":4,\"payload\":100}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/20", payload: "nulll", qos: 0 }, ts: { sec: 1795450908, nsec: 400943403 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/20.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/21", payload: "true ", qos: 0 }, ts: { sec: 1795450908, nsec: 579447123 }, expected: "{\"tst\":\"2026-11-23T16:21:48.579447+0000\",\"topic\":\"d/17715/21\",\"qos\":0,\"retain\":0,\"payloadlen\":5,\"payload\":true}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/22", payload: " [ ] ", qos: 0 }, ts: { sec: 1795450908, nsec: 747412123 }, expected: "{\"tst\":\"2026-11-23T16:21:48.747412+0000\",\"topic\":\"d/17715/22\",\"qos\":0,\"retain\":0,\"payloadlen\":5,\"payload\":[]}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/23", payload: "{\"a\":\"\\q\"}", qos: 0 }, ts: { sec: 1795450908, nsec: 924187600 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/23.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/24", payload: "\"\\ud83d\\ude00\"", qos: 0 }, ts: { sec: 1795450909, nsec: 101661123 }, expected: "{\"tst\":\"2026-11-23T16:21:49.101661+0000\",\"topic\":\"d/17715/24\",\"qos\":0,\"retain\":0,\"payloadlen\":14,\"payload\":\"😀\"}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/25", payload: "\"\\ud83d\"", qos: 0 }, ts: { sec: 1795450909, nsec: 271867371 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/25.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/26", payload: "\"\\u0000x\"", qos: 0 }, ts: { sec: 1795450909, nsec: 445814123 }, expected: "{\"tst\":\"2026-11-23T16:21:49.445814+0000\",\"topic\":\"d/17715/26\",\"qos\":0,\"retain\":0,\"payloadlen\":9,\"payload\":\"\"}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/27", payload: "\"tab\traw\"", qos: 0 }, ts: { sec: 1795450909, nsec: 617157123 }, expected: "{\"tst\":\"2026-11-23T16:21:49.617157+0000\",\"topic\":\"d/17715/27\",\"qos\":0,\"retain\":0,\"payloadlen\":9,\"payload\":\"tab\\traw\"}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/28", payload: "2147483647", qos: 0 }, ts: { sec: 1795450909, nsec: 788880123 }, expected: "{\"tst\":\"2026-11-23T16:21:49.788880+0000\",\"topic\":\"d/17715/28\",\"qos\":0,\"retain\":0,\"payloadlen\":10,\"payload\":2147483647}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/29", payload: "1e15", qos: 0 }, ts: { sec: 1795450909, nsec: 972111123 }, expected: "{\"tst\":\"2026-11-23T16:21:49.972111+0000\",\"topic\":\"d/17715/29\",\"qos\":0,\"retain\":0,\"payloadlen\":4,\"payload\":1e+15}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/30", payload: "1e16", qos: 0 }, ts: { sec: 1795450910, nsec: 151792123 }, expected: "{\"tst\":\"2026-11-23T16:21:50.151792+0000\",\"topic\":\"d/17715/30\",\"qos\":0,\"retain\":0,\"payloadlen\":4,\"payload\":1e+16}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/31", payload: "123456789.123456789", qos: 0 }, ts: { sec: 1795450910, nsec: 322187123 }, expected: "{\"tst\":\"2026-11-23T16:21:50.322187+0000\",\"topic\":\"d/17715/31\",\"qos\":0,\"retain\":0,\"payloadlen\":19,\"payload\":123456789.12345679}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/32", payload: "3.14159265358979", qos: 0 }, ts: { sec: 1795450910, nsec: 495698123 }, expected: "{\"tst\":\"2026-11-23T16:21:50.495698+0000\",\"topic\":\"d/17715/32\",\"qos\":0,\"retain\":0,\"payloadlen\":16,\"payload\":3.14159265358979}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/33", payload: "[1,]", qos: 0 }, ts: { sec: 1795450910, nsec: 667984016 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/33.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/34", payload: "{\"a\":1,}", qos: 0 }, ts: { sec: 1795450910, nsec: 841980916 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/34.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/35", payload: "NaN", qos: 0 }, ts: { sec: 1795450911, nsec: 25464772 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/35.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/36", payload: "1.7976931348623157e308", qos: 0 }, ts: { sec: 1795450911, nsec: 197070123 }, expected: "{\"tst\":\"2026-11-23T16:21:51.197070+0000\",\"topic\":\"d/17715/36\",\"qos\":0,\"retain\":0,\"payloadlen\":22,\"payload\":1.79769313486232e+308}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/37", payload: "5e-324", qos: 0 }, ts: { sec: 1795450911, nsec: 367714123 }, expected: "{\"tst\":\"2026-11-23T16:21:51.367714+0000\",\"topic\":\"d/17715/37\",\"qos\":0,\"retain\":0,\"payloadlen\":6,\"payload\":4.94065645841247e-324}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/38", payload: "\"\\u00zz\"", qos: 0 }, ts: { sec: 1795450911, nsec: 565368123 }, expected: "{\"tst\":\"2026-11-23T16:21:51.565368+0000\",\"topic\":\"d/17715/38\",\"qos\":0,\"retain\":0,\"payloadlen\":8,\"payload\":\"\"}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/39", payload: "'a'", qos: 0 }, ts: { sec: 1795450911, nsec: 736728641 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/39.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/40", payload: "{a:1}", qos: 0 }, ts: { sec: 1795450911, nsec: 913539069 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/40.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/41", payload: "[1 2]", qos: 0 }, ts: { sec: 1795450912, nsec: 104876801 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/41.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/42", payload: "\"a\"x", qos: 0 }, ts: { sec: 1795450912, nsec: 287367004 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/42.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/43", payload: "0x10", qos: 0 }, ts: { sec: 1795450912, nsec: 454221102 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/43.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/44", payload: "\"\\ude00\"", qos: 0 }, ts: { sec: 1795450912, nsec: 635671165 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/44.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/45", payload: "\"\\ud83d\\u0041\"", qos: 0 }, ts: { sec: 1795450912, nsec: 820127572 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/45.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/46", payload: "\"\\u12\"", qos: 0 }, ts: { sec: 1795450912, nsec: 993971781 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/46.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/47", payload: "\"\\uD83D\\uDE00\"", qos: 0 }, ts: { sec: 1795450913, nsec: 165254123 }, expected: "{\"tst\":\"2026-11-23T16:21:53.165254+0000\",\"topic\":\"d/17715/47\",\"qos\":0,\"retain\":0,\"payloadlen\":14,\"payload\":\"😀\"}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/48", payload: "1.e5", qos: 0 }, ts: { sec: 1795450913, nsec: 338394123 }, expected: "{\"tst\":\"2026-11-23T16:21:53.338394+0000\",\"topic\":\"d/17715/48\",\"qos\":0,\"retain\":0,\"payloadlen\":4,\"payload\":100000}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/49", payload: "-.5", qos: 0 }, ts: { sec: 1795450913, nsec: 507970123 }, expected: "{\"tst\":\"2026-11-23T16:21:53.507970+0000\",\"topic\":\"d/17715/49\",\"qos\":0,\"retain\":0,\"payloadlen\":3,\"payload\":-0.5}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/50", payload: "--1", qos: 0 }, ts: { sec: 1795450913, nsec: 682413411 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/50.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/51", payload: "1-2", qos: 0 }, ts: { sec: 1795450913, nsec: 853753130 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/51.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/52", payload: "1e+", qos: 0 }, ts: { sec: 1795450914, nsec: 29471108 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/52.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/53", payload: "00.5", qos: 0 }, ts: { sec: 1795450914, nsec: 201786123 }, expected: "{\"tst\":\"2026-11-23T16:21:54.201786+0000\",\"topic\":\"d/17715/53\",\"qos\":0,\"retain\":0,\"payloadlen\":4,\"payload\":0.5}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/54", payload: "1e5.5", qos: 0 }, ts: { sec: 1795450914, nsec: 377136973 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/54.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/55", payload: "\"a\\u0000b\"", qos: 0 }, ts: { sec: 1795450914, nsec: 553251123 }, expected: "{\"tst\":\"2026-11-23T16:21:54.553251+0000\",\"topic\":\"d/17715/55\",\"qos\":0,\"retain\":0,\"payloadlen\":10,\"payload\":\"a\"}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/56", payload: "\"\\ud83dx\"", qos: 0 }, ts: { sec: 1795450914, nsec: 721983059 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/56.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/57", payload: "\"\\u004G\"", qos: 0 }, ts: { sec: 1795450914, nsec: 891371123 }, expected: "{\"tst\":\"2026-11-23T16:21:54.891371+0000\",\"topic\":\"d/17715/57\",\"qos\":0,\"retain\":0,\"payloadlen\":8,\"payload\":\"\"}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/58", payload: "\"\\U0041\"", qos: 0 }, ts: { sec: 1795450915, nsec: 71174789 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/58.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/59", payload: "\"\\b\\f\\n\\r\\t\\\"\\\\\\/\"", qos: 0 }, ts: { sec: 1795450915, nsec: 246707123 }, expected: "{\"tst\":\"2026-11-23T16:21:55.246707+0000\",\"topic\":\"d/17715/59\",\"qos\":0,\"retain\":0,\"payloadlen\":18,\"payload\":\"\\b\\f\\n\\r\\t\\\"\\\\/\"}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/60", payload: "{\"k\\u0000z\":1}", qos: 0 }, ts: { sec: 1795450915, nsec: 417966123 }, expected: "{\"tst\":\"2026-11-23T16:21:55.417966+0000\",\"topic\":\"d/17715/60\",\"qos\":0,\"retain\":0,\"payloadlen\":14,\"payload\":{\"k\":1}}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/61", payload: "{\"\":1}", qos: 0 }, ts: { sec: 1795450915, nsec: 594195123 }, expected: "{\"tst\":\"2026-11-23T16:21:55.594195+0000\",\"topic\":\"d/17715/61\",\"qos\":0,\"retain\":0,\"payloadlen\":6,\"payload\":{\"\":1}}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/62", payload: "falsey", qos: 0 }, ts: { sec: 1795450915, nsec: 768152874 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/62.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/63", payload: " false", qos: 0 }, ts: { sec: 1795450915, nsec: 951479123 }, expected: "{\"tst\":\"2026-11-23T16:21:55.951479+0000\",\"topic\":\"d/17715/63\",\"qos\":0,\"retain\":0,\"payloadlen\":6,\"payload\":false}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/64", payload: "null", qos: 0 }, ts: { sec: 1795450916, nsec: 124984123 }, expected: "{\"tst\":\"2026-11-23T16:21:56.124984+0000\",\"topic\":\"d/17715/64\",\"qos\":0,\"retain\":0,\"payloadlen\":4,\"payload\":null}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/65", payload: "0.30000000000000004", qos: 0 }, ts: { sec: 1795450916, nsec: 293415123 }, expected: "{\"tst\":\"2026-11-23T16:21:56.293415+0000\",\"topic\":\"d/17715/65\",\"qos\":0,\"retain\":0,\"payloadlen\":19,\"payload\":0.3}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/66", payload: "1000000000000005", qos: 0 }, ts: { sec: 1795450916, nsec: 464038123 }, expected: "{\"tst\":\"2026-11-23T16:21:56.464038+0000\",\"topic\":\"d/17715/66\",\"qos\":0,\"retain\":0,\"payloadlen\":16,\"payload\":1000000000000005}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/67", payload: "100000000000000050", qos: 0 }, ts: { sec: 1795450916, nsec: 630736123 }, expected: "{\"tst\":\"2026-11-23T16:21:56.630736+0000\",\"topic\":\"d/17715/67\",\"qos\":0,\"retain\":0,\"payloadlen\":18,\"payload\":1.0000000000000005e+17}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/68", payload: "1e21", qos: 0 }, ts: { sec: 1795450916, nsec: 802833123 }, expected: "{\"tst\":\"2026-11-23T16:21:56.802833+0000\",\"topic\":\"d/17715/68\",\"qos\":0,\"retain\":0,\"payloadlen\":4,\"payload\":1e+21}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/69", payload: "-1.25e-5", qos: 0 }, ts: { sec: 1795450916, nsec: 971327123 }, expected: "{\"tst\":\"2026-11-23T16:21:56.971327+0000\",\"topic\":\"d/17715/69\",\"qos\":0,\"retain\":0,\"payloadlen\":8,\"payload\":-1.25e-05}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/70", payload: "0.0001", qos: 0 }, ts: { sec: 1795450917, nsec: 144744123 }, expected: "{\"tst\":\"2026-11-23T16:21:57.144744+0000\",\"topic\":\"d/17715/70\",\"qos\":0,\"retain\":0,\"payloadlen\":6,\"payload\":0.0001}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/71", payload: "0.00001", qos: 0 }, ts: { sec: 1795450917, nsec: 315158123 }, expected: "{\"tst\":\"2026-11-23T16:21:57.315158+0000\",\"topic\":\"d/17715/71\",\"qos\":0,\"retain\":0,\"payloadlen\":7,\"payload\":1e-05}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/72", payload: "9007199254740993", qos: 0 }, ts: { sec: 1795450917, nsec: 490621123 }, expected: "{\"tst\":\"2026-11-23T16:21:57.490621+0000\",\"topic\":\"d/17715/72\",\"qos\":0,\"retain\":0,\"payloadlen\":16,\"payload\":9.00719925474099e+15}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/73", payload: "1.0000000000000002", qos: 0 }, ts: { sec: 1795450917, nsec: 679673123 }, expected: "{\"tst\":\"2026-11-23T16:21:57.679673+0000\",\"topic\":\"d/17715/73\",\"qos\":0,\"retain\":0,\"payloadlen\":18,\"payload\":1}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/74", payload: "{\"a\" : 1 , \"b\":[ true , false,null ] }", qos: 0 }, ts: { sec: 1795450917, nsec: 843262123 }, expected: "{\"tst\":\"2026-11-23T16:21:57.843262+0000\",\"topic\":\"d/17715/74\",\"qos\":0,\"retain\":0,\"payloadlen\":38,\"payload\":{\"a\":1,\"b\":[true,false,null]}}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/75", payload: "\"\\u0041\"", qos: 0 }, ts: { sec: 1795450918, nsec: 13586123 }, expected: "{\"tst\":\"2026-11-23T16:21:58.013586+0000\",\"topic\":\"d/17715/75\",\"qos\":0,\"retain\":0,\"payloadlen\":8,\"payload\":\"A\"}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/76", payload: "\"a\\\"", qos: 0 }, ts: { sec: 1795450918, nsec: 189552641 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/76.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/81", payload: "{\"a\":{\"b\":[1,{\"c\":[]},[2,3]],\"e\":{}},\"f\":[{}],\"g\":[[]]}", qos: 0 }, ts: { sec: 1795450919, nsec: 71087123 }, expected: "{\"tst\":\"2026-11-23T16:21:59.071087+0000\",\"topic\":\"d/17715/81\",\"qos\":0,\"retain\":0,\"payloadlen\":55,\"payload\":{\"a\":{\"b\":[1,{\"c\":[]},[2,3]],\"e\":{}},\"f\":[{}],\"g\":[[]]}}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/82", payload: "[]", qos: 0 }, ts: { sec: 1795450919, nsec: 258186123 }, expected: "{\"tst\":\"2026-11-23T16:21:59.258186+0000\",\"topic\":\"d/17715/82\",\"qos\":0,\"retain\":0,\"payloadlen\":2,\"payload\":[]}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/83", payload: "{}", qos: 0 }, ts: { sec: 1795450919, nsec: 423596123 }, expected: "{\"tst\":\"2026-11-23T16:21:59.423596+0000\",\"topic\":\"d/17715/83\",\"qos\":0,\"retain\":0,\"payloadlen\":2,\"payload\":{}}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/84", payload: "[{\"a\":1},2]", qos: 0 }, ts: { sec: 1795450919, nsec: 602638123 }, expected: "{\"tst\":\"2026-11-23T16:21:59.602638+0000\",\"topic\":\"d/17715/84\",\"qos\":0,\"retain\":0,\"payloadlen\":11,\"payload\":[{\"a\":1},2]}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/85", payload: "1000000000000000000000000000000000000000000000000000000000000000000000", qos: 0 }, ts: { sec: 1795450919, nsec: 771594123 }, expected: "{\"tst\":\"2026-11-23T16:21:59.771594+0000\",\"topic\":\"d/17715/85\",\"qos\":0,\"retain\":0,\"payloadlen\":70,\"payload\":1e+69}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/86", payload: "[[],[[]],{}]", qos: 0 }, ts: { sec: 1795450919, nsec: 938581123 }, expected: "{\"tst\":\"2026-11-23T16:21:59.938581+0000\",\"topic\":\"d/17715/86\",\"qos\":0,\"retain\":0,\"payloadlen\":12,\"payload\":[[],[[]],{}]}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/87", payload: "\"\\u00e9\\u20ac\\ud83d\\ude00\"", qos: 0 }, ts: { sec: 1795450920, nsec: 123628123 }, expected: "{\"tst\":\"2026-11-23T16:22:00.123628+0000\",\"topic\":\"d/17715/87\",\"qos\":0,\"retain\":0,\"payloadlen\":26,\"payload\":\"é€😀\"}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/88", payload: "{\"a\":[{\"b\":{\"c\":[1,[2,{\"d\":null}]]}}]}", qos: 0 }, ts: { sec: 1795450920, nsec: 293352123 }, expected: "{\"tst\":\"2026-11-23T16:22:00.293352+0000\",\"topic\":\"d/17715/88\",\"qos\":0,\"retain\":0,\"payloadlen\":38,\"payload\":{\"a\":[{\"b\":{\"c\":[1,[2,{\"d\":null}]]}}]}}\n" },
  { name: "%J --pretty", opts: {format: "%J",pretty: true}, msg: { topic: "d/17715/89", payload: "{\"a\":{\"b\":[1,{\"c\":[]},[2,3]],\"e\":{}},\"f\":[{}],\"g\":[[]]}", qos: 0 }, ts: { sec: 1795450920, nsec: 461321123 }, expected: "{\n\t\"tst\":\t\"2026-11-23T16:22:00.461321+0000\",\n\t\"topic\":\t\"d/17715/89\",\n\t\"qos\":\t0,\n\t\"retain\":\t0,\n\t\"payloadlen\":\t55,\n\t\"payload\":\t{\n\t\t\"a\":\t{\n\t\t\t\"b\":\t[1, {\n\t\t\t\t\t\"c\":\t[]\n\t\t\t\t}, [2, 3]],\n\t\t\t\"e\":\t{\n\t\t\t}\n\t\t},\n\t\t\"f\":\t[{\n\t\t\t}],\n\t\t\"g\":\t[[]]\n\t}\n}\n" },
  { name: "%J --pretty", opts: {format: "%J",pretty: true}, msg: { topic: "d/17715/90", payload: "[]", qos: 0 }, ts: { sec: 1795450920, nsec: 629587123 }, expected: "{\n\t\"tst\":\t\"2026-11-23T16:22:00.629587+0000\",\n\t\"topic\":\t\"d/17715/90\",\n\t\"qos\":\t0,\n\t\"retain\":\t0,\n\t\"payloadlen\":\t2,\n\t\"payload\":\t[]\n}\n" },
  { name: "%J --pretty", opts: {format: "%J",pretty: true}, msg: { topic: "d/17715/91", payload: "{}", qos: 0 }, ts: { sec: 1795450920, nsec: 796720123 }, expected: "{\n\t\"tst\":\t\"2026-11-23T16:22:00.796720+0000\",\n\t\"topic\":\t\"d/17715/91\",\n\t\"qos\":\t0,\n\t\"retain\":\t0,\n\t\"payloadlen\":\t2,\n\t\"payload\":\t{\n\t}\n}\n" },
  { name: "%J --pretty", opts: {format: "%J",pretty: true}, msg: { topic: "d/17715/92", payload: "[{\"a\":1},2]", qos: 0 }, ts: { sec: 1795450920, nsec: 975227123 }, expected: "{\n\t\"tst\":\t\"2026-11-23T16:22:00.975227+0000\",\n\t\"topic\":\t\"d/17715/92\",\n\t\"qos\":\t0,\n\t\"retain\":\t0,\n\t\"payloadlen\":\t11,\n\t\"payload\":\t[{\n\t\t\t\"a\":\t1\n\t\t}, 2]\n}\n" },
  { name: "%J --pretty", opts: {format: "%J",pretty: true}, msg: { topic: "d/17715/93", payload: "[[[[[]]]]]", qos: 0 }, ts: { sec: 1795450921, nsec: 141533123 }, expected: "{\n\t\"tst\":\t\"2026-11-23T16:22:01.141533+0000\",\n\t\"topic\":\t\"d/17715/93\",\n\t\"qos\":\t0,\n\t\"retain\":\t0,\n\t\"payloadlen\":\t10,\n\t\"payload\":\t[[[[[]]]]]\n}\n" },
  { name: "%J --pretty", opts: {format: "%J",pretty: true}, msg: { topic: "d/17715/94", payload: "{\"x\":{\"x\":{\"x\":{\"x\":[1,{}]}}}}", qos: 0 }, ts: { sec: 1795450921, nsec: 312728123 }, expected: "{\n\t\"tst\":\t\"2026-11-23T16:22:01.312728+0000\",\n\t\"topic\":\t\"d/17715/94\",\n\t\"qos\":\t0,\n\t\"retain\":\t0,\n\t\"payloadlen\":\t30,\n\t\"payload\":\t{\n\t\t\"x\":\t{\n\t\t\t\"x\":\t{\n\t\t\t\t\"x\":\t{\n\t\t\t\t\t\"x\":\t[1, {\n\t\t\t\t\t\t}]\n\t\t\t\t}\n\t\t\t}\n\t\t}\n\t}\n}\n" },
  { name: "%J --pretty", opts: {format: "%J",pretty: true}, msg: { topic: "d/17715/95", payload: "\"s\"", qos: 0 }, ts: { sec: 1795450921, nsec: 479939123 }, expected: "{\n\t\"tst\":\t\"2026-11-23T16:22:01.479939+0000\",\n\t\"topic\":\t\"d/17715/95\",\n\t\"qos\":\t0,\n\t\"retain\":\t0,\n\t\"payloadlen\":\t3,\n\t\"payload\":\t\"s\"\n}\n" },
  { name: "%J --pretty", opts: {format: "%J",pretty: true}, msg: { topic: "d/17715/96", payload: "{\"k\":\"\\u0001\"}", qos: 0 }, ts: { sec: 1795450921, nsec: 646497123 }, expected: "{\n\t\"tst\":\t\"2026-11-23T16:22:01.646497+0000\",\n\t\"topic\":\t\"d/17715/96\",\n\t\"qos\":\t0,\n\t\"retain\":\t0,\n\t\"payloadlen\":\t14,\n\t\"payload\":\t{\n\t\t\"k\":\t\"\\u0001\"\n\t}\n}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/97", payload: "﻿[1]", qos: 0 }, ts: { sec: 1795450921, nsec: 814315123 }, expected: "{\"tst\":\"2026-11-23T16:22:01.814315+0000\",\"topic\":\"d/17715/97\",\"qos\":0,\"retain\":0,\"payloadlen\":6,\"payload\":[1]}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/98", payload: "﻿", qos: 0 }, ts: { sec: 1795450921, nsec: 984800948 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/98.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/99", payload: " ﻿1", qos: 0 }, ts: { sec: 1795450922, nsec: 148726279 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/99.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/100", payload: hex('22ff01c3a922'), qos: 0 }, ts: { sec: 1795450922, nsec: 313276123 }, expected: hex('7b22747374223a22323032362d31312d32335431363a32323a30322e3331333237362b30303030222c22746f706963223a22642f31373731352f313030222c22716f73223a302c2272657461696e223a302c227061796c6f61646c656e223a362c227061796c6f6164223a22ff5c7530303031c3a9227d0a') },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/101", payload: "1\u0000", qos: 0 }, ts: { sec: 1795450922, nsec: 479332718 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/101.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/102", payload: "1\u0000x", qos: 0 }, ts: { sec: 1795450922, nsec: 645772116 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/102.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/103", payload: "\u0001 1 \u0001\u001f", qos: 0 }, ts: { sec: 1795450922, nsec: 816781123 }, expected: "{\"tst\":\"2026-11-23T16:22:02.816781+0000\",\"topic\":\"d/17715/103\",\"qos\":0,\"retain\":0,\"payloadlen\":6,\"payload\":1}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/104", payload: "\"a\u0000b\"", qos: 0 }, ts: { sec: 1795450922, nsec: 981817723 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/104.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/105", payload: "1", qos: 0 }, ts: { sec: 1795450923, nsec: 145593900 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/105.", expected: "\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/106", payload: "\"\"", qos: 0 }, ts: { sec: 1795450923, nsec: 316033123 }, expected: "{\"tst\":\"2026-11-23T16:22:03.316033+0000\",\"topic\":\"d/17715/106\",\"qos\":0,\"retain\":0,\"payloadlen\":3,\"payload\":\"\"}\n" },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/107", payload: "", qos: 0 }, ts: { sec: 1795450923, nsec: 492101123 }, expected: "{\"tst\":\"2026-11-23T16:22:03.492101+0000\",\"topic\":\"d/17715/107\",\"qos\":0,\"retain\":0,\"payloadlen\":0,\"payload\":null}\n" },
  { name: "%J --pretty", opts: {format: "%J",pretty: true}, msg: { topic: "d/17715/108", payload: "", qos: 0 }, ts: { sec: 1795450923, nsec: 661882123 }, expected: "{\n\t\"tst\":\t\"2026-11-23T16:22:03.661882+0000\",\n\t\"topic\":\t\"d/17715/108\",\n\t\"qos\":\t0,\n\t\"retain\":\t0,\n\t\"payloadlen\":\t0,\n\t\"payload\":\tnull\n}\n" },
  { name: "%j", opts: {format: "%j"}, msg: { topic: "d/17715/109", payload: "hello", qos: 0 }, ts: { sec: 1795450923, nsec: 827524123 }, expected: "{\"tst\":\"2026-11-23T16:22:03.827524+0000\",\"topic\":\"d/17715/109\",\"qos\":0,\"retain\":0,\"payloadlen\":5,\"payload\":\"hello\"}\n" },
  { name: "%j --pretty", opts: {format: "%j",pretty: true}, msg: { topic: "d/17715/110", payload: "hello", qos: 0 }, ts: { sec: 1795450924, nsec: 5605123 }, expected: "{\n\t\"tst\":\t\"2026-11-23T16:22:04.005605+0000\",\n\t\"topic\":\t\"d/17715/110\",\n\t\"qos\":\t0,\n\t\"retain\":\t0,\n\t\"payloadlen\":\t5,\n\t\"payload\":\t\"hello\"\n}\n" },
  { name: "%j", opts: {format: "%j"}, msg: { topic: "d/17715/111", payload: hex('6122625c632f64011f7f090a0d080c20c3a9e282acf09f988020fffe5a00656e64'), qos: 0 }, ts: { sec: 1795450924, nsec: 169158123 }, expected: hex('7b22747374223a22323032362d31312d32335431363a32323a30342e3136393135382b30303030222c22746f706963223a22642f31373731352f313131222c22716f73223a302c2272657461696e223a302c227061796c6f61646c656e223a33332c227061796c6f6164223a22615c22625c5c632f645c75303030315c75303031667f5c745c6e5c725c625c6620c3a9e282acf09f988020fffe5a227d0a') },
  { name: "%j --pretty", opts: {format: "%j",pretty: true}, msg: { topic: "d/17715/112", payload: hex('6122625c632f64011f7f090a0d080c20c3a9e282acf09f988020fffe5a00656e64'), qos: 0 }, ts: { sec: 1795450924, nsec: 346789123 }, expected: hex('7b0a0922747374223a0922323032362d31312d32335431363a32323a30342e3334363738392b30303030222c0a0922746f706963223a0922642f31373731352f313132222c0a0922716f73223a09302c0a092272657461696e223a09302c0a09227061796c6f61646c656e223a0933332c0a09227061796c6f6164223a0922615c22625c5c632f645c75303030315c75303031667f5c745c6e5c725c625c6620c3a9e282acf09f988020fffe5a220a7d0a') },
  { name: "%j", opts: {format: "%j"}, msg: { topic: "d/17715/113", payload: hex('ff'), qos: 0 }, ts: { sec: 1795450924, nsec: 512812123 }, expected: hex('7b22747374223a22323032362d31312d32335431363a32323a30342e3531323831322b30303030222c22746f706963223a22642f31373731352f313133222c22716f73223a302c2272657461696e223a302c227061796c6f61646c656e223a312c227061796c6f6164223a22ff227d0a') },
  { name: "%j --pretty", opts: {format: "%j",pretty: true}, msg: { topic: "d/17715/114", payload: hex('ff'), qos: 0 }, ts: { sec: 1795450924, nsec: 697697123 }, expected: hex('7b0a0922747374223a0922323032362d31312d32335431363a32323a30342e3639373639372b30303030222c0a0922746f706963223a0922642f31373731352f313134222c0a0922716f73223a09302c0a092272657461696e223a09302c0a09227061796c6f61646c656e223a09312c0a09227061796c6f6164223a0922ff220a7d0a') },
  { name: "%j", opts: {format: "%j"}, msg: { topic: "d/17715/115", payload: "\u0000abc", qos: 0 }, ts: { sec: 1795450924, nsec: 872296123 }, expected: "{\"tst\":\"2026-11-23T16:22:04.872296+0000\",\"topic\":\"d/17715/115\",\"qos\":0,\"retain\":0,\"payloadlen\":4,\"payload\":\"\"}\n" },
  { name: "%j --pretty", opts: {format: "%j",pretty: true}, msg: { topic: "d/17715/116", payload: "\u0000abc", qos: 0 }, ts: { sec: 1795450925, nsec: 40658123 }, expected: "{\n\t\"tst\":\t\"2026-11-23T16:22:05.040658+0000\",\n\t\"topic\":\t\"d/17715/116\",\n\t\"qos\":\t0,\n\t\"retain\":\t0,\n\t\"payloadlen\":\t4,\n\t\"payload\":\t\"\"\n}\n" },
  { name: "%j", opts: {format: "%j"}, msg: { topic: "d/17715/117", payload: "", qos: 0 }, ts: { sec: 1795450925, nsec: 209172123 }, expected: "{\"tst\":\"2026-11-23T16:22:05.209172+0000\",\"topic\":\"d/17715/117\",\"qos\":0,\"retain\":0,\"payloadlen\":0,\"payload\":null}\n" },
  { name: "%j --pretty", opts: {format: "%j",pretty: true}, msg: { topic: "d/17715/118", payload: "", qos: 0 }, ts: { sec: 1795450925, nsec: 376291123 }, expected: "{\n\t\"tst\":\t\"2026-11-23T16:22:05.376291+0000\",\n\t\"topic\":\t\"d/17715/118\",\n\t\"qos\":\t0,\n\t\"retain\":\t0,\n\t\"payloadlen\":\t0,\n\t\"payload\":\tnull\n}\n" },
  { name: "%j", opts: {format: "%j"}, msg: { topic: "d/17715/119", payload: "{\"a\":1}", qos: 0 }, ts: { sec: 1795450925, nsec: 547605123 }, expected: "{\"tst\":\"2026-11-23T16:22:05.547605+0000\",\"topic\":\"d/17715/119\",\"qos\":0,\"retain\":0,\"payloadlen\":7,\"payload\":\"{\\\"a\\\":1}\"}\n" },
  { name: "%j --pretty", opts: {format: "%j",pretty: true}, msg: { topic: "d/17715/120", payload: "{\"a\":1}", qos: 0 }, ts: { sec: 1795450925, nsec: 713742123 }, expected: "{\n\t\"tst\":\t\"2026-11-23T16:22:05.713742+0000\",\n\t\"topic\":\t\"d/17715/120\",\n\t\"qos\":\t0,\n\t\"retain\":\t0,\n\t\"payloadlen\":\t7,\n\t\"payload\":\t\"{\\\"a\\\":1}\"\n}\n" },
  { name: "%j", opts: {format: "%j"}, msg: { topic: "d/17715/121", payload: "hi", qos: 1, messageId: 1, properties: { subscriptionIdentifier: 7, payloadFormatIndicator: true, responseTopic: "r/té", correlationData: hex('6301225cff0064'), userProperties: {"k1":["v1","v3"],"k\"2":"v\\2","é":"ü"}, contentType: "text/plain\"", messageExpiryInterval: 60 } }, ts: { sec: 1795450925, nsec: 881854123 }, expected: hex('7b22747374223a22323032362d31312d32335431363a32323a30352e3838313835342b30303030222c22746f706963223a22642f31373731352f313231222c22716f73223a312c2272657461696e223a302c227061796c6f61646c656e223a322c226d6964223a312c2270726f70657274696573223a7b22737562736372697074696f6e2d6964656e746966696572223a372c227061796c6f61642d666f726d61742d696e64696361746f72223a312c22726573706f6e73652d746f706963223a22722f74c3a9222c22636f7272656c6174696f6e2d64617461223a22635c75303030315c225c5cff222c22757365722d70726f70657274696573223a7b226b31223a227631222c226b31223a227633222c226b5c2232223a22765c5c32222c22c3a9223a22c3bc227d2c22636f6e74656e742d74797065223a22746578742f706c61696e5c22222c226d6573736167652d6578706972792d696e74657276616c223a36307d2c227061796c6f6164223a226869227d0a') },
  { name: "%j --pretty", opts: {format: "%j",pretty: true}, msg: { topic: "d/17715/122", payload: "hi", qos: 1, messageId: 1, properties: { subscriptionIdentifier: 7, payloadFormatIndicator: true, responseTopic: "r/té", correlationData: hex('6301225cff0064'), userProperties: {"k1":["v1","v3"],"k\"2":"v\\2","é":"ü"}, contentType: "text/plain\"", messageExpiryInterval: 60 } }, ts: { sec: 1795450926, nsec: 49864123 }, expected: hex('7b0a0922747374223a0922323032362d31312d32335431363a32323a30362e3034393836342b30303030222c0a0922746f706963223a0922642f31373731352f313232222c0a0922716f73223a09312c0a092272657461696e223a09302c0a09227061796c6f61646c656e223a09322c0a09226d6964223a09312c0a092270726f70657274696573223a097b0a090922737562736372697074696f6e2d6964656e746966696572223a09372c0a0909227061796c6f61642d666f726d61742d696e64696361746f72223a09312c0a090922726573706f6e73652d746f706963223a0922722f74c3a9222c0a090922636f7272656c6174696f6e2d64617461223a0922635c75303030315c225c5cff222c0a090922757365722d70726f70657274696573223a097b0a090909226b31223a09227631222c0a090909226b31223a09227633222c0a090909226b5c2232223a0922765c5c32222c0a09090922c3a9223a0922c3bc220a09097d2c0a090922636f6e74656e742d74797065223a0922746578742f706c61696e5c22222c0a0909226d6573736167652d6578706972792d696e74657276616c223a0936300a097d2c0a09227061796c6f6164223a09226869220a7d0a') },
  { name: "%J --pretty", opts: {format: "%J",pretty: true}, msg: { topic: "d/17715/123", payload: "{\"a\":[1,2]}", qos: 2, messageId: 1, properties: { subscriptionIdentifier: 12345, payloadFormatIndicator: true, responseTopic: "r/té", correlationData: hex('6301225cff0064'), userProperties: {"k1":["v1","v3"],"k\"2":"v\\2","é":"ü"}, contentType: "text/plain\"", messageExpiryInterval: 60 } }, ts: { sec: 1795450926, nsec: 229568123 }, expected: hex('7b0a0922747374223a0922323032362d31312d32335431363a32323a30362e3232393536382b30303030222c0a0922746f706963223a0922642f31373731352f313233222c0a0922716f73223a09322c0a092272657461696e223a09302c0a09227061796c6f61646c656e223a0931312c0a09226d6964223a09312c0a092270726f70657274696573223a097b0a090922737562736372697074696f6e2d6964656e746966696572223a0931323334352c0a0909227061796c6f61642d666f726d61742d696e64696361746f72223a09312c0a090922726573706f6e73652d746f706963223a0922722f74c3a9222c0a090922636f7272656c6174696f6e2d64617461223a0922635c75303030315c225c5cff222c0a090922757365722d70726f70657274696573223a097b0a090909226b31223a09227631222c0a090909226b31223a09227633222c0a090909226b5c2232223a0922765c5c32222c0a09090922c3a9223a0922c3bc220a09097d2c0a090922636f6e74656e742d74797065223a0922746578742f706c61696e5c22222c0a0909226d6573736167652d6578706972792d696e74657276616c223a0936300a097d2c0a09227061796c6f6164223a097b0a09092261223a095b312c20325d0a097d0a7d0a') },
  { name: "%J", opts: {format: "%J"}, msg: { topic: "d/17715/124", payload: "{\"a\":[1,2]}", qos: 0, retain: true, properties: { contentType: "x", payloadFormatIndicator: false } }, ts: { sec: 1795450926, nsec: 308287123 }, expected: "{\"tst\":\"2026-11-23T16:22:06.308287+0000\",\"topic\":\"d/17715/124\",\"qos\":0,\"retain\":1,\"payloadlen\":11,\"properties\":{\"content-type\":\"x\",\"payload-format-indicator\":0},\"payload\":{\"a\":[1,2]}}\n" },
  { name: "%j|%J", opts: {format: "%j|%J"}, msg: { topic: "d/17715/125", payload: "bad", qos: 1, retain: true, messageId: 1 }, ts: { sec: 1795450926, nsec: 487311123 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/125.", expected: "{\"tst\":\"2026-11-23T16:22:06.487311+0000\",\"topic\":\"d/17715/125\",\"qos\":1,\"retain\":1,\"payloadlen\":3,\"mid\":1,\"payload\":\"bad\"}|\n" },
  { name: "%t %J %t", opts: {format: "%t %J %t"}, msg: { topic: "d/17715/126", payload: "bad", qos: 0 }, ts: { sec: 1795450926, nsec: 753379724 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/126.", expected: "d/17715/126  d/17715/126\n" },
  { name: "%J -N", opts: {format: "%J",noEol: true}, msg: { topic: "d/17715/127", payload: "bad", qos: 0 }, ts: { sec: 1795450926, nsec: 920631570 }, stderr: "Error: Message payload is not valid JSON on topic d/17715/127.", expected: "" },
  { name: "%j", opts: {format: "%j"}, msg: { topic: "t/\"\\é/𝄞", payload: "x", qos: 0 }, ts: { sec: 1795450927, nsec: 430401123 }, expected: "{\"tst\":\"2026-11-23T16:22:07.430401+0000\",\"topic\":\"t/\\\"\\\\é/𝄞\",\"qos\":0,\"retain\":0,\"payloadlen\":1,\"payload\":\"x\"}\n" },
  { name: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j", opts: {format: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j"}, msg: { topic: "d/17859/0", payload: "x", qos: 0 }, ts: { sec: 1795450928, nsec: 415608123 }, expected: "Mon|Monday|Nov|November|Mon Nov 23 16:22:08 2026|20|23|11/23/26|23|%E|%f|2026-11-23|26|2026|Nov|16|%i|04|327|%J|16|%K| 4|%L|11|22|\n|%o|%O|PM|pm|%q|%Q|04:22:08 PM|16:22|1795450928|08|\t|16:22:08|1|47|%v|48|1|47|11/23/26|16:22:08|26|2026|+0000|UTC|%+|%|%1|%_|%-|%.|%#|%^|% |%é|2026-11-23T16:22:08+0000|      2026-11-23T16:22:08+0000|2026-11-23T16:22:08+0000      |2026-11-23|      2026-11-23T16:22:08+0000|{\"tst\":\"2026-11-23T16:22:08.415608+0000\",\"topic\":\"d/17859/0\",\"qos\":0,\"retain\":0,\"payloadlen\":1,\"payload\":\"x\"}\n" },
  { name: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j TZ=", opts: {format: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j"}, msg: { topic: "d/17859/1", payload: "x", qos: 0 }, ts: { sec: 1795450928, nsec: 598743123 }, tz: "", expected: "Mon|Monday|Nov|November|Mon Nov 23 16:22:08 2026|20|23|11/23/26|23|%E|%f|2026-11-23|26|2026|Nov|16|%i|04|327|%J|16|%K| 4|%L|11|22|\n|%o|%O|PM|pm|%q|%Q|04:22:08 PM|16:22|1795450928|08|\t|16:22:08|1|47|%v|48|1|47|11/23/26|16:22:08|26|2026|+0000|UTC|%+|%|%1|%_|%-|%.|%#|%^|% |%é|2026-11-23T16:22:08+0000|      2026-11-23T16:22:08+0000|2026-11-23T16:22:08+0000      |2026-11-23|      2026-11-23T16:22:08+0000|{\"tst\":\"2026-11-23T16:22:08.598743+0000\",\"topic\":\"d/17859/1\",\"qos\":0,\"retain\":0,\"payloadlen\":1,\"payload\":\"x\"}\n" },
  { name: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j TZ=Asia/Kolkata", opts: {format: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j"}, msg: { topic: "d/17859/2", payload: "x", qos: 0 }, ts: { sec: 1795450928, nsec: 773097123 }, tz: "Asia/Kolkata", expected: "Mon|Monday|Nov|November|Mon Nov 23 21:52:08 2026|20|23|11/23/26|23|%E|%f|2026-11-23|26|2026|Nov|21|%i|09|327|%J|21|%K| 9|%L|11|52|\n|%o|%O|PM|pm|%q|%Q|09:52:08 PM|21:52|1795450928|08|\t|21:52:08|1|47|%v|48|1|47|11/23/26|21:52:08|26|2026|+0530|IST|%+|%|%1|%_|%-|%.|%#|%^|% |%é|2026-11-23T21:52:08+0530|      2026-11-23T21:52:08+0530|2026-11-23T21:52:08+0530      |2026-11-23|      2026-11-23T21:52:08+0530|{\"tst\":\"2026-11-23T21:52:08.773097+0530\",\"topic\":\"d/17859/2\",\"qos\":0,\"retain\":0,\"payloadlen\":1,\"payload\":\"x\"}\n" },
  { name: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j TZ=America/St_Johns", opts: {format: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j"}, msg: { topic: "d/17859/3", payload: "x", qos: 0 }, ts: { sec: 1795450928, nsec: 945436123 }, tz: "America/St_Johns", expected: "Mon|Monday|Nov|November|Mon Nov 23 12:52:08 2026|20|23|11/23/26|23|%E|%f|2026-11-23|26|2026|Nov|12|%i|12|327|%J|12|%K|12|%L|11|52|\n|%o|%O|PM|pm|%q|%Q|12:52:08 PM|12:52|1795450928|08|\t|12:52:08|1|47|%v|48|1|47|11/23/26|12:52:08|26|2026|-0330|NST|%+|%|%1|%_|%-|%.|%#|%^|% |%é|2026-11-23T12:52:08-0330|      2026-11-23T12:52:08-0330|2026-11-23T12:52:08-0330      |2026-11-23|      2026-11-23T12:52:08-0330|{\"tst\":\"2026-11-23T12:52:08.945436-0330\",\"topic\":\"d/17859/3\",\"qos\":0,\"retain\":0,\"payloadlen\":1,\"payload\":\"x\"}\n" },
  { name: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j TZ=Nowhere/Zone", opts: {format: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j"}, msg: { topic: "d/17859/4", payload: "x", qos: 0 }, ts: { sec: 1795450929, nsec: 124218123 }, tz: "Nowhere/Zone", expected: "Mon|Monday|Nov|November|Mon Nov 23 16:22:09 2026|20|23|11/23/26|23|%E|%f|2026-11-23|26|2026|Nov|16|%i|04|327|%J|16|%K| 4|%L|11|22|\n|%o|%O|PM|pm|%q|%Q|04:22:09 PM|16:22|1795450929|09|\t|16:22:09|1|47|%v|48|1|47|11/23/26|16:22:09|26|2026|+0000|Nowhere|%+|%|%1|%_|%-|%.|%#|%^|% |%é|2026-11-23T16:22:09+0000|      2026-11-23T16:22:09+0000|2026-11-23T16:22:09+0000      |2026-11-23|      2026-11-23T16:22:09+0000|{\"tst\":\"2026-11-23T16:22:09.124218+0000\",\"topic\":\"d/17859/4\",\"qos\":0,\"retain\":0,\"payloadlen\":1,\"payload\":\"x\"}\n" },
  { name: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j TZ=XYZ+3", opts: {format: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j"}, msg: { topic: "d/17859/5", payload: "x", qos: 0 }, ts: { sec: 1795450929, nsec: 296429123 }, tz: "XYZ+3", expected: "Mon|Monday|Nov|November|Mon Nov 23 13:22:09 2026|20|23|11/23/26|23|%E|%f|2026-11-23|26|2026|Nov|13|%i|01|327|%J|13|%K| 1|%L|11|22|\n|%o|%O|PM|pm|%q|%Q|01:22:09 PM|13:22|1795450929|09|\t|13:22:09|1|47|%v|48|1|47|11/23/26|13:22:09|26|2026|-0300|XYZ|%+|%|%1|%_|%-|%.|%#|%^|% |%é|2026-11-23T13:22:09-0300|      2026-11-23T13:22:09-0300|2026-11-23T13:22:09-0300      |2026-11-23|      2026-11-23T13:22:09-0300|{\"tst\":\"2026-11-23T13:22:09.296429-0300\",\"topic\":\"d/17859/5\",\"qos\":0,\"retain\":0,\"payloadlen\":1,\"payload\":\"x\"}\n" },
  { name: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j TZ=XYZ-3:30ABC,M3.5.0,M10.5.0/3", opts: {format: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j"}, msg: { topic: "d/17859/6", payload: "x", qos: 0 }, ts: { sec: 1795450929, nsec: 468260123 }, tz: "XYZ-3:30ABC,M3.5.0,M10.5.0/3", expected: "Mon|Monday|Nov|November|Mon Nov 23 19:52:09 2026|20|23|11/23/26|23|%E|%f|2026-11-23|26|2026|Nov|19|%i|07|327|%J|19|%K| 7|%L|11|52|\n|%o|%O|PM|pm|%q|%Q|07:52:09 PM|19:52|1795450929|09|\t|19:52:09|1|47|%v|48|1|47|11/23/26|19:52:09|26|2026|+0330|XYZ|%+|%|%1|%_|%-|%.|%#|%^|% |%é|2026-11-23T19:52:09+0330|      2026-11-23T19:52:09+0330|2026-11-23T19:52:09+0330      |2026-11-23|      2026-11-23T19:52:09+0330|{\"tst\":\"2026-11-23T19:52:09.468260+0330\",\"topic\":\"d/17859/6\",\"qos\":0,\"retain\":0,\"payloadlen\":1,\"payload\":\"x\"}\n" },
  { name: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j TZ=:Europe/Paris", opts: {format: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j"}, msg: { topic: "d/17859/7", payload: "x", qos: 0 }, ts: { sec: 1795450929, nsec: 645226123 }, tz: ":Europe/Paris", expected: "Mon|Monday|Nov|November|Mon Nov 23 17:22:09 2026|20|23|11/23/26|23|%E|%f|2026-11-23|26|2026|Nov|17|%i|05|327|%J|17|%K| 5|%L|11|22|\n|%o|%O|PM|pm|%q|%Q|05:22:09 PM|17:22|1795450929|09|\t|17:22:09|1|47|%v|48|1|47|11/23/26|17:22:09|26|2026|+0100|CET|%+|%|%1|%_|%-|%.|%#|%^|% |%é|2026-11-23T17:22:09+0100|      2026-11-23T17:22:09+0100|2026-11-23T17:22:09+0100      |2026-11-23|      2026-11-23T17:22:09+0100|{\"tst\":\"2026-11-23T17:22:09.645226+0100\",\"topic\":\"d/17859/7\",\"qos\":0,\"retain\":0,\"payloadlen\":1,\"payload\":\"x\"}\n" },
  { name: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j TZ=EST5EDT", opts: {format: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j"}, msg: { topic: "d/17859/9", payload: "x", qos: 0 }, ts: { sec: 1795450929, nsec: 987155123 }, tz: "EST5EDT", expected: "Mon|Monday|Nov|November|Mon Nov 23 11:22:09 2026|20|23|11/23/26|23|%E|%f|2026-11-23|26|2026|Nov|11|%i|11|327|%J|11|%K|11|%L|11|22|\n|%o|%O|AM|am|%q|%Q|11:22:09 AM|11:22|1795450929|09|\t|11:22:09|1|47|%v|48|1|47|11/23/26|11:22:09|26|2026|-0500|EST|%+|%|%1|%_|%-|%.|%#|%^|% |%é|2026-11-23T11:22:09-0500|      2026-11-23T11:22:09-0500|2026-11-23T11:22:09-0500      |2026-11-23|      2026-11-23T11:22:09-0500|{\"tst\":\"2026-11-23T11:22:09.987155-0500\",\"topic\":\"d/17859/9\",\"qos\":0,\"retain\":0,\"payloadlen\":1,\"payload\":\"x\"}\n" },
  { name: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j TZ=ab", opts: {format: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j"}, msg: { topic: "d/17859/13", payload: "x", qos: 0 }, ts: { sec: 1795450930, nsec: 677471123 }, tz: "ab", expected: "Mon|Monday|Nov|November|Mon Nov 23 16:22:10 2026|20|23|11/23/26|23|%E|%f|2026-11-23|26|2026|Nov|16|%i|04|327|%J|16|%K| 4|%L|11|22|\n|%o|%O|PM|pm|%q|%Q|04:22:10 PM|16:22|1795450930|10|\t|16:22:10|1|47|%v|48|1|47|11/23/26|16:22:10|26|2026|+0000||%+|%|%1|%_|%-|%.|%#|%^|% |%é|2026-11-23T16:22:10+0000|      2026-11-23T16:22:10+0000|2026-11-23T16:22:10+0000      |2026-11-23|      2026-11-23T16:22:10+0000|{\"tst\":\"2026-11-23T16:22:10.677471+0000\",\"topic\":\"d/17859/13\",\"qos\":0,\"retain\":0,\"payloadlen\":1,\"payload\":\"x\"}\n" },
  { name: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j TZ=<+05>-5", opts: {format: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j"}, msg: { topic: "d/17859/16", payload: "x", qos: 0 }, ts: { sec: 1795450931, nsec: 194280123 }, tz: "<+05>-5", expected: "Mon|Monday|Nov|November|Mon Nov 23 21:22:11 2026|20|23|11/23/26|23|%E|%f|2026-11-23|26|2026|Nov|21|%i|09|327|%J|21|%K| 9|%L|11|22|\n|%o|%O|PM|pm|%q|%Q|09:22:11 PM|21:22|1795450931|11|\t|21:22:11|1|47|%v|48|1|47|11/23/26|21:22:11|26|2026|+0500|+05|%+|%|%1|%_|%-|%.|%#|%^|% |%é|2026-11-23T21:22:11+0500|      2026-11-23T21:22:11+0500|2026-11-23T21:22:11+0500      |2026-11-23|      2026-11-23T21:22:11+0500|{\"tst\":\"2026-11-23T21:22:11.194280+0500\",\"topic\":\"d/17859/16\",\"qos\":0,\"retain\":0,\"payloadlen\":1,\"payload\":\"x\"}\n" },
  { name: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j TZ=ABC-12:30:15", opts: {format: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j"}, msg: { topic: "d/17859/20", payload: "x", qos: 0 }, ts: { sec: 1795450931, nsec: 898228123 }, tz: "ABC-12:30:15", expected: "Tue|Tuesday|Nov|November|Tue Nov 24 04:52:26 2026|20|24|11/24/26|24|%E|%f|2026-11-24|26|2026|Nov|04|%i|04|328|%J| 4|%K| 4|%L|11|52|\n|%o|%O|AM|am|%q|%Q|04:52:26 AM|04:52|1795450931|26|\t|04:52:26|2|47|%v|48|2|47|11/24/26|04:52:26|26|2026|+1230|ABC|%+|%|%1|%_|%-|%.|%#|%^|% |%é|2026-11-24T04:52:26+1230|      2026-11-24T04:52:26+1230|2026-11-24T04:52:26+1230      |2026-11-24|      2026-11-24T04:52:26+1230|{\"tst\":\"2026-11-24T04:52:26.898228+1230\",\"topic\":\"d/17859/20\",\"qos\":0,\"retain\":0,\"payloadlen\":1,\"payload\":\"x\"}\n" },
  { name: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j TZ=ABC3DEF,J1,J365", opts: {format: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j"}, msg: { topic: "d/17859/22", payload: "x", qos: 0 }, ts: { sec: 1795450932, nsec: 249847123 }, tz: "ABC3DEF,J1,J365", expected: "Mon|Monday|Nov|November|Mon Nov 23 14:22:12 2026|20|23|11/23/26|23|%E|%f|2026-11-23|26|2026|Nov|14|%i|02|327|%J|14|%K| 2|%L|11|22|\n|%o|%O|PM|pm|%q|%Q|02:22:12 PM|14:22|1795450932|12|\t|14:22:12|1|47|%v|48|1|47|11/23/26|14:22:12|26|2026|-0200|DEF|%+|%|%1|%_|%-|%.|%#|%^|% |%é|2026-11-23T14:22:12-0200|      2026-11-23T14:22:12-0200|2026-11-23T14:22:12-0200      |2026-11-23|      2026-11-23T14:22:12-0200|{\"tst\":\"2026-11-23T14:22:12.249847-0200\",\"topic\":\"d/17859/22\",\"qos\":0,\"retain\":0,\"payloadlen\":1,\"payload\":\"x\"}\n" },
  { name: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j TZ=Australia/Lord_Howe", opts: {format: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j"}, msg: { topic: "d/17859/28", payload: "x", qos: 0 }, ts: { sec: 1795450933, nsec: 331607123 }, tz: "Australia/Lord_Howe", expected: "Tue|Tuesday|Nov|November|Tue Nov 24 03:22:13 2026|20|24|11/24/26|24|%E|%f|2026-11-24|26|2026|Nov|03|%i|03|328|%J| 3|%K| 3|%L|11|22|\n|%o|%O|AM|am|%q|%Q|03:22:13 AM|03:22|1795450933|13|\t|03:22:13|2|47|%v|48|2|47|11/24/26|03:22:13|26|2026|+1100|+11|%+|%|%1|%_|%-|%.|%#|%^|% |%é|2026-11-24T03:22:13+1100|      2026-11-24T03:22:13+1100|2026-11-24T03:22:13+1100      |2026-11-24|      2026-11-24T03:22:13+1100|{\"tst\":\"2026-11-24T03:22:13.331607+1100\",\"topic\":\"d/17859/28\",\"qos\":0,\"retain\":0,\"payloadlen\":1,\"payload\":\"x\"}\n" },
  { name: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j TZ=right/Europe/London", opts: {format: "@a|@A|@b|@B|@c|@C|@d|@D|@e|@E|@f|@F|@g|@G|@h|@H|@i|@I|@j|@J|@k|@K|@l|@L|@m|@M|@n|@o|@O|@p|@P|@q|@Q|@r|@R|@s|@S|@t|@T|@u|@U|@v|@V|@w|@W|@x|@X|@y|@Y|@z|@Z|@+|@%|@1|@_|@-|@.|@#|@^|@ |@é|%I|%30I|%-30I|%.10I|%030I|%j"}, msg: { topic: "d/17859/33", payload: "x", qos: 0 }, ts: { sec: 1795450934, nsec: 246205123 }, tz: "right/Europe/London", expected: "Mon|Monday|Nov|November|Mon Nov 23 17:21:47 2026|20|23|11/23/26|23|%E|%f|2026-11-23|26|2026|Nov|17|%i|05|327|%J|17|%K| 5|%L|11|21|\n|%o|%O|PM|pm|%q|%Q|05:21:47 PM|17:21|1795450934|47|\t|17:21:47|1|47|%v|48|1|47|11/23/26|17:21:47|26|2026|+0100|BST|%+|%|%1|%_|%-|%.|%#|%^|% |%é|2026-11-23T17:21:47+0100|      2026-11-23T17:21:47+0100|2026-11-23T17:21:47+0100      |2026-11-23|      2026-11-23T17:21:47+0100|{\"tst\":\"2026-11-23T17:21:47.246205+0100\",\"topic\":\"d/17859/33\",\"qos\":0,\"retain\":0,\"payloadlen\":1,\"payload\":\"x\"}\n" },
  { name: "-v", opts: {verbose: true}, msg: { topic: "tö/pic/é", payload: "héllo", qos: 0 }, expected: "tö/pic/é héllo\n" },
  { name: "-v", opts: {verbose: true}, msg: { topic: "d/17911/0", payload: "x", qos: 0, retain: true }, expected: "d/17911/0 x\n" },
  { name: "%r|%q|%t", opts: {format: "%r|%q|%t"}, msg: { topic: "d/17911/1", payload: "x", qos: 1, retain: true, messageId: 1 }, expected: "1|1|d/17911/1\n" },
  { name: "%r|%q|%t", opts: {format: "%r|%q|%t"}, msg: { topic: "d/17911/2", payload: "x", qos: 1, retain: true, messageId: 1 }, expected: "1|1|d/17911/2\n" },
  { name: "%x|%X|%p|%l", opts: {format: "%x|%X|%p|%l"}, msg: { topic: "d/17911/3", payload: "é€😀", qos: 0 }, expected: "c3a9e282acf09f9880|C3A9E282ACF09F9880|é€😀|9\n" },
  { name: "%F|%j", opts: {format: "%F|%j"}, msg: { topic: "d/17911/11", payload: "x", qos: 0, properties: { payloadFormatIndicator: false } }, ts: { sec: 1795450938, nsec: 428385123 }, expected: "0|{\"tst\":\"2026-11-23T16:22:18.428385+0000\",\"topic\":\"d/17911/11\",\"qos\":0,\"retain\":0,\"payloadlen\":1,\"properties\":{\"payload-format-indicator\":0},\"payload\":\"x\"}\n" },
  { name: "a%%b@@c\\\\d%5%e", opts: {format: "a%%b@@c\\\\d%5%e"}, msg: { topic: "d/17911/12", payload: "x", qos: 0 }, expected: "a%b@c\\d%e\n" },
  { name: "%t\\0%p\\0", opts: {format: "%t\\0%p\\0"}, msg: { topic: "d/17911/13", payload: "a b", qos: 0 }, expected: "d/17911/13\u0000a b\u0000\n" },
  { name: "\\e[31m%t\\e[0m %p", opts: {format: "\\e[31m%t\\e[0m %p"}, msg: { topic: "d/17911/14", payload: "x", qos: 0 }, expected: "\u001b[31md/17911/14\u001b[0m x\n" },
  { name: "%-5m|%5m|%05m", opts: {format: "%-5m|%5m|%05m"}, msg: { topic: "d/17911/15", payload: "x", qos: 2, messageId: 1 }, expected: "1    |    1|00001\n" },
  { name: "%200t|%-200.100t|", opts: {format: "%200t|%-200.100t|"}, msg: { topic: "d/17911/16", payload: "x", qos: 0 }, expected: "                                                                                                                                                                                              d/17911/16|d/17911/16                                                                                                                                                                                              |\n" },
  { name: "%p -N", opts: {format: "%p",noEol: true}, msg: { topic: "d/17911/17", payload: "", qos: 0 }, expected: "" },
  { name: "%J -N", opts: {format: "%J",noEol: true}, msg: { topic: "d/17911/18", payload: "bad", qos: 0 }, stderr: "Error: Message payload is not valid JSON on topic d/17911/18.", expected: "" },
];

for (const [i, row] of ROWS.entries()) {
  test(`mosquitto_sub #${i}: ${row.name}`, () => {
    if (row.error !== undefined) {
      assert.throws(
        () => createFormatter(fullOpts(row.opts)),
        (e: unknown) => e instanceof FormatError && e.message === row.error,
      );
      return;
    }
    const errors: string[] = [];
    const got = withTz(row.tz, () => createFormatter(fullOpts(row.opts, errors))(packet(row.msg!) as never, row.ts));
    const want = typeof row.expected === 'string' ? Buffer.from(row.expected, 'utf8') : row.expected!;
    assert.equal(got.toString('latin1'), want.toString('latin1'));
    assert.deepEqual(errors, row.stderr === undefined ? [] : [row.stderr]);
  });
}

// ---------------------------------------------------------------------------
// Hand-written checks (behaviour observed with mosquitto_sub 2.0.11)

const fmt = (format: string | undefined, m: Msg, ts?: Timestamp, o: Partial<FormatOptions> = {}) =>
  createFormatter(fullOpts({ ...o, format }))(packet(m) as never, ts).toString('utf8');

test('%J nesting limit: 1000 levels are accepted, 1001 rejected', () => {
  const ok = '['.repeat(1000) + ']'.repeat(1000);
  const bad = '['.repeat(1001) + ']'.repeat(1001);
  const ts = { sec: 1795450631, nsec: 0 };
  assert.equal(
    fmt('%J', { topic: 't', payload: ok, qos: 0 }, ts),
    `{"tst":"2026-11-23T16:17:11.000000+0000","topic":"t","qos":0,"retain":0,"payloadlen":2000,"payload":${ok}}\n`,
  );
  const errors: string[] = [];
  const out = createFormatter(fullOpts({ format: '%J' }, errors))(
    packet({ topic: 't', payload: bad, qos: 0 }) as never,
    ts,
  );
  assert.equal(out.toString(), '\n');
  assert.deepEqual(errors, ['Error: Message payload is not valid JSON on topic t.']);
});

test('@N is the nanoseconds, always 9 digits', () => {
  // mosquitto_sub printed e.g. "096405828" for @N
  assert.equal(fmt('@N', { topic: 't', payload: 'x', qos: 0 }, { sec: 1795450238, nsec: 96405828 }), '096405828\n');
  assert.equal(
    fmt('@N|%U', { topic: 't', payload: 'x', qos: 0 }, { sec: 1795450238, nsec: 5 }),
    '000000005|1795450238.000000005\n',
  );
});

test('time fields default to the current time', () => {
  const before = Date.now();
  const out = fmt('%I|%U|@N|%j', { topic: 't', payload: 'x', qos: 0 });
  const after = Date.now();
  const m =
    /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000)\|(\d+)\.(\d{9})\|(\d{9})\|(\{"tst":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000",.*\})\n$/.exec(
      out,
    );
  assert.ok(m, out);
  const ms = Number(m[2]) * 1000 + Number(m[3]) / 1e6;
  assert.ok(ms >= before - 5 && ms <= after + 5, `${ms} not in [${before}, ${after}]`);
  assert.equal(m[3], m[4]);
  assert.equal(JSON.parse(m[5]).payload, 'x');
});

test('now() returns the wall clock with sub-millisecond precision', () => {
  const t = now();
  assert.ok(Number.isInteger(t.sec) && Number.isInteger(t.nsec));
  assert.ok(t.nsec >= 0 && t.nsec < 1e9);
  assert.ok(Math.abs(t.sec * 1000 + t.nsec / 1e6 - Date.now()) < 50);
});

test('now() agrees with Date.now() to the millisecond, and never goes back', () => {
  // Anchored when the wall clock ticks, now() is never behind Date.now() read just after it
  // (anchored at another moment it could be up to 1 ms behind), nor a tick ahead.
  let last = 0;
  const end = Date.now() + 20;
  for (let wall = 0; wall < end; ) {
    const before = Date.now();
    const t = now();
    wall = Date.now();
    const ms = t.sec * 1000 + t.nsec / 1e6;
    assert.ok(ms >= before - 0.1, `now() ${ms} behind Date.now() ${before} read before it`);
    // (0.1 ms of slack either way: a virtual machine's clock can jitter between CPUs.)
    assert.ok(ms < wall + 1.1, `now() ${ms} ahead of Date.now() ${wall} read after it`);
    assert.ok(ms >= last, 'monotonic');
    last = ms;
  }
});

test('returned buffers are independent of later calls', () => {
  const f = createFormatter(fullOpts({ format: '%t %p' }));
  const a = f(packet({ topic: 'a', payload: 'one', qos: 0 }) as never);
  const b = f(packet({ topic: 'b', payload: Buffer.alloc(100000, 0x41), qos: 0 }) as never);
  assert.equal(a.toString(), 'a one\n');
  assert.equal(b.length, 2 + 100000 + 1);
});

test('string payloads are accepted as UTF-8', () => {
  assert.equal(fmt('%p|%l|%x', { topic: 't', payload: 'é', qos: 0 }), 'é|2|c3a9\n');
});

test('user properties with repeated names print every value', () => {
  // mosquitto_sub: %P is "name:value" pairs joined by a space; JSON repeats the key
  const m: Msg = { topic: 't', payload: 'x', qos: 0, properties: { userProperties: { k1: ['v1', 'v3'], k2: 'v2' } } };
  assert.equal(fmt('%P', m), 'k1:v1 k1:v3 k2:v2\n');
  const j = fmt('%j', m, { sec: 0, nsec: 0 });
  assert.ok(j.includes('"properties":{"user-properties":{"k1":"v1","k1":"v3","k2":"v2"}}'), j);
});

test('missing v5 properties: numbers and %C pad, %R/%D/%P print nothing', () => {
  const m: Msg = { topic: 't', payload: 'x', qos: 0 };
  assert.equal(fmt('[%3A][%03E][%-3F][%3S][%3C][%03C][%3R][%3D][%3P]', m), '[   ][000][   ][   ][   ][   ][][][]\n');
});

test('--pretty with -v or plain output changes nothing', () => {
  const m: Msg = { topic: 't', payload: '{"a":1}', qos: 0 };
  assert.equal(fmt(undefined, m, undefined, { verbose: true, pretty: true }), 't {"a":1}\n');
});

// mosquitto 2.1's additions to -F (2.0.11 refuses them: "Invalid format specifier"), checked
// against C's printf as Python's % operator implements it, and against 2.1's manual.
test('%f and %d: the payload as a 4- or 8-byte IEEE 754 number, printf-style (mosquitto 2.1)', async () => {
  const { spawnSync } = await import('node:child_process');
  const values = [0, -0, 1.5, 2.5, -2.5, 0.1, 1 / 3, 123456.789, 1e21, -1e300, 5e-324, 3.4028234663852886e38];
  const specs = ['%f', '%d', '%.0f', '%.3d', '%12.4f', '%-12.2d', '%012.3f', '%-012.1f', '%5d', '%.10d'];
  const cases: Array<[string, string, string]> = [];
  for (const v of values) {
    for (const spec of specs) {
      const double = spec.endsWith('d');
      if (!double && !Number.isFinite(Math.fround(v))) continue; // inf: below
      const payload = Buffer.alloc(double ? 8 : 4);
      if (double) payload.writeDoubleLE(v);
      else payload.writeFloatLE(v);
      cases.push([spec, payload.toString('hex'), double ? 'd' : 'f']);
    }
  }
  const py = `
import json, struct, sys
out = []
for spec, h, kind in json.load(sys.stdin):
    b = bytes.fromhex(h)
    v = struct.unpack('<d', b)[0] if kind == 'd' else struct.unpack('<f', b)[0]
    out.append((spec[:-1] + 'f') % v)
print(json.dumps(out))
`;
  const r = spawnSync('python3', ['-c', py], { input: JSON.stringify(cases), encoding: 'utf8' });
  if (r.status !== 0) return; // no python3: the unit rows below still run
  const expected = JSON.parse(r.stdout) as string[];
  cases.forEach(([spec, h], i) => {
    const got = fmt(spec, { topic: 't', payload: Buffer.from(h, 'hex'), qos: 0 }).replace(/\n$/, '');
    assert.equal(got, expected[i], `${spec} of ${h}`);
  });
  // inf and nan as glibc prints them (Python pads them with zeros; C does not).
  const special = (v: number, spec: string) => {
    const payload = Buffer.alloc(8);
    payload.writeDoubleLE(v);
    return fmt(spec, { topic: 't', payload, qos: 0 }).replace(/\n$/, '');
  };
  assert.equal(special(-Infinity, '[%012.3d]'), '[        -inf]');
  assert.equal(special(Infinity, '[%-012.1d]'), '[inf         ]');
  assert.equal(special(NaN, '[%012.3d]'), '[         nan]');
  // Not a float: mosquitto 2.1's message on stderr, nothing printed for the field.
  const errors: string[] = [];
  const out = createFormatter(fullOpts({ format: '[%f|%d]' }, errors))(
    packet({ topic: 't', payload: 'abc', qos: 0 }) as never,
    now(),
  );
  assert.equal(out.toString(), '[|]\n');
  assert.deepEqual(errors, [
    'requested float printing, but non-float data received',
    'requested double printing, but non-double data received',
  ]);
});

test("%x and %X split by a separator: %.2:x (mosquitto 2.1); %.2x keeps 2.0.11's meaning", () => {
  const m = { topic: 't', payload: hex('1883abcd02'), qos: 0 as const };
  assert.equal(fmt('%.2:x|%.2-X|%.4/x', m), '18:83:ab:cd:02|18-83-AB-CD-02|1883/abcd/02\n');
  assert.equal(fmt('%.2:x', m), '18:83:ab:cd:02\n');
  assert.equal(fmt('%.1,x', { ...m, payload: hex('abcd') }), 'a,b,c,d\n');
  assert.equal(fmt('%.3.x', m), '188.3ab.cd0.2\n');
  assert.equal(fmt('%.2x', m), '1883abcd02\n', '2.0.11: no split without a separator');
  // Width: at most that many bytes, padded to that many characters (pads count as digits).
  assert.equal(fmt('%12.2:x', { ...m, payload: hex('abcd') }), '  :  :  :  :ab:cd\n');
  assert.equal(fmt('%-12.2:x', { ...m, payload: hex('abcd') }), 'ab:cd        \n');
});

// What mosquitto_sub 2.1.2 (built from its v2.1.2 tag) printed for each format, a retained
// message on topic fmt/t with payload "hello", on fmt/f with the float 1.5 and on fmt/d with
// the double -2.25 (-N). mosquitto_sub 2.0.11 refuses every one ("Invalid format specifier"),
// so 2.1.2's way is taken.
const SEPARATED: Array<[string, string, 't' | 'f' | 'd']> = [
  ['%.2 x', '68 65 6c 6c 6f', 't'],
  ['%.2 X', '68 65 6C 6C 6F', 't'],
  ['% x', '68656c6c6f', 't'],
  ['%.0 x', '68656c6c6f', 't'],
  ['%010.4 X', '6865 6C6C 6F', 't'],
  ['%-10 x|', '68656c6c6f|', 't'],
  ['%5..x', '68656c6c6f', 't'],
  ['%:t', 'fmt/t', 't'],
  ['%-10:t|', 'fmt/t     |', 't'],
  ['%-:t', 'fmt/t', 't'],
  ['%5-t', 'fmt/t', 't'],
  ['%0-t', 'fmt/t', 't'],
  ['%10:l', '         5', 't'],
  ['%05:l', '00005', 't'],
  ['%:p', 'hello', 't'],
  ['%:%', '%', 't'],
  ['%7 q', '0', 't'],
  ['%3 r', '1', 't'],
  ['%.3:f', '1.500', 'f'],
  ['%10.2 f', '      1.50', 'f'],
  ['%5.2:d', '-2.25', 'd'],
  ['%-9.1|d|', '-2.2     |', 'd'],
];
// Refused by both: 2.0.11's message (2.1.2 names the character after the separator, or a NUL).
const STILL_REFUSED: Array<[string, string]> = [
  ['%::t', ':'],
  ['%.2  x', ' '],
  ['%:z', ':'],
  ['% .2x', ' '],
  ['%.2 ', ' '],
  ['%:', ':'],
  ['%0-5t', '-'],
];

test('a separator before a conversion (mosquitto 2.1.2): a space splits %x too, before the others it is ignored', () => {
  const payloads = { t: Buffer.from('hello'), f: Buffer.alloc(4), d: Buffer.alloc(8) };
  payloads.f.writeFloatLE(1.5);
  payloads.d.writeDoubleLE(-2.25);
  for (const [format, want, kind] of SEPARATED) {
    assert.equal(
      fmt(format, { topic: `fmt/${kind}`, payload: payloads[kind], qos: 0, retain: true }, undefined, { noEol: true }),
      want,
      format,
    );
  }
  for (const [format, ch] of STILL_REFUSED) {
    assert.throws(
      () => fmt(format, { topic: 't', payload: 'x', qos: 0 }),
      (e: Error) => e instanceof FormatError && e.message === `Error: Invalid format specifier '${ch}'.`,
      format,
    );
  }
});

test('mosquitto_sub 2.0.11 refuses each of those formats (so 2.1.2 is followed), with the message tssub gives where both refuse', async (t) => {
  const { spawnSync } = await import('node:child_process');
  if (spawnSync('mosquitto_sub', ['--help']).error) {
    t.skip('mosquitto_sub is not installed (apt-get install -y mosquitto-clients)');
    return;
  }
  // The format is checked before anything is connected.
  const refusal = (format: string) =>
    spawnSync('mosquitto_sub', ['-t', 'x', '-p', '1', '-F', format], { encoding: 'utf8' });
  for (const [format] of SEPARATED) {
    const r = refusal(format);
    assert.equal(r.status, 1, format);
    assert.match(r.stderr, /^Error: Invalid format specifier '.'\.\n/, format);
  }
  for (const [format, ch] of STILL_REFUSED) {
    assert.equal(refusal(format).stderr.split('\n')[0], `Error: Invalid format specifier '${ch}'.`, format);
  }
});
