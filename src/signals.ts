// Signals the caller set to be ignored stay ignored, as they do for mosquitto's tools
// (`nohup tssub ...` survives SIGHUP; a background job of a script, SIGINT and SIGQUIT).
// Node resets every inherited SIG_IGN to the default before any JavaScript runs (its
// PlatformInit), in a single executable as in `node` itself; so a launcher that starts the tool
// hands over the mask of ignored signals (SigIgn in /proc/self/status) in TSMQTT_SIGIGN:
// bin/<tool>'s sh line, or the release archive's bin/<tool>. A tool that handles a signal
// itself (tssub: SIGINT, SIGTERM) still does, as mosquitto_sub does.
export function keepIgnoredSignals(env: NodeJS.ProcessEnv = process.env): void {
  const mask = env.TSMQTT_SIGIGN;
  if (mask === undefined) return;
  delete env.TSMQTT_SIGIGN;
  const low = parseInt(mask.slice(-8), 16) || 0;
  const SIGNALS = [
    ['SIGHUP', 1],
    ['SIGINT', 2],
    ['SIGQUIT', 3],
    ['SIGTERM', 15],
    ['SIGUSR1', 10],
    ['SIGUSR2', 12],
    ['SIGALRM', 14],
  ] as const;
  for (const [signal, nr] of SIGNALS) {
    if (low & (1 << (nr - 1))) process.on(signal, () => {});
  }
}
