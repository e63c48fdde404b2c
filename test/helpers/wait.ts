// Waiting for an event, never for a time: a condition checked every few milliseconds until it
// holds, with a generous upper bound after which the test fails saying what it waited for.

/**
 * Resolves with the condition's first truthy value; rejects after `timeoutMs` naming `what`
 * (a function: what the test saw by then).
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  what: string | (() => string),
  timeoutMs = 30000,
  everyMs = 10,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await condition();
    if (v) return v;
    if (Date.now() > end) throw new Error(`waited ${timeoutMs} ms for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
