import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadJwtConfig } from '../../lib/auth/jwt-config.js';
import { aliyun } from '../../lib/clouds/aliyun.js';
import { loadGrant } from '../../lib/config/grant.js';
import { parseEndpoint } from '../../lib/config/endpoint.js';
import { problemVariables } from '../helpers/config-problems.js';
import { loadCorsConfig } from '../../lib/http/cors-config.js';

const base = { JWT_JWKS_URL: 'https://idp.example.com/jwks.json', JWT_ISSUER: 'https://idp.example.com/', JWT_AUDIENCE: 'app' };

describe('JWT configuration', () => {
  it('defaults to the asymmetric algorithms for a JWKS, and a 30 s clock tolerance', () => {
    const config = loadJwtConfig(base);
    expect(config.algorithms).toContain('RS256');
    expect(config.algorithms).toContain('ES256');
    expect(config.algorithms.some((a) => a.startsWith('HS'))).toBe(false);
    expect(config.clockToleranceSeconds).toBe(30);
    expect(config.audience).toEqual(['app']);
  });

  it('splits the audience list and trims it', () => {
    expect(loadJwtConfig({ ...base, JWT_AUDIENCE: ' web, mobile ,' }).audience).toEqual(['web', 'mobile']);
  });

  it('requires exactly one key source', () => {
    const { JWT_JWKS_URL: _, ...none } = base;
    expect(problemVariables(() => loadJwtConfig(none))).toEqual(['JWT_JWKS_URL | JWT_PUBLIC_KEY | JWT_SECRET']);
    expect(problemVariables(() => loadJwtConfig({ ...base, JWT_SECRET: 's'.repeat(32) }))).toEqual(['JWT_JWKS_URL, JWT_SECRET']);
  });

  it('names each missing required variable', () => {
    expect(problemVariables(() => loadJwtConfig({ JWT_JWKS_URL: base.JWT_JWKS_URL, JWT_ISSUER: ' ' }))).toEqual(['JWT_ISSUER', 'JWT_AUDIENCE']);
  });

  it('refuses a short secret and defaults a secret to HS256 only', () => {
    expect(problemVariables(() => loadJwtConfig({ ...base, JWT_JWKS_URL: undefined, JWT_SECRET: 'short' }))).toEqual(['JWT_SECRET']);
    expect(loadJwtConfig({ ...base, JWT_JWKS_URL: undefined, JWT_SECRET: 's'.repeat(32) }).algorithms).toEqual(['HS256']);
  });

  it('refuses algorithms the key source cannot verify (no RS/HS mixing)', () => {
    expect(problemVariables(() => loadJwtConfig({ ...base, JWT_ALGORITHMS: 'RS256,HS256' }))).toEqual(['JWT_ALGORITHMS']);
    expect(problemVariables(() => loadJwtConfig({ ...base, JWT_JWKS_URL: undefined, JWT_SECRET: 's'.repeat(32), JWT_ALGORITHMS: 'RS256' }))).toEqual(['JWT_ALGORITHMS']);
    expect(problemVariables(() => loadJwtConfig({ ...base, JWT_ALGORITHMS: 'none' }))).toEqual(['JWT_ALGORITHMS']);
  });

  it('accepts a PEM public key (also with escaped newlines) and derives its algorithms', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const env = { ...base, JWT_JWKS_URL: undefined, JWT_PUBLIC_KEY: pem };
    expect(loadJwtConfig(env).algorithms).toEqual(['ES256']);
    expect(loadJwtConfig({ ...env, JWT_PUBLIC_KEY: pem.replaceAll('\n', '\\n') }).algorithms).toEqual(['ES256']);
  });

  it('accepts a public JWK and refuses private key material', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const env = { ...base, JWT_JWKS_URL: undefined };
    expect(loadJwtConfig({ ...env, JWT_PUBLIC_KEY: JSON.stringify(publicKey.export({ format: 'jwk' })) }).algorithms).toContain('PS256');
    expect(problemVariables(() => loadJwtConfig({ ...env, JWT_PUBLIC_KEY: JSON.stringify(privateKey.export({ format: 'jwk' })) }))).toEqual(['JWT_PUBLIC_KEY']);
    expect(problemVariables(() => loadJwtConfig({ ...env, JWT_PUBLIC_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }))).toEqual(['JWT_PUBLIC_KEY']);
    expect(problemVariables(() => loadJwtConfig({ ...env, JWT_PUBLIC_KEY: 'not a key' }))).toEqual(['JWT_PUBLIC_KEY']);
  });

  it('refuses an RSA key shorter than 2048 bits, which jose would never verify with, as PEM or JWK', () => {
    const env = { ...base, JWT_JWKS_URL: undefined };
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    for (const key of [publicKey.export({ type: 'spki', format: 'pem' }).toString(), JSON.stringify(publicKey.export({ format: 'jwk' }))]) {
      expect(() => loadJwtConfig({ ...env, JWT_PUBLIC_KEY: key })).toThrow(/JWT_PUBLIC_KEY: an RSA key must have at least 2048 bits; this one has 1024/);
    }
  });

  it('refuses a plain-http JWKS URL unless it is loopback', () => {
    expect(problemVariables(() => loadJwtConfig({ ...base, JWT_JWKS_URL: 'http://idp.example.com/jwks' }))).toEqual(['JWT_JWKS_URL']);
    expect(loadJwtConfig({ ...base, JWT_JWKS_URL: 'http://127.0.0.1:9/jwks' }).keySource.kind).toBe('jwks');
  });

  it('never puts a variable value in the error message', () => {
    const secret = 'tiny-secret-value';
    try {
      loadJwtConfig({ ...base, JWT_JWKS_URL: undefined, JWT_SECRET: secret });
    } catch (error) {
      expect(String(error)).not.toContain(secret);
    }
  });
});

