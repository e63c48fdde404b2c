// The single executable's entry: one binary for every tool, named by the link it was started
// through (dist/sea/tspub -> tsmqtt, ...). Only the named tool's modules are initialised.
// In a single executable, process.argv is [executable, argv[0] as given, ...words], so the
// tools' commandLine() (argv from index 2) and /proc/self/cmdline read the same words.
const TOOLS: Record<string, () => Promise<unknown>> = {
  tspub: () => import('./tspub.ts'),
  tssub: () => import('./tssub.ts'),
  tsrr: () => import('./tsrr.ts'),
  tspasswd: () => import('./tspasswd.ts'),
};

/** The tool a name stands for: the file name it was started as (tspub, /usr/bin/tspub, ...). */
function toolOf(argv0: string): string | undefined {
  const name = argv0.slice(argv0.lastIndexOf('/') + 1);
  return Object.hasOwn(TOOLS, name) ? name : undefined;
}

function start(argv0: string): void {
  const tool = toolOf(argv0);
  if (tool === undefined) {
    process.stderr.write(`tsmqtt: start this executable as one of ${Object.keys(TOOLS).join(', ')} (a link named so).\n`);
    process.exitCode = 1;
    return;
  }
  void TOOLS[tool]!();
}

/** What the snapshot holds loaded: everything but the tools' own entry modules. */
const PRELOAD = [
  () => require('./publish.ts'),
  () => require('./subscribe.ts'),
  () => require('./request.ts'),
];

/** Replaced when the executable is built (scripts/sea.mjs): whether V8 takes a start-up snapshot. */
declare const SEA_SNAPSHOT: boolean;

if (SEA_SNAPSHOT) {
  // The executable starts from a heap in which the bundle's modules, MQTT.js's included, are
  // already loaded; the tool runs from there with this run's argv, environment and streams.
  const { startupSnapshot } = require('node:v8') as typeof import('node:v8');
  for (const load of PRELOAD) load();
  startupSnapshot.setDeserializeMainFunction(() => start(process.argv[1] ?? process.argv0));
} else {
  start(process.argv[1] ?? process.argv0);
}
