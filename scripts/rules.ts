/**
 * `npm run rules -- check <rules.json>`: validates a rules document (as the functions do at cold start) and
 * prints the size of the largest session policy it can produce on each cloud, which must fit in 2048
 * characters (and on Huawei in 8 statements of 10 resources of 128 characters).
 *
 * `npm run rules -- test <cases.json>`: evaluates test cases against the rules' meaning, so an app can
 * unit-test its rules. Exits 1 and names every failed case.
 *
 * ```json
 * { "rules": "rules.json",
 *   "cases": [
 *     { "name": "own folder", "claims": {"sub": "alice"}, "action": "put", "key": "users/alice/a.png", "expect": "allow" },
 *     { "claims": {"sub": "alice"}, "action": "put", "key": "avatars/alice/a.png", "size": 3000000, "contentType": "image/png", "expect": "deny" }
 *   ] }
 * ```
 * `rules` is a path relative to the cases file, or the document itself. A case may add `request` (the
 * body a client sends: `rules`, `prefix`, `actions`) and `cloud`: with a cloud, the case asks what that
 * cloud's keys allow (OSS and OBS keys never carry a limited `put`; Huawei refuses upper-case claim values);
 * without, what the rules allow. For `list`, `key` is the listing prefix. A `put` under a rule with limits
 * is allowed only when the case gives a `size` and `contentType` within them.
 *
 * Both read the bucket and region from `--bucket` / `--region` (or TOKEN_BUCKET / TOKEN_REGION).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as z from 'zod/mini';
import { clouds } from '../lib/clouds/registry.js';
import { keyPolicyTraits } from '../lib/clouds/types.js';
import { ConfigError, StsgateError } from '../lib/errors.js';
import { MAX_SESSION_POLICY_LENGTH } from '../lib/policy/policy-size.js';
import { worstCaseGrants, worstCasePolicy } from '../lib/policy/worst-case.js';
import { type AccessRules, parseRulesDocument } from '../lib/rules/document.js';
import { grantsAllow } from '../lib/rules/grants.js';
import { ACTIONS } from '../lib/scope/actions.js';
import { type Grant, type KeyPolicyTraits, resolveScope } from '../lib/scope/resolve-scope.js';
import { parseScopeRequest } from '../lib/scope/scope-request.js';

const USAGE = 'usage: npm run rules -- check <rules.json> | test <cases.json>  [--bucket <name>] [--region <id>] [--appid <tencent appid>]';

/** Exit codes: 0 all good, 1 a case failed or a policy does not fit, 2 the input itself is unusable. */
class UsageError extends Error {}

function main(argv: string[], env: NodeJS.ProcessEnv): number {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { bucket: { type: 'string' }, region: { type: 'string' }, appid: { type: 'string' } } });
  const [command, file] = positionals;
  try {
    if (command === 'check' && file) return check(file, values, env);
    if (command === 'test' && file) return test(file);
    console.error(USAGE);
    return 2;
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`${path}: ${error instanceof SyntaxError ? 'is not valid JSON' : 'cannot be read'}`);
  }
}

function rulesFrom(json: unknown, where: string): AccessRules {
  const parsed = parseRulesDocument(json, 'TOKEN_RULES_FILE');
  if (Array.isArray(parsed)) throw new UsageError(`${where} is not a valid rules document:\n${parsed.map((p) => `  ${p}`).join('\n')}`);
  return parsed;
}

// ---------------------------------------------------------------------------------------------------------------------
// check
// ---------------------------------------------------------------------------------------------------------------------

interface Placement {
  bucket?: string | undefined;
  region?: string | undefined;
  appid?: string | undefined;
}

/** Each cloud's policy grammar, with the variables its configuration needs (role ARNs do not shape the policy). */
const TARGETS = [
  { label: 'aliyun (RAM)', cloud: 'aliyun', region: 'cn-hangzhou', env: { ALIYUN_ROLE_ARN: 'acs:ram::1234567890123456:role/preview' } },
  { label: 'tencent (CAM)', cloud: 'tencent', region: 'ap-guangzhou', env: { TENCENT_ROLE_ARN: 'qcs::cam::uin/100000000001:roleName/preview' } },
  { label: 'huawei (OBS 1.1, securitytokens)', cloud: 'huawei', region: 'cn-north-4', env: { TOKEN_DURATION_SECONDS: '900' } },
  { label: 'huawei (OBS 5.0, AssumeAgency)', cloud: 'huawei', region: 'cn-north-4', env: { TOKEN_DURATION_SECONDS: '900', HUAWEI_AGENCY_URN: 'iam::0123456789abcdef:agency:preview' } },
] as const;

