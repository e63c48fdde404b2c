'use strict';
// Loads a bundled tool with a V8 code cache beside it (dist/<tool>.cjs.v8cache), so start-up
// skips most compiling. Node 20 has no built-in compile cache for CommonJS. The cache is
// made by the build and remade at exit whenever V8 rejects it (another Node version); where
// dist/ is not writable that step is silently skipped and the tool still runs.
//
// The bundle needs nothing but Node's built-in modules, so it gets this file's own require
// and a plain module object: the 'module' module would load Node's ESM loader, start-up time
// for nothing.
const fs = require('fs');
const path = require('path');
const vm = require('vm');

module.exports = function launch(name) {
  const dir = path.join(__dirname, '..', 'dist');
  const file = path.join(dir, `${name}.cjs`);
  const cacheFile = `${file}.v8cache`;
  // The build emits ASCII only (esbuild's default charset): read in one go and decode as
  // latin1, which skips UTF-8 validation.
  const source = fs.readFileSync(file).toString('latin1');
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapped, { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        fs.writeFileSync(cacheFile, script.createCachedData());
      } catch {
        // read-only install: run without a cache
      }
    });
  }
  const mod = { exports: {}, id: file, filename: file, loaded: false };
  script.runInThisContext().call(mod.exports, mod.exports, require, mod, file, dir);
};
