/**
 * The bounded HTTP calls credential sources make to a metadata service or a credentials URI, and the
 * validation of the variables that point them elsewhere.
 *
 * Metadata services answer in milliseconds; one that hangs (or an address with nothing behind it, off
 * the cloud) must not eat the function's time, so every call has a short timeout, shortened further by
 * what is left of the invocation.
 *
 * @module
 */
import * as z from 'zod/mini';
import type { Invocation } from '../invocation.js';
import { exchange, type UpstreamRequest, type UpstreamResponse } from '../sts/upstream.js';

/** Per call; the official SDKs use about one second for connect and read alike. */
export const METADATA_TIMEOUT_MS = 1000;
/** Time kept back for the STS call and the response after the credentials arrive. */
const RESERVE_MS = 500;

export function metadataRequest(service: string, url: URL, init: UpstreamRequest, invocation: Invocation): Promise<UpstreamResponse> {
  return exchange(service, url, init, Math.min(METADATA_TIMEOUT_MS, invocation.remainingMs() - RESERVE_MS));
}

/** A key, secret or token in a metadata document: visible ASCII without spaces, since it ends up in signatures and headers. */
export const credentialValue = (maxLength: number) => z.string().check(z.regex(/^[\x21-\x7e]+$/), z.maxLength(maxLength));

/** `true`, `1` or `yes` in any case; anything else, or unset, is false. */
export const isTrue = (value: string | undefined): boolean => /^(true|1|yes)$/i.test(value?.trim() ?? '');

/**
 * A switch variable: `true`/`false` (or `1`/`0`, `yes`/`no`, any case), read as a boolean. Anything else
 * is a ConfigError rather than a silent "false": a deployer who wrote `ture` meant to switch it on.
 */
export const booleanFlag = () =>
  z.pipe(
    z.optional(z.string().check(z.regex(/^(true|false|1|0|yes|no)$/i, 'must be true or false'))),
    z.transform((value: string | undefined) => isTrue(value)),
  );

/** `path` under the endpoint, which may itself carry a path prefix (a proxy, an emulator behind one). */
export function metadataUrl(endpoint: URL, path: string): URL {
  const url = new URL(endpoint.href);
  url.pathname = endpoint.pathname.replace(/\/+$/, '') + path;
  return url;
}

/** A metadata endpoint override; a query string would be sent with every path below it, so it is refused. */
export const metadataEndpoint = () => optionalHttpEndpoint().check(z.refine((url) => !url?.search, 'must not contain a query string'));

/**
 * An endpoint override for a metadata service or credentials URI: an `http://` or `https://` URL
 * without credentials or fragment. Metadata services are plain HTTP on a link-local address by design,
 * so `http://` is allowed here, unlike for API endpoints.
 */
export const optionalHttpEndpoint = () =>
  z.pipe(
    z.optional(z.string()),
    z.transform((value, ctx): URL | undefined => {
      if (value === undefined) return undefined;
      let url: URL | undefined;
      try {
        url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
      } catch {
        url = undefined;
      }
      const problem = !url
        ? 'must be an http:// or https:// URL'
        : url.protocol !== 'http:' && url.protocol !== 'https:'
          ? 'must be an http:// or https:// URL'
          : url.username || url.password
            ? 'must not contain credentials'
            : url.hash
              ? 'must not contain a fragment'
              : undefined;
      if (problem || !url) {
        ctx.issues.push({ code: 'custom', input: value, message: problem ?? 'is invalid' });
        return z.NEVER;
      }
      return url;
    }),
  );
