/**
 * The messages between the load test (`scripts/load-test.ts`) and the process that hosts the local token
 * service under load (`scripts/load/service-host.ts`), over Node's IPC channel. Kept in one place so
 * both ends are checked against the same shapes.
 *
 * @module
 */

export type Cloud = 'aliyun' | 'tencent' | 'huawei';
export const CLOUDS: readonly Cloud[] = ['aliyun', 'tencent', 'huawei'];

/** Load test → service host. */
export type ToHost =
  /** Report memory and emulator counts now (after a forced full GC when the host runs with --expose-gc). */
  | { type: 'sample' }
  /** Close the service and exit. */
  | { type: 'close' };

/** What the host reports of itself: its own memory, and the emulators' request counts. */
export interface HostSample {
  type: 'sample';
  /** `process.memoryUsage()` of the process serving the requests, in bytes. */
  rss: number;
  heapUsed: number;
  /** Whether a full GC ran just before the reading (only possible with --expose-gc). */
  gcForced: boolean;
  /** `LocalTokenService.stsRequestCount()`: undefined for a cloud that is not emulated. */
  stsRequests: Readonly<Record<Cloud, number | undefined>>;
}

/** Service host → load test. */
export type FromHost = { type: 'ready'; url: string; banner: string } | HostSample;