function check(file: string, placement: Placement, env: NodeJS.ProcessEnv): number {
  const access = rulesFrom(readJson(file), file);
  const bucket = placement.bucket ?? env.TOKEN_BUCKET;
  console.log(`${file}: ${access.rules.length} rules (${access.rules.map((r) => r.name).join(', ')}), valid`);
  console.log(`largest session policy per cloud (claim values of up to ${access.maxClaimLength} characters, 8 values per \${claim[]}):`);
  let failed = false;
  for (const target of TARGETS) {
    const cloud = clouds[target.cloud]!;
    // COS bucket names end in -<appid>, and the resource names repeat both.
    const appid = placement.appid ?? env.TENCENT_APPID ?? /-(\d{5,20})$/.exec(bucket ?? '')?.[1] ?? '1250000000';
    const name = bucket ?? (target.cloud === 'tencent' ? `example-bucket-${appid}` : 'example-bucket');
    const configEnv = { TOKEN_BUCKET: name, TOKEN_REGION: placement.region ?? env.TOKEN_REGION ?? target.region, TENCENT_APPID: appid, ...target.env };
    const grant: Grant = { bucket: configEnv.TOKEN_BUCKET, region: configEnv.TOKEN_REGION, access, durationSeconds: 900 };
    try {
      const policy = worstCasePolicy(cloud, cloud.loadConfig(configEnv, grant), grant);
      const statements = policy === undefined ? 0 : (Object.values(JSON.parse(policy)).find(Array.isArray) as unknown[]).length;
      const limited = !cloud.uploadLimitsInPolicy && worstCaseGrants(access).some((g) => g.actions.includes('put') && (g.maxSize !== undefined || g.contentTypes !== undefined));
      console.log(
        `  ${target.label.padEnd(34)} ${String(policy?.length ?? 0).padStart(5)} / ${MAX_SESSION_POLICY_LENGTH} characters, ${statements} statements (bucket ${name})` +
          (limited ? '  (rules with upload limits grant no put through keys here: signed uploads)' : ''),
      );
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      failed = true;
      console.log(`  ${target.label.padEnd(34)} DOES NOT FIT (bucket ${name}): ${error.problems.map((p) => p.message).join('; ')}`);
    }
  }
  return failed ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------------------------
// test
// ---------------------------------------------------------------------------------------------------------------------

const caseSchema = z.strictObject({
  name: z.optional(z.string()),
  claims: z.record(z.string(), z.unknown()),
  action: z.enum(ACTIONS),
  key: z.string(),
  size: z.optional(z.int().check(z.gte(0))),
  contentType: z.optional(z.string()),
  request: z.optional(z.record(z.string(), z.unknown())),
  cloud: z.optional(z.enum(Object.keys(clouds) as [string, ...string[]])),
  expect: z.enum(['allow', 'deny']),
});
const casesFileSchema = z.strictObject({ rules: z.union([z.string(), z.record(z.string(), z.unknown())]), cases: z.array(caseSchema).check(z.minLength(1)) });

/** The meaning of the rules, cloud-neutral: upload limits are limits, not a reason to refuse. */
const RULES_ONLY: KeyPolicyTraits = { cloud: 'rules', uploadLimitsInPolicy: true };

function test(file: string): number {
  const parsed = z.safeParse(casesFileSchema, readJson(file));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`${file}: ${issue.path.join('.') || 'the file'}: ${issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : issue.message}`);
  }
  const { rules, cases } = parsed.data;
  const access = typeof rules === 'string' ? rulesFrom(readJson(resolve(dirname(file), rules)), rules) : rulesFrom(rules, `${file}: rules`);
  const grant: Grant = { bucket: 'bucket', region: 'region', access, durationSeconds: 43_200 };

  let failures = 0;
  for (const [index, c] of cases.entries()) {
    const name = c.name ?? `case ${index + 1}: ${c.action} ${c.key}`;
    const traits = c.cloud === undefined ? RULES_ONLY : keyPolicyTraits(clouds[c.cloud]!);
    let got: 'allow' | 'deny';
    let why: string;
    try {
      const scope = resolveScope(grant, c.claims, parseScopeRequest(c.request === undefined ? undefined : JSON.stringify(c.request)), traits);
      got = grantsAllow(scope.grants, c) ? 'allow' : 'deny';
      why = `rules applying: ${[...new Set(scope.grants.map((g) => g.rule))].join(', ')}`;
    } catch (error) {
      if (!(error instanceof StsgateError)) throw error;
      got = 'deny';
      why = `refused: ${error.status} ${error.description}`;
    }
    if (got === c.expect) {
      console.log(`ok    ${name}`);
    } else {
      failures += 1;
      console.log(`FAIL  ${name}: expected ${c.expect}, got ${got} (${why})`);
    }
  }
  console.log(`${cases.length - failures} of ${cases.length} cases pass`);
  return failures > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2), process.env);
