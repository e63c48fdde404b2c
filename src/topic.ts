// Topic names and filters as MQTT defines them.

const MAX_TOPIC_BYTES = 65535;

/** A topic one may publish to: no wildcards, at most 65535 bytes. */
export function checkPublishTopic(topic: string): boolean {
  return !/[+#]/.test(topic) && Buffer.byteLength(topic) <= MAX_TOPIC_BYTES;
}

/** A subscription filter: '+' fills a whole level, '#' only as the whole last level. */
export function checkSubscribeTopic(filter: string): boolean {
  if (Buffer.byteLength(filter) > MAX_TOPIC_BYTES) return false;
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return false;
    if (level.includes('+') && level !== '+') return false;
  }
  return true;
}

/** Whether `topic` matches the subscription `filter` (topics starting with '$' only match explicitly). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
