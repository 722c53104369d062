/**
 * Which clouds `npm start` calls for real, and the rule that goes with it: real keys are only ever
 * issued against a real login. The development identity provider mints a token for any subject to
 * anyone who can reach the port, which is fine for emulated keys and never for real ones, so a real
 * cloud without a JWT_* key source refuses to start.
 *
 * @module
 */
import { LocalStartupError } from './startup-error.js';

export type Cloud = 'aliyun' | 'tencent' | 'huawei';
type Env = Readonly<Record<string, string | undefined>>;

export const CLOUDS: readonly Cloud[] = ['aliyun', 'tencent', 'huawei'];
const TITLES: Record<Cloud, string> = { aliyun: 'Aliyun', tencent: 'Tencent', huawei: 'Huawei' };

/** A variable only a real deployment sets: the role or agency exists only in a real account. */
const REAL_WHEN_SET: Record<Cloud, string> = { aliyun: 'ALIYUN_ROLE_ARN', tencent: 'TENCENT_ROLE_ARN', huawei: 'HUAWEICLOUD_SDK_AK' };

/** Where the functions' verification keys come from (lib/auth/jwt-config.ts): any one makes a real issuer. */
export const JWT_KEY_VARIABLES = ['JWT_JWKS_URL', 'JWT_PUBLIC_KEY', 'JWT_SECRET'] as const;

/** Blank counts as unset, as the functions read it (lib/config/env.ts `present`). */
const isSet = (env: Env, name: string) => Boolean(env[name]?.trim());

/**
 * The clouds called for real, each with the variable that made it so: named in `STSGATE_REAL`
 * (`aliyun,tencent,huawei` or `all`), or configured the way only a real deployment would be. Throws
 * when `STSGATE_REAL` names anything else: a typo there must not quietly leave a cloud emulated.
 */
export function realClouds(env: Env): ReadonlyMap<Cloud, string> {
  const named = (env.STSGATE_REAL ?? '')
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);
  if (named.some((item) => item !== 'all' && !(CLOUDS as readonly string[]).includes(item))) {
    throw new LocalStartupError('invalid_real_setting', 'stsgate local: refusing to start: STSGATE_REAL must be a comma-separated list of aliyun, tencent, huawei, or all.');
  }
  const real = new Map<Cloud, string>();
  for (const cloud of CLOUDS) {
    if (isSet(env, REAL_WHEN_SET[cloud])) real.set(cloud, REAL_WHEN_SET[cloud]);
    else if (named.includes(cloud) || named.includes('all')) real.set(cloud, 'STSGATE_REAL');
  }
  return real;
}

export const hasRealIssuer = (env: Env): boolean => JWT_KEY_VARIABLES.some((name) => isSet(env, name));

/** Throws unless every real cloud has a real issuer to verify tokens against. */
export function requireRealIssuer(env: Env, real: ReadonlyMap<Cloud, string>): void {
  if (real.size === 0 || hasRealIssuer(env)) return;
  const reasons = [...real].map(([cloud, variable]) => `${variable} makes ${TITLES[cloud]} issue REAL keys`).join(', ');
  const variables = [...new Set(real.values())].join(' and ');
  throw new LocalStartupError(
    'real_mode_without_issuer',
    `stsgate local: refusing to start: ${reasons}, but no ${JWT_KEY_VARIABLES.join(', ')} is set, so the development login would give anyone who can reach this port a token for any user. ` +
      `Set JWT_JWKS_URL (or JWT_PUBLIC_KEY or JWT_SECRET) with JWT_ISSUER and JWT_AUDIENCE for your real login, or unset ${variables} to run emulated.`,
  );
}
