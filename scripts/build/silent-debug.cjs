// Stands in for the `debug` package inside redis.js (see function-bundle.ts): a logger that is never
// enabled, so no Redis command or argument can reach the function's log through ioredis's tracing.
'use strict';
function debug() {
  const log = function () {};
  log.enabled = false;
  return log;
}
module.exports = debug;
module.exports.default = debug;
