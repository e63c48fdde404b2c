// The TLS options' own checks, made before connecting (the TLS machinery itself, tls.ts, is
// loaded only for a TLS connection: start-up).
import { closeSync, openSync } from 'node:fs';
import { ToolError } from '../errors.ts';
import { TLS_VERSIONS, type ClientConfig } from '../config.ts';
import { bytesOf } from '../words.ts';

/** Whether a file can be opened for reading, as libmosquitto's fopen() check has it. */
function readable(path: string): boolean {
  try {
    closeSync(openSync(bytesOf(path), 'r'));
    return true;
  } catch {
    return false;
  }
}

/**
 * The checks mosquitto's clients make when they hand the TLS options to libmosquitto, before
 * connecting, in their order. Each failure is a message (quiet with --quiet) and status 1.
 */
export function checkTlsOptions(cfg: ClientConfig): void {
  const t = cfg.tls;
  if (t.off) return;
  if (t.cafile !== undefined || t.capath !== undefined) {
    if (
      (t.cafile !== undefined && !readable(t.cafile)) ||
      (t.cert !== undefined && !readable(t.cert)) ||
      (t.key !== undefined && !readable(t.key))
    ) {
      throw new ToolError('Error: Problem setting TLS options: File not found.\n');
    }
  } else if (t.psk !== undefined) {
    if (!/^[0-9a-fA-F]*$/.test(t.psk)) throw new ToolError('Error: Problem setting TLS-PSK options.\n');
  }
  if (t.keyform !== undefined && t.keyform !== 'pem') {
    throw new ToolError(
      t.keyform === 'engine'
        ? 'Error: --keyform engine needs a TLS engine, which this tool does not support; give the key as a PEM file.\n'
        : "Error: Problem setting key form, it must be one of 'pem' or 'engine'.\n",
    );
  }
  if (t.version !== undefined && TLS_VERSIONS[t.version.toLowerCase()] === undefined) {
    throw new ToolError('Error: Problem setting TLS options, check the options are valid.\n');
  }
}
