// Stands in for `node:stream/web` inside the function bundles (see function-bundle.ts): @middy/core
// imports ReadableStream at its top level but reads it only when a handler streams its response, which
// no token function does. The getter loads Node's web streams on that first read, so middy's streaming
// path still works should it ever run.
'use strict';
Object.defineProperty(exports, 'ReadableStream', { enumerable: true, get: () => require('node:stream/web').ReadableStream });
