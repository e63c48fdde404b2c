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

/**
 * The tool a name stands for: the file name it was started as (tspub, /usr/bin/tspub, ...;
 * on Windows C:\tsmqtt\TSPUB.EXE too: the release has one executable per tool there).
 */
function toolOf(argv0: string, windows = process.platform === 'win32'): string | undefined {
  let name = argv0.slice(Math.max(argv0.lastIndexOf('/'), windows ? argv0.lastIndexOf('\\') : -1) + 1);
  if (windows) name = name.toLowerCase().replace(/\.exe$/, '');
  return Object.hasOwn(TOOLS, name) ? name : undefined;
}

function start(argv0: string): void {
  const tool = toolOf(argv0);
  if (tool === undefined) {
    process.stderr.write(
      `tsmqtt: start this executable as one of ${Object.keys(TOOLS).join(', ')} (a link named so).\n`,
    );
    process.exitCode = 1;
    return;
  }
  void TOOLS[tool]!();
}

start(process.argv[1] ?? process.argv0);
