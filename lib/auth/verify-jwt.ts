/**
 * JWT verification with jose: signature against the configured keys, then issuer, audience, `exp`
 * (required: a token without one would never expire), `nbf`, `sub` (required, a non-empty string: it
 * names the user), and the algorithm allowlist. Every refusal carries a stable reason for the log.
 *
 * @module
 */
import { errors, type JWTPayload, jwtVerify, type JWTVerifyOptions, type JWTVerifyResult } from 'jose';
import { invalidToken, type StsgateError, temporarilyUnavailable } from '../errors.js';
import type { JwtConfig } from './jwt-config.js';
import { createRemoteJwks, JwksUnavailableError, type RemoteJwks, type RemoteJwksOptions } from './jwks.js';

export type Claims = JWTPayload & { sub: string; exp: number };

export interface JwtVerifier {
  /**
   * Resolves to the verified claims, or rejects with a 401 (bad token) or 503 (keys unreachable). A JWKS
   * fetch stops at `deadlineMs` (epoch ms) when given.
   */
  verify(token: string, deadlineMs?: number): Promise<Claims>;
}

export function createJwtVerifier(config: JwtConfig, jwksOptions: RemoteJwksOptions = {}): JwtVerifier {
  const options: JWTVerifyOptions = {
    issuer: config.issuer,
    audience: [...config.audience],
    algorithms: [...config.algorithms],
    clockTolerance: config.clockToleranceSeconds,
    requiredClaims: ['exp', 'sub'],
  };
  const source = config.keySource;
  const check: (token: string, deadlineMs: number | undefined) => Promise<JWTVerifyResult> =
    source.kind === 'jwks'
      ? withRemoteJwks(createRemoteJwks(source.url, jwksOptions), options)
      : (token) => jwtVerify(token, source.key, options);

  return {
    async verify(token, deadlineMs) {
      let payload: JWTPayload;
      try {
        ({ payload } = await check(token, deadlineMs));
      } catch (error) {
        throw verificationError(error);
      }
      // jose only checks that `sub` is present. An empty or non-string subject names no one: the token
      // is unusable (401), not a request for too much (403).
      if (typeof payload.sub !== 'string' || payload.sub === '') {
        throw invalidToken('the token "sub" claim must be a non-empty string', 'invalid_claim');
      }
      return payload as Claims;
    },
  };
}

/** The key set is shared by every invocation; each call's deadline reaches its key lookup through a closure. */
const withRemoteJwks =
  (jwks: RemoteJwks, options: JWTVerifyOptions) =>
  (token: string, deadlineMs: number | undefined): Promise<JWTVerifyResult> =>
    jwtVerify(token, (header, jws) => jwks(deadlineMs, header, jws), options);

/**
 * Fixed descriptions and reasons by jose error class: jose's own messages are not part of our contract.
 * The reason names the check, never a claim's value.
 */
function verificationError(error: unknown): StsgateError {
  if (error instanceof JwksUnavailableError) {
    return temporarilyUnavailable('the token issuer keys could not be fetched', 5, { cause: error, reason: 'jwks_unavailable' });
  }
  if (error instanceof errors.JWTExpired) return invalidToken('the token has expired', 'expired', error);
  if (error instanceof errors.JWTClaimValidationFailed) return claimError(error);
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return invalidToken('the token signing algorithm is not accepted', 'alg_not_allowed', error);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return invalidToken('the token signature is invalid', 'bad_signature', error);
  if (error instanceof errors.JWKSNoMatchingKey) return invalidToken('no known key matches the token', 'unknown_kid', error);
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return invalidToken('the token is malformed', 'malformed', error);
  // Includes TypeErrors jose raises for a key/algorithm mismatch (for example an HS256 token presented
  // to a public key): always the token's fault, never a reason to fail open or to answer 500.
  return invalidToken('the token could not be verified', 'unverifiable', error);
}

function claimError(error: InstanceType<typeof errors.JWTClaimValidationFailed>): StsgateError {
  if (error.reason === 'missing') return invalidToken(`the token has no "${error.claim}" claim`, 'missing_claim', error);
  // A claim of the wrong type ("exp": "tomorrow"), as opposed to a value that fails its check.
  if (error.reason === 'invalid') return invalidToken(`the token "${error.claim}" claim is not valid`, 'invalid_claim', error);
  if (error.claim === 'nbf') return invalidToken('the token is not valid yet', 'not_yet_valid', error);
  if (error.claim === 'iss') return invalidToken('the token "iss" claim is not accepted', 'wrong_issuer', error);
  if (error.claim === 'aud') return invalidToken('the token "aud" claim is not accepted', 'wrong_audience', error);
  return invalidToken(`the token "${error.claim}" claim is not accepted`, 'invalid_claim', error);
}
