// How the tools are bundled (used by build.mjs, and by bench/pub.mjs for its MQTT.js floor):
// a CLI's start-up is dominated by module loading, so each tool ships as one pre-linked
// CommonJS file, with mqtt-packet's debug-only and stream dependencies replaced by lighter
// ones (see shims/).
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shim = (name) => join(root, 'scripts', 'shims', name);

// MQTT v5 allows a password without a user name (mosquitto_pub -V 5 -P secret sends one);
// mqtt-packet 9 refuses to encode it whatever the version. Its check gets the version
// condition of the fix proposed upstream (mqttjs/mqtt-packet#148); the encoder already writes
// each field on its own. The build fails if the check is no longer where it was.
const PASSWORD_CHECK = 'if (!providedUsername) {';
const v5PasswordOnly = {
  name: 'v5-password-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]mqtt-packet[\\/]writeToStream\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (source.split(PASSWORD_CHECK).length !== 2)
        throw new Error(`${args.path}: the password check to adjust is not there`);
      return {
        contents: source.replace(PASSWORD_CHECK, 'if (!providedUsername && protocolVersion !== 5) {'),
        loader: 'js',
      };
    });
  },
};

/** esbuild options for bundles loaded by bin/launch.cjs; `entryPoints` and `outdir` from the caller. */
export function bundleOptions({ entryPoints, outdir }) {
  return {
    entryPoints,
    outdir,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    // bin/launch.cjs runs the bundle as a script, where import() has no loader behind it:
    // lazy imports (all of Node built-ins) become require() calls.
    supported: { 'dynamic-import': false },
    logLevel: 'warning',
    define: {
      PACKAGE_VERSION: JSON.stringify(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version),
    },
    plugins: [v5PasswordOnly],
    alias: {
      'readable-stream': shim('readable-stream.cjs'),
      debug: shim('debug.cjs'),
      // mqtt-packet's parser reads from a bl byte list; the shim reads in place (see bl.cjs).
      bl: shim('bl.cjs'),
    },
  };
}
