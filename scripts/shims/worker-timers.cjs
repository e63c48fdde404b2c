// Build-time stand-in for the browser-only `worker-timers` package: MQTT.js only
// selects worker timers inside a browser, so on Node the native timers are all it needs.
'use strict';
module.exports = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (id) => clearInterval(id),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};