describe('endpoints', () => {
  it.each([
    ['sts.cn-hangzhou.aliyuncs.com', 'https://sts.cn-hangzhou.aliyuncs.com/'],
    ['https://sts.example.com:8443/', 'https://sts.example.com:8443/'],
    ['http://127.0.0.1:9000', 'http://127.0.0.1:9000/'],
    ['http://localhost:9000', 'http://localhost:9000/'],
    ['http://[::1]:9000', 'http://[::1]:9000/'],
  ])('accepts %s', (value, href) => {
    expect(String(parseEndpoint(value))).toBe(href);
  });

  it.each(['http://sts.example.com', 'http://10.0.0.1', 'http://127.0.0.2', 'ftp://x', 'https://user:pw@x.com', 'https://x.com/#f', 'https://'])(
    'refuses %s',
    (value) => {
      expect(typeof parseEndpoint(value)).toBe('string');
    },
  );
});

describe('grant configuration', () => {
  const grantEnv = { TOKEN_BUCKET: 'media-bucket', TOKEN_REGION: 'cn-hangzhou' };

  it('applies the documented defaults', () => {
    const grant = loadGrant(grantEnv, { maxDurationSeconds: 43200 });
    expect(grant.access.rules.map((r) => [r.name, r.prefix.source, r.actions])).toEqual([['default', 'users/${sub}/', ['put']]]);
    expect(grant.durationSeconds).toBe(900);
  });

  it.each([
    [{ TOKEN_BUCKET: 'Bad_Bucket' }, 'TOKEN_BUCKET'],
    [{ TOKEN_REGION: 'cn hangzhou' }, 'TOKEN_REGION'],
    [{ TOKEN_PREFIX: 'users/*/' }, 'TOKEN_PREFIX'],
    [{ TOKEN_ACTIONS: 'get,write' }, 'TOKEN_ACTIONS'],
    [{ TOKEN_ACTIONS: ',' }, 'TOKEN_ACTIONS'],
    [{ TOKEN_DURATION_SECONDS: '600' }, 'TOKEN_DURATION_SECONDS'],
    [{ TOKEN_DURATION_SECONDS: '50000' }, 'TOKEN_DURATION_SECONDS'],
    [{ TOKEN_DURATION_SECONDS: '1e3' }, 'TOKEN_DURATION_SECONDS'],
  ])('names the bad variable in %j', (override, variable) => {
    expect(problemVariables(() => loadGrant({ ...grantEnv, ...override }, { maxDurationSeconds: 43200 }))).toEqual([variable]);
  });

  it('requires bucket and region', () => {
    expect(problemVariables(() => loadGrant({}, { maxDurationSeconds: 43200 }))).toEqual(['TOKEN_BUCKET', 'TOKEN_REGION']);
  });
});

describe('CORS configuration', () => {
  it('is off when unset, * only when written alone', () => {
    expect(loadCorsConfig({})).toBeUndefined();
    expect(loadCorsConfig({ CORS_ALLOWED_ORIGINS: '*' })).toEqual({ anyOrigin: true });
    expect(problemVariables(() => loadCorsConfig({ CORS_ALLOWED_ORIGINS: '*, https://a.com' }))).toEqual(['CORS_ALLOWED_ORIGINS']);
    expect(problemVariables(() => loadCorsConfig({ CORS_ALLOWED_ORIGINS: 'https://a.com/path' }))).toEqual(['CORS_ALLOWED_ORIGINS']);
  });
});

describe('Aliyun configuration', () => {
  const grant = loadGrant({ TOKEN_BUCKET: 'media-bucket', TOKEN_REGION: 'cn-shanghai' }, { maxDurationSeconds: 43200 });

  it('defaults to the regional STS endpoint', () => {
    const config = aliyun.loadConfig({ ALIYUN_ROLE_ARN: 'acs:ram::1234567890123456:role/oss-upload' }, grant);
    expect(config.stsEndpoint.href).toBe('https://sts.cn-shanghai.aliyuncs.com/');
  });

  it('requires a well-formed role ARN and a TLS endpoint', () => {
    expect(problemVariables(() => aliyun.loadConfig({}, grant))).toEqual(['ALIYUN_ROLE_ARN']);
    expect(problemVariables(() => aliyun.loadConfig({ ALIYUN_ROLE_ARN: 'oss-upload' }, grant))).toEqual(['ALIYUN_ROLE_ARN']);
    expect(
      problemVariables(() => aliyun.loadConfig({ ALIYUN_ROLE_ARN: 'acs:ram::1:role/r', ALIYUN_STS_ENDPOINT: 'http://sts.aliyuncs.com' }, grant)),
    ).toEqual(['ALIYUN_STS_ENDPOINT']);
  });
});

describe('an unexpanded deploy placeholder', () => {
  it('is refused at cold start, naming each variable, instead of being taken as a value', () => {
    expect(
      problemVariables(() => loadJwtConfig({ JWT_SECRET: 's'.repeat(40), JWT_ISSUER: '${env(JWT_ISSUER)}', JWT_AUDIENCE: '${env.JWT_AUDIENCE}' })),
    ).toEqual(['JWT_ISSUER', 'JWT_AUDIENCE']);
  });
});

describe('a deployment with nothing set', () => {
  it('hears about its issuer, audience and key source in one message', () => {
    expect(problemVariables(() => loadJwtConfig({}))).toEqual(['JWT_ISSUER', 'JWT_AUDIENCE', 'JWT_JWKS_URL | JWT_PUBLIC_KEY | JWT_SECRET']);
  });
});
