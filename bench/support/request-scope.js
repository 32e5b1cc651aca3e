'use strict';
// Loaded with --require by bench/on-behalf-of-cost.js: runs every HTTP request in an
// AsyncLocalStorage scope of its own, as OpenTelemetry or a request-context logger does, with no
// onBehalfOf anywhere. It tells the cost of any request scope from the cost of this package's.
const { AsyncLocalStorage } = require('node:async_hooks');
const http = require('node:http');

const scope = new AsyncLocalStorage();
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, ...args) {
  return event === 'request' ? scope.run({}, () => emit.call(this, event, ...args)) : emit.call(this, event, ...args);
};
