/**
 * The TOKEN_* variables: the most any token from this deployment may do (bucket, region, lifetime, and
 * the access rules; see `lib/rules/load.ts` for the ways to give the rules).
 *
 * @module
 */
import * as z from 'zod/mini';
import { loadAccessRules, type RulesLocation } from '../rules/load.js';
import { type Grant, MIN_DURATION_SECONDS } from '../scope/resolve-scope.js';
import { loadAll, optionalInt, readEnv, requiredString, type Env } from './env.js';

/** Lower-case letters, digits, dots and hyphens, 3–63 characters: the bucket-name rules all three clouds share. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$/;

export function loadGrant(env: Env, limits: { maxDurationSeconds: number }, location: RulesLocation = { codeDir: process.cwd() }): Grant {
  const { vars, access } = loadAll({
    vars: () =>
      readEnv(env, {
        TOKEN_BUCKET: requiredString().check(z.regex(BUCKET, 'must be a bucket name: 3-63 lower-case letters, digits, "." or "-"')),
        TOKEN_REGION: requiredString().check(z.regex(REGION, 'must be a region id such as cn-hangzhou')),
        TOKEN_DURATION_SECONDS: optionalInt(MIN_DURATION_SECONDS, limits.maxDurationSeconds, 900),
      }),
    access: () => loadAccessRules(env, location),
  });
  return { bucket: vars.TOKEN_BUCKET, region: vars.TOKEN_REGION, access, durationSeconds: vars.TOKEN_DURATION_SECONDS };
}
