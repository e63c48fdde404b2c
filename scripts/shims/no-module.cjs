// Build-time stand-in for `node:module` inside yargs-parser: it asks for createRequire only
// to read config files, an option these tools never pass, and copes with its absence.
'use strict';
module.exports = { createRequire: undefined };
