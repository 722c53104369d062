/**
 * The TOKEN_* variables: the most any token from this deployment may do.
 *
 * @module
 */
import * as z from 'zod/mini';
import { ACTIONS, type Action, canonicalActions, isAction } from '../scope/actions.js';
import { parsePrefixTemplate, type PrefixTemplate } from '../scope/prefix-template.js';
import { type Grant, MIN_DURATION_SECONDS } from '../scope/resolve-scope.js';
import { commaList, type Env, optionalInt, readEnv, requiredString } from './env.js';

/** Lower-case letters, digits, dots and hyphens, 3–63 characters: the bucket-name rules all three clouds share. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$/;

const prefixTemplate = z.pipe(
  z.optional(z.string()),
  z.transform((value, ctx): PrefixTemplate => {
    const parsed = parsePrefixTemplate(value ?? 'users/${sub}/');
    if (typeof parsed === 'string') {
      ctx.issues.push({ code: 'custom', input: value, message: parsed });
      return z.NEVER;
    }
    return parsed;
  }),
);

const actionList = z.pipe(
  z.optional(z.string()),
  z.transform((value, ctx): Action[] => {
    const items = commaList(value ?? 'put');
    const unknown = items.filter((item) => !isAction(item));
    if (items.length === 0 || unknown.length > 0) {
      ctx.issues.push({ code: 'custom', input: value, message: `must be a comma-separated list of ${ACTIONS.join(', ')}` });
      return z.NEVER;
    }
    return canonicalActions(items as Action[]);
  }),
);

export function loadGrant(env: Env, limits: { maxDurationSeconds: number }): Grant {
  const vars = readEnv(env, {
    TOKEN_BUCKET: requiredString().check(z.regex(BUCKET, 'must be a bucket name: 3-63 lower-case letters, digits, "." or "-"')),
    TOKEN_REGION: requiredString().check(z.regex(REGION, 'must be a region id such as cn-hangzhou')),
    TOKEN_PREFIX: prefixTemplate,
    TOKEN_ACTIONS: actionList,
    TOKEN_DURATION_SECONDS: optionalInt(MIN_DURATION_SECONDS, limits.maxDurationSeconds, 900),
  });
  return {
    bucket: vars.TOKEN_BUCKET,
    region: vars.TOKEN_REGION,
    prefixTemplate: vars.TOKEN_PREFIX,
    actions: vars.TOKEN_ACTIONS,
    durationSeconds: vars.TOKEN_DURATION_SECONDS,
  };
}
