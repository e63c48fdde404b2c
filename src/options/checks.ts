// mosquitto's checks of the client tools' command lines that are not one flag's own: the
// shapes of its usage errors, a topic's check (shared by -t, -L, -e, -T, -U, --will-topic),
// and the checks across options once the whole line is read.
import type { ClientConfig } from '../config.ts';
import { ToolError, UsageError } from '../errors.ts';
import { checkPropertySets } from '../properties.ts';
import { checkPublishTopic, checkSubscribeTopic } from '../topic.ts';
import { isMqttUtf8 } from '../words.ts';

/** "Error: X\n\n" with mosquitto's usage hint after it: the common shape of its messages. */
export const fail = (text: string): never => {
  throw new UsageError(text + '\n\n');
};
/** The other shape: one newline before the usage hint. */
export const fail1 = (text: string): never => {
  throw new UsageError(text + '\n');
};
/**
 * A topic to publish to (`kind` 'publish', 'will') or a filter ('subscription', 'filter',
 * 'unsubscribe') as `flag` gave it, checked as mosquitto does: UTF-8 as MQTT has it first,
 * then the wildcards.
 */
export function checkedTopic(flag: string, v: string, kind: string): string {
  if (!isMqttUtf8(v)) fail(`Error: Malformed UTF-8 in ${flag} argument.`);
  if (kind === 'publish' || kind === 'will' || kind === 'response') {
    if (!checkPublishTopic(v)) fail1(`Error: Invalid ${kind} topic '${v}', does it contain '+' or '#'?`);
  } else if (!checkSubscribeTopic(v)) {
    fail1(`Error: Invalid ${kind} topic '${v}', are all '+' and '#' wildcards correct?`);
  }
  return v;
}

/** The topic of -t or -L: to publish to, or one more to subscribe to, checked as mosquitto does. */
export function addTopic(c: ClientConfig, v: string, flag: string): void {
  if (c.tool !== 'sub') c.topic = checkedTopic(flag, v, 'publish');
  else c.topics.push(checkedTopic(flag, v, 'subscription'));
}

/**
 * mosquitto_pub's last check, made after the message of -f or -s has been read (a file that
 * cannot be read is reported before a missing topic).
 */
export function checkTopicAndMessage(cfg: ClientConfig): void {
  if (cfg.topic === undefined || cfg.mode === undefined) {
    throw new UsageError('Error: Both topic and message must be supplied.\n', false, true);
  }
}

/**
 * mosquitto_rr's checks once the command line has been read: a request needs a topic, a
 * message and a response topic, and names the response topic itself.
 */
export function checkRequest(cfg: ClientConfig): void {
  if (cfg.topic === undefined || cfg.mode === undefined || cfg.responseTopic === undefined) {
    throw new UsageError('Error: All of topic, message, and response topic must be supplied.\n');
  }
  if (cfg.properties.publish?.responseTopic !== undefined) {
    throw new ToolError('Error in PUBLISH properties: Duplicate response topic.\n');
  }
}

/** mosquitto's checks across options, in its order. */
export function checkClientConfig(cfg: ClientConfig): void {
  if (cfg.will.payload !== undefined && cfg.will.topic === undefined)
    fail1('Error: Will payload given, but no will topic given.');
  if (cfg.will.retain && cfg.will.topic === undefined) fail1('Error: Will retain given, but no will topic given.');
  const t = cfg.tls;
  if ((t.cert === undefined) !== (t.key === undefined))
    fail1('Error: Both certfile and keyfile must be provided if one of them is set.');
  if (t.keyform !== undefined && t.key === undefined)
    fail1('Error: If keyform is set, keyfile must be also specified.');
  if ((t.cafile !== undefined || t.capath !== undefined) && t.psk !== undefined)
    fail1('Error: Only one of --psk or --cafile/--capath may be used at once.');
  if (t.psk !== undefined && t.pskIdentity === undefined) fail1('Error: --psk-identity required if --psk used.');
  if (
    cfg.protocolVersion === 5 &&
    cfg.properties.connect?.sessionExpiryInterval !== undefined &&
    (cfg.sessionExpiry ?? (cfg.cleanSession ? 0 : 0xffffffff)) !== 0
  ) {
    // -x (or -c's default of "never") adds its own session-expiry-interval to CONNECT.
    fail1('Error in CONNECT properties: Duplicate property in property list');
  }
  if (!cfg.cleanSession && cfg.clientId === undefined) {
    if (cfg.protocolVersion === 5 && (cfg.sessionExpiry === undefined || cfg.sessionExpiry === 0xffffffff)) {
      fail1('Error: You must provide a client id if you are using an infinite session expiry interval.');
    }
    // v5 with a finite -x gets past here: libmosquitto refuses the missing id when connecting.
    if (cfg.protocolVersion !== 5) fail1('Error: You must provide a client id if you are using the -c option.');
  }
  checkPropertySets(cfg.properties);
  if (cfg.tool === 'pub') {
    if (cfg.mode === 'stdin-line' && cfg.repeat > 1) {
      // mosquitto_pub quietly ignores --repeat for -l; so do we (documented).
      cfg.repeat = 1;
    }
  } else if (cfg.tool === 'rr') {
    // mosquitto_rr checks its topics and message once the message is loaded (request.ts).
  } else if (cfg.topics.length === 0 && cfg.unsubscribe.length === 0) {
    // Only -U (mosquitto 2.1) is enough; neither keeps 2.0.11's message.
    fail1('Error: You must specify a topic to subscribe to.');
  } else if (cfg.noStaleRetained && cfg.retainedOnly) {
    // mosquitto_sub checks this one last, without the usage hint, even with --quiet.
    throw new UsageError("\nError: Combining '-R' and '--retained-only' makes no sense.\n", false);
  }
}
