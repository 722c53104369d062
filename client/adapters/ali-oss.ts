/**
 * ali-oss: constructor options that keep an `OSS` client on fresh keys by itself.
 *
 * How ali-oss 6.x refreshes (lib/common/utils/setSTSToken.js, lib/browser/client.js `request`): before
 * every request, if `refreshSTSToken` is set and `refreshSTSTokenInterval` ms have passed since the last
 * refresh (or since the constructor ran), it awaits `refreshSTSToken()` and copies the returned
 * `accessKeyId`, `accessKeySecret` and `stsToken` into its options. It never refreshes because a request
 * failed with an expired token, and it notes the refresh time *before* awaiting, so requests started while
 * a refresh is in flight still go out with the previous keys (ali-sdk/ali-oss#1363).
 *
 * So the adapter never lets ali-oss decide when keys are due. `refreshSTSToken` asks the stsgate client,
 * which answers from its cache until its own refresh point and then makes one network request however many
 * SDK requests are waiting; the interval only says how often ali-oss asks. It is a tenth of the keys'
 * lifetime, or half of what is left at the client's refresh point when that is less (a client set to
 * refresh late), between 1 s and 60 s. Asking is cheap (a cache hit), and the interval is short next to the
 * time the previous keys stay valid after the refresh point (half the lifetime by default), so ali-oss has
 * new keys well before the old ones expire, and requests that race a refresh still carry keys that work.
 *
 * An `OSS` instance belongs to the user it was built for: once the client has seen another user (or a
 * sign-out), `refreshSTSToken` rejects with `identity_changed` instead of handing it anyone's keys, so
 * the instance fails its next refresh rather than quietly switching users. Build a new one per sign-in.
 *
 * @module
 */
import type { StsClient, TokenRequest } from '../types.js';
import { expectProvider } from './internal/expect-provider.js';
import { sameIdentityAs } from './internal/same-identity.js';

/** The keys in the shape ali-oss copies into its options (and that `refreshSTSToken` must return). */
export interface AliOssKeys {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly stsToken: string;
}

/** `new OSS(options)` options; spread them and add `endpoint`, `secure`, `timeout`, … as needed. */
export interface AliOssOptions extends AliOssKeys {
  /** `oss-<region>`, the form ali-oss expects. */
  readonly region: string;
  readonly bucket: string;
  readonly refreshSTSToken: () => Promise<AliOssKeys>;
  /** ms between ali-oss's calls to `refreshSTSToken`; see the module comment. */
  readonly refreshSTSTokenInterval: number;
}

export interface AliOssAdapterOptions {
  /** The token request body for these keys. Default: the client's own default. */
  readonly request?: TokenRequest;
}

const MIN_POLL_MS = 1_000;
const MAX_POLL_MS = 60_000;

/**
 * Fetches keys through `client` (so a user who is not logged in gets the client's `UnauthorizedError`
 * here) and returns options for `new OSS(…)`. Later keys come from the same client whenever ali-oss asks.
 */
export async function aliOssOptions(client: StsClient, options: AliOssAdapterOptions = {}): Promise<AliOssOptions> {
  const { request } = options;
  const credentials = expectProvider(await client.getCredentials(request), 'aliyun', 'aliOssOptions');
  const checkSameUser = sameIdentityAs(client, 'aliOssOptions');
  const refreshSTSToken = async (): Promise<AliOssKeys> => {
    checkSameUser();
    const next = await client.getCredentials(request);
    // The call itself may be what revealed another user.
    checkSameUser();
    return aliOssKeys(expectProvider(next, 'aliyun', 'aliOssOptions'));
  };
  return {
    ...aliOssKeys(credentials),
    region: aliOssRegion(credentials.region),
    bucket: credentials.bucket,
    refreshSTSToken,
    refreshSTSTokenInterval: aliOssPollInterval((credentials.expiredTime - credentials.startTime) * 1000, client.refreshWhenRemaining),
  };
}

function aliOssKeys(credentials: { accessKeyId: string; accessKeySecret: string; securityToken: string }): AliOssKeys {
  return { accessKeyId: credentials.accessKeyId, accessKeySecret: credentials.accessKeySecret, stsToken: credentials.securityToken };
}

/** stsgate returns region ids (`cn-hangzhou`); ali-oss wants them prefixed (`oss-cn-hangzhou`). */
function aliOssRegion(region: string): string {
  return region.startsWith('oss-') ? region : `oss-${region}`;
}

/** How often ali-oss should ask for keys, given their lifetime in ms and the client's refresh share. */
function aliOssPollInterval(lifetimeMs: number, refreshWhenRemaining: number): number {
  if (!Number.isFinite(lifetimeMs) || lifetimeMs <= 0) return MIN_POLL_MS;
  const share = Math.min(0.1, refreshWhenRemaining / 2);
  return Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, Math.floor(lifetimeMs * share)));
}
