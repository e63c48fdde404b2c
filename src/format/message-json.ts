/**
 * %j and %J: the message as a JSON object (cJSON's compact or "formatted" layout), as
 * mosquitto_sub prints it.
 */
import { fmtJsonNumber, writeJsonStr, writeJsonStrBytes } from './json-write.ts';
import { writeJsonPayload } from './json-read.ts';
import { numProp, type Op } from './message.ts';
import type { Out } from './out.ts';
import type { IsoTime } from './strftime.ts';

const PROP_JSON_NAMES: Record<string, string> = {
  payloadFormatIndicator: 'payload-format-indicator',
  messageExpiryInterval: 'message-expiry-interval',
  topicAlias: 'topic-alias',
  responseTopic: 'response-topic',
  correlationData: 'correlation-data',
  userProperties: 'user-properties',
  subscriptionIdentifier: 'subscription-identifier',
  contentType: 'content-type',
};

/** The operation printing %j (raw false: payload as a JSON string) or %J (payload as JSON). */
export function jsonOp(o: Out, raw: boolean, pretty: boolean, iso: IsoTime, onError: (line: string) => void): Op {
  // keys: compact or cJSON "formatted" (tab-indented) layout
  const key = (depth: number, name: string, first: boolean): Buffer =>
    Buffer.from(
      (first ? '' : ',') + (pretty ? '\n' + '\t'.repeat(depth) : '') + `"${name}":` + (pretty ? '\t' : ''),
      'latin1',
    );
  const kTst = key(1, 'tst', true);
  const kTopic = key(1, 'topic', false);
  const kQos = key(1, 'qos', false);
  const kRetain = key(1, 'retain', false);
  const kLen = key(1, 'payloadlen', false);
  const kMid = key(1, 'mid', false);
  const kPropsOpen = Buffer.concat([key(1, 'properties', false), Buffer.from('{')]);
  const kPayload = key(1, 'payload', false);
  const close = (depth: number) => Buffer.from((pretty ? '\n' + '\t'.repeat(depth - 1) : '') + '}', 'latin1');
  const close1 = close(1);
  const close2 = close(2);
  const close3 = close(3);
  const propKeys = new Map<string, [Buffer, Buffer]>();
  for (const [k, n] of Object.entries(PROP_JSON_NAMES)) propKeys.set(k, [key(2, n, true), key(2, n, false)]);
  const upKey = (name: string, first: boolean): void => {
    if (!first) o.byte(0x2c);
    if (pretty) o.ascii('\n\t\t\t');
    writeJsonStr(o, name);
    o.byte(0x3a);
    if (pretty) o.byte(0x09);
  };

  return (c) => {
    const msg = c.msg;
    const p = c.payload;
    const mark = o.pos;
    const t = c.ts.sec;
    iso.at(t);
    o.byte(0x7b);
    o.bytes(kTst);
    o.byte(0x22);
    o.ascii(iso.date);
    o.byte(0x2e);
    o.digits(Math.floor(c.ts.nsec / 1000) % 1000000, 6);
    // mosquitto_sub 2.0.11 prints a stray 'Z' before the offset here
    // ("...25.495123Z+0000"), which is not valid ISO 8601; we deliberately
    // omit it and print "...25.495123+0000".
    o.ascii(iso.zone);
    o.byte(0x22);
    o.bytes(kTopic);
    writeJsonStr(o, msg.topic);
    o.bytes(kQos);
    o.ascii(String(msg.qos));
    o.bytes(kRetain);
    o.byte(msg.retain ? 0x31 : 0x30);
    o.bytes(kLen);
    o.ascii(String(p.length));
    if (msg.qos > 0) {
      o.bytes(kMid);
      o.ascii(String(msg.messageId ?? 0));
    }
    const props = msg.properties;
    if (props) {
      let first = true;
      for (const k in props) {
        const kk = propKeys.get(k);
        const v = (props as Record<string, unknown>)[k];
        if (kk === undefined || v === undefined || v === null) continue;
        if (k === 'subscriptionIdentifier' && Array.isArray(v)) {
          for (const x of v) {
            if (first) o.bytes(kPropsOpen);
            o.bytes(kk[first ? 0 : 1]);
            first = false;
            o.ascii(fmtJsonNumber(numProp(x) ?? 0));
          }
          continue;
        }
        if (k === 'userProperties') {
          const up = v as Record<string, string | string[]>;
          let f2 = true;
          for (const name in up) {
            const val = up[name];
            if (Array.isArray(val)) {
              for (const x of val) {
                if (f2) {
                  if (first) o.bytes(kPropsOpen);
                  o.bytes(kk[first ? 0 : 1]);
                  first = false;
                  o.byte(0x7b);
                }
                upKey(name, f2);
                f2 = false;
                writeJsonStr(o, String(x));
              }
            } else {
              if (f2) {
                if (first) o.bytes(kPropsOpen);
                o.bytes(kk[first ? 0 : 1]);
                first = false;
                o.byte(0x7b);
              }
              upKey(name, f2);
              f2 = false;
              writeJsonStr(o, String(val));
            }
          }
          if (!f2) o.bytes(close3);
          continue;
        }
        if (first) o.bytes(kPropsOpen);
        o.bytes(kk[first ? 0 : 1]);
        first = false;
        if (k === 'responseTopic' || k === 'contentType') {
          writeJsonStr(o, String(v));
        } else if (k === 'correlationData') {
          const b = v instanceof Uint8Array ? v : Buffer.from(String(v), 'utf8');
          o.byte(0x22);
          writeJsonStrBytes(o, b, 0, b.length);
          o.byte(0x22);
        } else {
          o.ascii(fmtJsonNumber(numProp(v) ?? 0));
        }
      }
      if (!first) o.bytes(close2);
    }
    o.bytes(kPayload);
    if (p.length === 0) {
      o.ascii('null');
    } else if (raw) {
      if (!writeJsonPayload(o, p, pretty, 1)) {
        o.pos = mark;
        onError(`Error: Message payload is not valid JSON on topic ${msg.topic}.`);
        return;
      }
    } else {
      o.byte(0x22);
      writeJsonStrBytes(o, p, 0, p.length);
      o.byte(0x22);
    }
    o.bytes(close1);
  };
}
