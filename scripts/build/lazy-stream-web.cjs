// Stands in for `node:stream/web` inside the function bundles. @middy/core imports ReadableStream at
// its top level but reads it only when a handler streams its response, which no token function does;
// loading Node's web streams eagerly costs about 1 ms of every cold start. The getter keeps middy's
// streaming path working should it ever run.
'use strict';
Object.defineProperty(exports, 'ReadableStream', { enumerable: true, get: () => require('node:stream/web').ReadableStream });
