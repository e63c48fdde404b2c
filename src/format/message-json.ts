/**
 * %j and %J: the message as a JSON object (cJSON's compact or "formatted" layout), as
 * mosquitto_sub prints it.
 */
import { isUtf8 } from 'node:buffer';
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

/** Members a record (tssub --record, record.ts) uses for bytes that are not UTF-8 text. */
export const PAYLOAD_BASE64 = 'payload_base64';
export const CORRELATION_BASE64 = 'correlation-data-base64';

/**
 * The operation printing %j (raw false: payload as a JSON string) or %J (payload as JSON).
 * `lossless` (raw false only): a record line (record.ts) -- a payload or correlation data
 * that is UTF-8 is printed whole (NUL bytes escaped, where %j stops), one that is not is
 * printed in base64 under a member of its own.
 */
export function jsonOp(
  o: Out,
  raw: boolean,
  pretty: boolean,
  iso: IsoTime,
  onError: (line: string) => void,
  lossless = false,
): Op {
  // A key with what comes before it (the comma, and in cJSON's "formatted" layout the new line
  // and tabs) and after it: made once, copied for each message.
  const key = (depth: number, name: string, first: boolean): Buffer =>
    Buffer.from(
      (first ? '' : ',') + (pretty ? '\n' + '\t'.repeat(depth) : '') + `"${name}":` + (pretty ? '\t' : ''),
      'latin1',
    );
  const tstKey = key(1, 'tst', true);
  const topicKey = key(1, 'topic', false);
  const qosKey = key(1, 'qos', false);
  const retainKey = key(1, 'retain', false);
  const payloadlenKey = key(1, 'payloadlen', false);
  const midKey = key(1, 'mid', false);
  const propertiesOpen = Buffer.concat([key(1, 'properties', false), Buffer.from('{')]);
  const payloadKey = key(1, 'payload', false);
  const payloadBase64Key = key(1, PAYLOAD_BASE64, false);
  const close = (depth: number) => Buffer.from((pretty ? '\n' + '\t'.repeat(depth - 1) : '') + '}', 'latin1');
  const closeMessage = close(1);
  const closeProperties = close(2);
  const closeUserProperties = close(3);
  /** Each property's key as the first one of "properties" and as a later one. */
  const propertyKeys = new Map<string, [first: Buffer, later: Buffer]>();
  for (const [k, n] of Object.entries(PROP_JSON_NAMES)) propertyKeys.set(k, [key(2, n, true), key(2, n, false)]);
  const correlationBase64Keys: [Buffer, Buffer] = [key(2, CORRELATION_BASE64, true), key(2, CORRELATION_BASE64, false)];
  /** A JSON string of bytes: as text, whole (lossless) or up to a NUL (%j). */
  const stringOf = (b: Uint8Array): void => {
    o.byte(0x22);
    writeJsonStrBytes(o, b, 0, b.length, lossless);
    o.byte(0x22);
  };
  const userPropertyKey = (name: string, first: boolean): void => {
    if (!first) o.byte(0x2c);
    if (pretty) o.ascii('\n\t\t\t');
    writeJsonStr(o, name);
    o.byte(0x3a);
    if (pretty) o.byte(0x09);
  };
  /** A property's key; the first one opens "properties". */
  const propertyKey = (keys: [Buffer, Buffer], firstProperty: boolean): void => {
    if (firstProperty) o.bytes(propertiesOpen);
    o.bytes(keys[firstProperty ? 0 : 1]);
  };
  /** One user property; the first one opens "user-properties" (`keys`) first. */
  const userProperty = (
    keys: [Buffer, Buffer],
    firstProperty: boolean,
    firstPair: boolean,
    name: string,
    value: unknown,
  ) => {
    if (firstPair) {
      propertyKey(keys, firstProperty);
      o.byte(0x7b);
    }
    userPropertyKey(name, firstPair);
    writeJsonStr(o, String(value));
  };

  return (c) => {
    const msg = c.msg;
    const payload = c.payload;
    const mark = o.pos;
    iso.at(c.ts.sec);
    o.byte(0x7b);
    o.bytes(tstKey);
    o.byte(0x22);
    o.ascii(iso.date);
    o.byte(0x2e);
    o.digits(Math.floor(c.ts.nsec / 1000) % 1000000, 6);
    // mosquitto_sub 2.0.11 prints a stray 'Z' before the offset here
    // ("...25.495123Z+0000"), which is not valid ISO 8601; we deliberately
    // omit it and print "...25.495123+0000".
    o.ascii(iso.zone);
    o.byte(0x22);
    o.bytes(topicKey);
    writeJsonStr(o, msg.topic);
    o.bytes(qosKey);
    o.ascii(String(msg.qos));
    o.bytes(retainKey);
    o.byte(msg.retain ? 0x31 : 0x30);
    o.bytes(payloadlenKey);
    o.ascii(String(payload.length));
    if (msg.qos > 0) {
      o.bytes(midKey);
      o.ascii(String(msg.messageId ?? 0));
    }
    const props = msg.properties;
    if (props) {
      let firstProperty = true;
      for (const k in props) {
        const keys = propertyKeys.get(k);
        const v = (props as Record<string, unknown>)[k];
        if (keys === undefined || v === undefined || v === null) continue;
        if (k === 'subscriptionIdentifier' && Array.isArray(v)) {
          for (const x of v) {
            propertyKey(keys, firstProperty);
            firstProperty = false;
            o.ascii(fmtJsonNumber(numProp(x) ?? 0));
          }
          continue;
        }
        if (k === 'userProperties') {
          const userProperties = v as Record<string, string | string[]>;
          // "user-properties" is opened by its first pair (none: no key at all).
          let firstPair = true;
          for (const name in userProperties) {
            const value = userProperties[name];
            if (Array.isArray(value)) {
              for (const x of value) {
                userProperty(keys, firstProperty, firstPair, name, x);
                firstProperty = false;
                firstPair = false;
              }
            } else {
              userProperty(keys, firstProperty, firstPair, name, value);
              firstProperty = false;
              firstPair = false;
            }
          }
          if (!firstPair) o.bytes(closeUserProperties);
          continue;
        }
        const b = k === 'correlationData' ? (v instanceof Uint8Array ? v : Buffer.from(String(v), 'utf8')) : undefined;
        const base64 = b !== undefined && lossless && !isUtf8(b);
        propertyKey(base64 ? correlationBase64Keys : keys, firstProperty);
        firstProperty = false;
        if (k === 'responseTopic' || k === 'contentType') {
          writeJsonStr(o, String(v));
        } else if (b !== undefined) {
          if (base64) o.ascii(`"${Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64')}"`);
          else stringOf(b);
        } else {
          o.ascii(fmtJsonNumber(numProp(v) ?? 0));
        }
      }
      if (!firstProperty) o.bytes(closeProperties);
    }
    if (lossless && payload.length > 0 && !isUtf8(payload)) {
      // Not text: "payload" is left out, and the bytes follow in base64 in its place.
      o.bytes(payloadBase64Key);
      o.ascii(`"${payload.toString('base64')}"`);
    } else if (payload.length === 0) {
      o.bytes(payloadKey);
      o.ascii('null');
    } else if (raw) {
      o.bytes(payloadKey);
      if (!writeJsonPayload(o, payload, pretty, 1)) {
        o.pos = mark;
        onError(`Error: Message payload is not valid JSON on topic ${msg.topic}.`);
        return;
      }
    } else {
      o.bytes(payloadKey);
      stringOf(payload);
    }
    o.bytes(closeMessage);
  };
}
