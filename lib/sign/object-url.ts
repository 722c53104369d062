/**
 * Where a request for an object goes: the origin, the Host a client will send, and the path in front of
 * the key. The cloud's public endpoint is the default; an override (a custom domain, a VPC endpoint, a
 * loopback stand-in) keeps TLS mandatory except on loopback, as every endpoint in stsgate does.
 *
 * @module
 */
import { isIP } from 'node:net';
import { parseEndpoint } from '../config/endpoint.js';
import { percentEncode } from '../sts/encoding.js';
import { SignInputError } from './errors.js';
import type { Addressing } from './types.js';

export interface ObjectAddress {
  /** `scheme://host[:port]`, without a trailing slash. */
  readonly origin: string;
  /** The Host header a client sends to {@link origin}: the host, and the port when it is not the default. */
  readonly host: string;
  /** The path in front of the encoded key: `/` or `/<bucket>/`. */
  readonly base: string;
}

/**
 * A key as it goes into a URL path: each `/`-separated segment RFC 3986-encoded, the slashes kept, so a
 * space is `%20`, `+` is `%2B`, `~` stays, and non-ASCII is UTF-8 percent-encoded. (Keys with `.` or `..`
 * segments, which URL parsers resolve away, are refused before they get here.)
 */
export const encodeKeyPath = (key: string): string => key.split('/').map(percentEncode).join('/');

export function objectAddress(publicHost: string, bucket: string, endpoint: string | URL | undefined, addressing: Addressing): ObjectAddress {
  const service = serviceUrl(publicHost, endpoint);
  const hostname = service.hostname.replace(/^\[|\]$/g, '');
  if (addressing === 'virtual-hosted' && isIP(hostname) !== 0) {
    throw new SignInputError('addressing', 'unsupported', 'an endpoint given as an IP address cannot carry the bucket in its host name; use "path" or "endpoint"');
  }
  const host = addressing === 'virtual-hosted' ? `${bucket}.${service.host}` : service.host;
  return { origin: `${service.protocol}//${host}`, host, base: addressing === 'path' ? `/${bucket}/` : '/' };
}

export const objectUrl = (address: ObjectAddress, key: string): string => `${address.origin}${address.base}${encodeKeyPath(key)}`;

function serviceUrl(publicHost: string, endpoint: string | URL | undefined): URL {
  if (endpoint === undefined) return new URL(`https://${publicHost}`);
  const url = parseEndpoint(typeof endpoint === 'string' ? endpoint : endpoint.href);
  if (typeof url === 'string') throw new SignInputError('endpoint', 'invalid', url);
  if (url.search || (url.pathname !== '/' && url.pathname !== '')) {
    throw new SignInputError('endpoint', 'invalid', 'must be an origin (scheme, host and port) without a path or query');
  }
  return url;
}

/** A query string with names and values RFC 3986-encoded, in the order given (no `+` for space, so no cloud reads it two ways). */
export const queryString = (params: Readonly<Record<string, string>>): string =>
  Object.entries(params)
    .map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`)
    .join('&');

/** Where a POST form goes: the bucket's root. */
export const bucketUrl = (address: ObjectAddress): string => `${address.origin}${address.base}`;
