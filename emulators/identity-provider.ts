/**
 * A development identity provider: a JWKS endpoint and a token-minting route, on loopback. It stands in
 * for the app's real login service in tests and in the local token service, and can be told to fail
 * the ways a real one does (down, slow, 500, garbage) for fault tests.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

export type JwksMode = 'ok' | 'http-500' | 'garbage' | 'hang' | 'redirect';

export interface MintOptions {
  /** Lifetime in seconds from now (default 300); negative for an already expired token. */
  expiresIn?: number;
  /** Leave `exp` out entirely. */
  noExp?: boolean;
  notBefore?: number;
  issuer?: string;
  audience?: string | string[];
  kid?: string;
  alg?: 'ES256' | 'RS256';
}

export interface IdentityProvider {
  readonly issuer: string;
  readonly audience: string;
  /** The JWKS path relative to wherever {@link handle} is mounted. */
  readonly jwksPath: string;
  /** The development login's path (`GET <tokenPath>?sub=…`), relative to wherever {@link handle} is mounted. */
  readonly tokenPath: string;
  mint(claims: JWTPayload, options?: MintOptions): Promise<string>;
  /** Node request handler serving the JWKS and `GET <tokenPath>?sub=…`; answers false when the path is not its own. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  jwksHits(): number;
  setJwksMode(mode: JwksMode): void;
}

export interface IdentityProviderOptions {
  issuer: string;
  audience: string;
  jwksPath?: string;
  tokenPath?: string;
}

export async function createIdentityProvider(options: IdentityProviderOptions): Promise<IdentityProvider> {
  const jwksPath = options.jwksPath ?? '/.well-known/jwks.json';
  const tokenPath = options.tokenPath ?? '/dev/token';
  const es = await generateKeyPair('ES256', { extractable: true });
  const rs = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const keys = {
    ES256: { kid: `es-${randomUUID().slice(0, 8)}`, ...es },
    RS256: { kid: `rs-${randomUUID().slice(0, 8)}`, ...rs },
  };
  const jwks = JSON.stringify({
    keys: [
      { ...(await exportJWK(keys.ES256.publicKey)), kid: keys.ES256.kid, alg: 'ES256', use: 'sig' },
      { ...(await exportJWK(keys.RS256.publicKey)), kid: keys.RS256.kid, alg: 'RS256', use: 'sig' },
    ],
  });
  let hits = 0;
  let mode: JwksMode = 'ok';

  async function mint(claims: JWTPayload, mintOptions: MintOptions = {}): Promise<string> {
    const alg = mintOptions.alg ?? 'ES256';
    const key = keys[alg];
    const now = Math.floor(Date.now() / 1000);
    const payload: JWTPayload = { iat: now, ...claims };
    if (!mintOptions.noExp) payload.exp = now + (mintOptions.expiresIn ?? 300);
    if (mintOptions.notBefore !== undefined) payload.nbf = mintOptions.notBefore;
    return new SignJWT(payload)
      .setProtectedHeader({ alg, kid: mintOptions.kid ?? key.kid, typ: 'JWT' })
      .setIssuer(mintOptions.issuer ?? options.issuer)
      .setAudience(mintOptions.audience ?? options.audience)
      .sign(key.privateKey);
  }

  function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === jwksPath) {
      hits += 1;
      serveJwks(res, mode, jwks);
      return true;
    }
    if (req.method === 'GET' && url.pathname === tokenPath) {
      const sub = url.searchParams.get('sub') ?? 'alice';
      mint({ sub }).then(
        (token) => {
          // No Access-Control-Allow-Origin: it mints a token for any subject, so no web page may read
          // one. Programs on this machine (curl, tests) can; the demo page logs in on its own origin.
          res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
          res.end(token);
        },
        () => {
          res.writeHead(500).end();
        },
      );
      return true;
    }
    return false;
  }

  return {
    issuer: options.issuer,
    audience: options.audience,
    jwksPath,
    tokenPath,
    mint,
    handle,
    jwksHits: () => hits,
    setJwksMode: (next) => {
      mode = next;
    },
  };
}

function serveJwks(res: ServerResponse, mode: JwksMode, jwks: string): void {
  switch (mode) {
    case 'ok':
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(jwks);
      return;
    case 'http-500':
      res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      return;
    case 'garbage':
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": [tru');
      return;
    case 'redirect':
      res.writeHead(302, { location: 'http://127.0.0.1:1/jwks.json' }).end();
      return;
    case 'hang':
      // Never answer: the verifier's timeout must end the wait.
      return;
  }
}

/** Runs an identity provider on its own loopback port (tests). */
export async function startIdentityProvider(audience = 'stsgate-test'): Promise<IdentityProvider & { url: string; jwksUrl: string; close(): Promise<void> }> {
  let idp: IdentityProvider | undefined;
  const server: Server = createServer((req, res) => {
    if (!idp?.handle(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  idp = await createIdentityProvider({ issuer: `${url}/`, audience });
  return Object.assign(idp, {
    url,
    jwksUrl: `${url}${idp.jwksPath}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
