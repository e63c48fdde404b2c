// Shell completion scripts, made from the option tables when the release archive is built
// (scripts/release.mjs): every flag of each tool, the words a flag takes (a file, a directory,
// one of a list), so they can never offer a flag a tool does not take.
import type { OptionSpec } from './options/parser.ts';
import { CLIENT_OPTIONS } from './options/table.ts';
import { PASSWD_OPTIONS } from './passwd/options.ts';

export const COMPLETED_TOOLS = ['tspub', 'tssub', 'tsrr', 'tspasswd'] as const;
export type CompletedTool = (typeof COMPLETED_TOOLS)[number];

interface Row {
  flags: readonly string[];
  takes?: OptionSpec<unknown>['takes'];
  complete?: OptionSpec<unknown>['complete'];
  text: string;
}

/** The rows of one tool's table, in table order. */
function rows(tool: CompletedTool): Row[] {
  const table: readonly OptionSpec<never>[] = tool === 'tspasswd' ? PASSWD_OPTIONS : CLIENT_OPTIONS;
  const key = tool.slice(2);
  return table
    .filter((s) => s.tools.includes(key))
    .map((s) => ({ flags: s.flags, takes: s.takes, complete: s.complete, text: s.help[1] }));
}

/** tspasswd's other words are file names (the password file); the clients' are not. */
const filesAfterFlags = (tool: CompletedTool) => tool === 'tspasswd';

/** bash: one file per tool, for /usr/share/bash-completion/completions/<tool>. */
export function bashCompletion(tool: CompletedTool): string {
  const fn = `_${tool}`;
  const all = rows(tool);
  const cases: string[] = [];
  const byKind = new Map<string, string[]>();
  for (const r of all) {
    if (!r.takes) continue;
    let action: string;
    if (r.complete === 'file') action = 'COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null';
    else if (r.complete === 'dir') action = 'COMPREPLY=($(compgen -d -- "$cur")); compopt -o filenames 2>/dev/null';
    else if (r.complete) action = `COMPREPLY=($(compgen -W '${r.complete.join(' ')}' -- "$cur"))`;
    else action = 'COMPREPLY=()';
    byKind.set(action, [...(byKind.get(action) ?? []), ...r.flags]);
  }
  for (const [action, flags] of byKind) cases.push(`    ${flags.join('|')})\n      ${action}\n      return ;;`);
  const flags = all.flatMap((r) => r.flags).join(' ');
  const rest = filesAfterFlags(tool)
    ? 'COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null'
    : 'COMPREPLY=()';
  return `# bash completion for ${tool}; generated from its option table, do not edit.
${fn}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=
  [ "$COMP_CWORD" -gt 0 ] && prev=\${COMP_WORDS[COMP_CWORD-1]}
  case $prev in
${cases.join('\n')}
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W '${flags}' -- "$cur"))
  else
    ${rest}
  fi
}
complete -F ${fn} ${tool}
`;
}

/** zsh: one file, _tsmqtt, for a directory on $fpath. */
export function zshCompletion(): string {
  const quote = (s: string) => s.replace(/'/g, `'\\''`);
  const esc = (s: string) => quote(s.replace(/[[\]:\\]/g, '\\$&'));
  const functions = COMPLETED_TOOLS.map((tool) => {
    const specs = rows(tool).flatMap((r) => {
      let arg = '';
      if (r.takes === 'property') arg = ':command: :identifier: :value: ';
      else if (r.takes === 'word') {
        const what =
          r.complete === 'file'
            ? '_files'
            : r.complete === 'dir'
              ? '_files -/'
              : r.complete
                ? `(${r.complete.join(' ')})`
                : ' ';
        arg = `:value:${what}`;
      }
      return r.flags.map((f) => `    '*${f}[${esc(r.text)}]${quote(arg)}'`);
    });
    // tspasswd's other words are files; the clients' are nothing to complete (a spec for
    // them, even one offering nothing, would stop zsh inserting a flag's only match).
    const rest = filesAfterFlags(tool) ? [`    '*:file:_files'`] : [];
    return `_${tool}() {\n  _arguments -s \\\n${[...specs, ...rest].join(' \\\n')}\n}`;
  });
  return `#compdef ${COMPLETED_TOOLS.join(' ')}
# zsh completion for ${COMPLETED_TOOLS.join(', ')}; generated from their option tables, do not edit.
${functions.join('\n\n')}

_tsmqtt() {
  case $service in
${COMPLETED_TOOLS.map((t) => `    ${t}) _${t} "$@" ;;`).join('\n')}
  esac
}

_tsmqtt "$@"
`;
}

/** fish: one file per tool, for ~/.config/fish/completions/<tool>.fish. */
export function fishCompletion(tool: CompletedTool): string {
  const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const lines = rows(tool).map((r) => {
    const names = r.flags.map((f) =>
      f.startsWith('--') ? `-l ${f.slice(2)}` : f.length === 2 ? `-s ${f.slice(1)}` : `-o ${f.slice(1)}`,
    );
    let arg = '';
    if (r.takes) {
      if (r.complete === 'file' || r.complete === 'dir') arg = ' -r -F';
      else if (r.complete) arg = ` -x -a ${quote(r.complete.join(' '))}`;
      else arg = ' -x';
    }
    return `complete -c ${tool} ${names.join(' ')}${arg} -d ${quote(r.text)}`;
  });
  const head = filesAfterFlags(tool) ? '' : `complete -c ${tool} -f\n`;
  return `# fish completion for ${tool}; generated from its option table, do not edit.\n${head}${lines.join('\n')}\n`;
}
