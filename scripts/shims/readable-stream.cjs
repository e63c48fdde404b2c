// Build-time stand-in for `readable-stream`: it is a userland copy of Node's own streams
// for browsers; on Node 20 the built-in module is already loaded and is the same API.
'use strict';
module.exports = require('node:stream');
