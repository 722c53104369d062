/**
 * The bucket behind an emulated cloud under `npm start`: its storage stand-in (emulators/storage/), which
 * checks every signed form and URL with its own code, accepts the keys that cloud's STS emulator issues
 * (as the real service accepts what its STS issued), and is where the function signs for
 * (`STORAGE_ENDPOINT`). OSS and COS are served at the stand-in's root on 127.0.0.1; OBS is virtual-hosted
 * on localhost, `<bucket>.localhost:<port>`, as esdk-obs-browserjs addresses it (browsers resolve every
 * `*.localhost` name to this machine).
 *
 * @module
 */
import { startCosStandIn } from '../emulators/storage/cos.js';
import { startObsStandIn } from '../emulators/storage/obs.js';
import { startOssStandIn } from '../emulators/storage/oss.js';
import type { KeyIssuer } from '../emulators/shared/issued-keys.js';
import type { StorageStandIn } from '../emulators/storage/storage-stand-in.js';
import type { Cloud } from './real-mode.js';

export interface LocalStorage {
  readonly standIn: StorageStandIn;
  /** What the function is given as STORAGE_ENDPOINT and, where the default does not fit, STORAGE_ADDRESSING. */
  readonly env: Readonly<Record<string, string>>;
  /** The bucket's origin as a browser reaches it: what a page must be allowed to connect to. */
  readonly origin: string;
  /** What stands behind the signing routes, for the banner. */
  readonly banner: string;
  /**
   * Moves the stand-in's clock (ms, from now on): a test can make every signature it was handed expire
   * at once, as a slow network or a late user would, without waiting for it.
   */
  setClockOffset(ms: number): void;
}

/** The largest file the demo's buckets keep (in memory): enough for a photo or a short video. */
const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

const CHECKS: Readonly<Record<Cloud, string>> = {
  aliyun: 'OSS stand-in, checks V4 forms and URLs',
  tencent: 'COS stand-in, checks q-sign forms and URLs',
  huawei: 'OBS stand-in, checks OBS forms and URLs',
};

/** Starts the stand-in for `cloud`'s bucket, trusting the keys `issuers` issue. */
export async function startLocalStorage(cloud: Cloud, bucket: string, region: string, issuers: readonly KeyIssuer[]): Promise<LocalStorage> {
  let offsetMs = 0;
  const options = { bucket, now: () => Date.now() + offsetMs, maxUploadBytes: MAX_UPLOAD_BYTES };
  const standIn = cloud === 'aliyun' ? await startOssStandIn({ ...options, region }) : cloud === 'tencent' ? await startCosStandIn(options) : await startObsStandIn(options);
  for (const issuer of issuers) standIn.trust(issuer);
  const port = standIn.host.split(':')[1];
  const virtualHosted = cloud === 'huawei';
  return {
    standIn,
    env: virtualHosted ? { STORAGE_ENDPOINT: `http://localhost:${port}` } : { STORAGE_ENDPOINT: `http://127.0.0.1:${port}`, STORAGE_ADDRESSING: 'endpoint' },
    origin: virtualHosted ? `http://${bucket}.localhost:${port}` : `http://127.0.0.1:${port}`,
    banner: `bucket ${bucket}: ${CHECKS[cloud]}, on ${virtualHosted ? `http://${bucket}.localhost:${port}` : `http://127.0.0.1:${port}`}`,
    setClockOffset: (ms) => {
      offsetMs = ms;
    },
  };
}

/** Points a function's environment at its stand-in, whatever the developer's own STORAGE_* said. */
export function signForStandIn(env: Record<string, string | undefined>, storage: LocalStorage): void {
  delete env.STORAGE_ENDPOINT;
  delete env.STORAGE_ADDRESSING;
  Object.assign(env, storage.env);
}
