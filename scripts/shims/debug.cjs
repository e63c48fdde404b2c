// Build-time stand-in for `debug`: MQTT.js's internal logging is never shown by these
// tools (their -d trace comes from src/trace.ts), so loading the real package is start-up
// time spent for nothing.
'use strict';
function createDebug() {
  const log = () => {};
  log.enabled = false;
  log.extend = createDebug;
  return log;
}
createDebug.enabled = () => false;
module.exports = createDebug;
module.exports.default = createDebug;
