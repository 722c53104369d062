/**
 * The process under load: the local token service (`local/server.ts`, what `npm start` runs) on a free
 * loopback port, driven by `scripts/load-test.ts` over the IPC channel (see `protocol.ts`).
 *
 * It is a process of its own, rather than the load test's, so that what is measured is the service
 * alone: `process.memoryUsage().rss` here holds the service, its three bundles and its emulators, not
 * autocannon's sockets and histograms, and the service does not share an event loop (or, on a 2-core
 * CI machine, a core) with the load generator, which would fold the generator's work into the latency.
 *
 * The service's stdout is left alone: it writes its one JSON log line per request as it does under
 * `npm start`, so the cost of logging is part of the figures. The load test points stdout at a file,
 * which keeps its own output readable and lets it count the lines afterwards.
 *
 * @module
 */
import { startLocalTokenService } from '../../local/server.js';
import type { FromHost, ToHost } from './protocol.js';

function send(message: FromHost): void {
  process.send?.(message);
}

if (!process.send) {
  console.error('service-host.ts is started by scripts/load-test.ts (npm run test:load), with an IPC channel');
  process.exit(2);
}

const service = await startLocalTokenService(0, '127.0.0.1');
// Run with --expose-gc by the load test: a full collection before each reading takes garbage that merely
// has not been collected yet out of the comparison, so the readings compare what the service retains.
const gc = (globalThis as { gc?: () => void }).gc;

let closing = false;
async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  await service.close();
  process.exit(0);
}

process.on('message', (message: ToHost) => {
  if (message.type === 'sample') {
    // Twice: the first pass can leave objects that only become unreachable once finalizers have run.
    gc?.();
    gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    send({ type: 'sample', rss, heapUsed, gcForced: gc !== undefined, stsRequests: service.stsRequestCount() });
  } else if (message.type === 'close') {
    void shutdown();
  }
});
// If the load test dies, do not outlive it.
process.on('disconnect', () => void shutdown());

send({ type: 'ready', url: service.url, banner: service.banner });
