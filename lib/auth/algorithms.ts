/**
 * JWS algorithm families. The allowlist is how RS256/HS256 confusion is ruled out: a deployment
 * verifies either with a shared secret (HS*) or with public keys (everything else), never both.
 *
 * @module
 */
export const SYMMETRIC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export const ASYMMETRIC_ALGORITHMS = [
  'RS256', 'RS384', 'RS512',
  'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512',
  'EdDSA', 'Ed25519',
] as const;

/** Algorithms a public key of a given node:crypto key type (and curve) can verify. */
export function algorithmsForKey(type: string | undefined, curve: string | undefined): string[] {
  switch (type) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'ec':
      return curve === 'prime256v1' ? ['ES256'] : curve === 'secp384r1' ? ['ES384'] : curve === 'secp521r1' ? ['ES512'] : [];
    case 'ed25519':
      return ['EdDSA', 'Ed25519'];
    default:
      return [];
  }
}
