// Colour where a person reads a terminal: the -d trace (packets sent and received told apart),
// error lines and --pretty JSON. Never when the stream is not a terminal, never with NO_COLOR
// set, always with FORCE_COLOR (unless 0 or false). With colour off the bytes are mosquitto's,
// and chalk is not even loaded: it costs start-up time.
import type { ChalkInstance } from 'chalk';

export interface Paint {
  /** A -d line for a packet sent, and one for a packet received. */
  sent(line: string): string;
  received(line: string): string;
  /** An error line. */
  error(line: string): string;
  /** --pretty JSON, as bytes (payloads need not be UTF-8): keys, strings, numbers, literals. */
  json(bytes: Buffer): Buffer;
}

/** Whether to colour what goes to `stream`, by the environment's say first. */
export function colourWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  return stream.isTTY === true && env.TERM !== 'dumb';
}

let paint: Paint | undefined;

/** The colours for `stream`, or undefined when it gets none. */
export function paintFor(stream: { isTTY?: boolean }): Paint | undefined {
  if (!colourWanted(stream)) return undefined;
  if (paint) return paint;
  // Loaded only now (a plain require in the bundle, which turns lazy imports into them).
  const { Chalk } = require('chalk') as typeof import('chalk');
  const c: ChalkInstance = new Chalk({ level: 1 });
  const JSON_TOKEN = /("(?:[^"\\]|\\.)*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
  paint = {
    sent: (line) => c.cyan(line),
    received: (line) => c.green(line),
    // Line by line, so that no colour runs over a line's end.
    error: (text) => text.replace(/[^\n]+/g, (line) => c.red(line)),
    json: (bytes) => {
      // latin1 keeps every byte as it is; the colour codes are ASCII.
      const text = bytes
        .toString('latin1')
        .replace(JSON_TOKEN, (m, str?: string, colon?: string, literal?: string, num?: string) => {
          if (str !== undefined) return colon !== undefined ? c.blue(str) + colon : c.green(str);
          if (literal !== undefined) return c.magenta(literal);
          return num !== undefined ? c.yellow(num) : m;
        });
      return Buffer.from(text, 'latin1');
    },
  };
  return paint;
}
