'use strict';
// Loads a bundled tool with a V8 code cache beside it (dist/<tool>.cjs.v8cache), so start-up
// skips most compiling. Node 20 has no built-in compile cache for CommonJS. The cache is
// made by the build and remade at exit whenever V8 rejects it (another Node version); where
// dist/ is not writable that step is silently skipped and the tool still runs.
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const Module = require('module');

module.exports = function launch(name) {
  const dir = path.join(__dirname, '..', 'dist');
  const file = path.join(dir, `${name}.cjs`);
  const cacheFile = `${file}.v8cache`;
  const source = fs.readFileSync(file, 'utf8');
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        fs.writeFileSync(cacheFile, script.createCachedData());
      } catch {
        // read-only install: run without a cache
      }
    });
  }
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(dir);
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, dir);
};
