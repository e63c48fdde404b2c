/**
 * A received message as the formatter's compiled operations see it, and readers of its
 * properties.
 */
import type { IPublishPacket } from 'mqtt-packet';
import type { Timestamp } from './clock.ts';

export type Props = NonNullable<IPublishPacket['properties']>;

export interface Ctx {
  msg: IPublishPacket;
  payload: Buffer;
  ts: Timestamp;
}

export type Op = (c: Ctx) => void;

export function numProp(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.length ? numProp(v[0]) : undefined;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return Number(v);
}

export function eachUserProp(up: Props['userProperties'], fn: (k: string, v: string) => void): void {
  if (!up) return;
  for (const k of Object.keys(up)) {
    const v = up[k];
    if (Array.isArray(v)) for (const x of v) fn(k, String(x));
    else fn(k, String(v));
  }
}
