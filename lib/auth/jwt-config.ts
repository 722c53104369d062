/**
 * The JWT_* variables: where verification keys come from and which tokens are acceptable.
 *
 * @module
 */
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import * as z from 'zod/mini';
import { commaList, type Env, loadAll, optionalInt, present, readEnv, requiredString } from '../config/env.js';
import { parseEndpoint } from '../config/endpoint.js';
import { ConfigError } from '../errors.js';
import { algorithmsForKey, ASYMMETRIC_ALGORITHMS, SYMMETRIC_ALGORITHMS } from './algorithms.js';

export type KeySource =
  | { readonly kind: 'jwks'; readonly url: URL }
  | { readonly kind: 'public-key'; readonly key: KeyObject }
  | { readonly kind: 'secret'; readonly key: KeyObject };

export interface JwtConfig {
  readonly keySource: KeySource;
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly algorithms: readonly string[];
  readonly clockToleranceSeconds: number;
}

const MIN_SECRET_BYTES = 32;
const KEY_VARIABLES = ['JWT_JWKS_URL', 'JWT_PUBLIC_KEY', 'JWT_SECRET'] as const;
const MIN_RSA_BITS = 2048;

export function loadJwtConfig(env: Env): JwtConfig {
  // Read together, so a deployment missing both its issuer and its key hears about both at once.
  const { vars, keySource } = loadAll({
    vars: () =>
      readEnv(env, {
        JWT_ISSUER: requiredString(),
        JWT_AUDIENCE: z.pipe(requiredString(), z.transform(commaList)),
        JWT_ALGORITHMS: z.optional(z.pipe(z.string(), z.transform(commaList))),
        JWT_CLOCK_TOLERANCE_SECONDS: optionalInt(0, 300, 30),
      }),
    keySource: () => loadKeySource(env),
  });
  if (vars.JWT_AUDIENCE.length === 0) fail('JWT_AUDIENCE', 'is required');

  const usable =
    keySource.kind === 'secret'
      ? [...SYMMETRIC_ALGORITHMS]
      : keySource.kind === 'jwks'
        ? [...ASYMMETRIC_ALGORITHMS]
        : algorithmsForKey(keySource.key.asymmetricKeyType, keySource.key.asymmetricKeyDetails?.namedCurve);
  if (usable.length === 0) fail('JWT_PUBLIC_KEY', 'must be an RSA, EC (P-256/384/521) or Ed25519 public key');
  // jose refuses to verify with an RSA key under 2048 bits: accepted here, every token would be refused.
  const rsaBits = keySource.kind === 'public-key' ? keySource.key.asymmetricKeyDetails?.modulusLength : undefined;
  if (rsaBits !== undefined && rsaBits < MIN_RSA_BITS) fail('JWT_PUBLIC_KEY', `an RSA key must have at least ${MIN_RSA_BITS} bits; this one has ${rsaBits}`);

  let algorithms: string[];
  if (vars.JWT_ALGORITHMS === undefined) {
    algorithms = keySource.kind === 'secret' ? ['HS256'] : usable;
  } else {
    algorithms = vars.JWT_ALGORITHMS;
    const unusable = algorithms.filter((alg) => !usable.includes(alg));
    if (algorithms.length === 0) fail('JWT_ALGORITHMS', 'must list at least one algorithm');
    if (unusable.length > 0) {
      fail('JWT_ALGORITHMS', `${unusable.join(', ')} cannot be verified with the configured ${keySource.kind} (allowed: ${usable.join(', ')})`);
    }
  }

  return {
    keySource,
    issuer: vars.JWT_ISSUER,
    audience: vars.JWT_AUDIENCE,
    algorithms,
    clockToleranceSeconds: vars.JWT_CLOCK_TOLERANCE_SECONDS,
  };
}

function loadKeySource(env: Env): KeySource {
  const set = KEY_VARIABLES.filter((name) => present(env, name) !== undefined);
  if (set.length !== 1) {
    fail(set.length === 0 ? KEY_VARIABLES.join(' | ') : set.join(', '), 'set exactly one of JWT_JWKS_URL, JWT_PUBLIC_KEY, JWT_SECRET');
  }
  const name = set[0] as (typeof KEY_VARIABLES)[number];
  const value = present(env, name) as string;
  switch (name) {
    case 'JWT_JWKS_URL': {
      const url = parseEndpoint(value);
      if (typeof url === 'string') fail(name, url);
      return { kind: 'jwks', url };
    }
    case 'JWT_PUBLIC_KEY':
      return { kind: 'public-key', key: parsePublicKey(value) };
    case 'JWT_SECRET': {
      const bytes = Buffer.from(value, 'utf8');
      if (bytes.length < MIN_SECRET_BYTES) fail(name, `must be at least ${MIN_SECRET_BYTES} bytes`);
      return { kind: 'secret', key: createSecretKey(bytes) };
    }
  }
}

/** PEM SPKI or a public JWK as JSON. Private key material is refused: this service only verifies. */
function parsePublicKey(value: string): KeyObject {
  // Environment editors often store a PEM on one line with literal "\n" escapes.
  const text = value.includes('\\n') ? value.replaceAll('\\n', '\n') : value;
  try {
    if (text.startsWith('{')) {
      const jwk: unknown = JSON.parse(text);
      if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw new Error('not a JWK');
      if ('d' in jwk || ('kty' in jwk && jwk.kty === 'oct')) fail('JWT_PUBLIC_KEY', 'must be a public key, not private or symmetric key material');
      return createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    }
    if (/PRIVATE KEY/.test(text)) fail('JWT_PUBLIC_KEY', 'must be a public key, not private key material');
    if (!/-----BEGIN PUBLIC KEY-----/.test(text)) throw new Error('not SPKI');
    return createPublicKey({ key: text, format: 'pem' });
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    fail('JWT_PUBLIC_KEY', 'must be a PEM "BEGIN PUBLIC KEY" (SPKI) block or a public JWK as JSON');
  }
}

function fail(variable: string, message: string): never {
  throw new ConfigError([{ variable, message }]);
}
