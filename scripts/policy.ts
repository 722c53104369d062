/**
 * `npm run policy -- --claims '{"sub":"alice"}' [--body '{"actions":["get"]}'] [--cloud aliyun|tencent|huawei|all]`
 *
 * Prints, for these claims and request body, which rules apply and the exact session policy and session
 * name the function would send to STS, using the deployment's TOKEN_* and cloud variables from the
 * environment (TOKEN_RULES_FILE relative to the current directory). It calls nothing: it is what an
 * auditor asks for before approving a deployment. With several clouds it prints one result per cloud.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { clouds } from '../lib/clouds/registry.js';
import { keyPolicyTraits } from '../lib/clouds/types.js';
import { loadGrant } from '../lib/config/grant.js';
import { ConfigError, StsgateError } from '../lib/errors.js';
import { applicableGrants } from '../lib/rules/grants.js';
import { parseScopeRequest } from '../lib/scope/scope-request.js';
import { planSession } from '../lib/session-plan.js';

const USAGE = `usage: npm run policy -- --claims '<JSON claims>' [--body '<JSON request body>'] [--cloud ${Object.keys(clouds).join('|')}|all, or a comma-separated list]`;

function main(argv: string[], env: NodeJS.ProcessEnv): number {
  const { values } = parseArgs({
    args: argv,
    options: { claims: { type: 'string' }, body: { type: 'string' }, cloud: { type: 'string', default: 'aliyun' }, help: { type: 'boolean' } },
  });
  const ids = values.cloud === 'all' ? Object.keys(clouds) : (values.cloud ?? 'aliyun').split(',');
  if (values.help || !values.claims || ids.some((id) => !clouds[id])) {
    console.error(USAGE);
    return 2;
  }
  let claims: unknown;
  try {
    claims = JSON.parse(values.claims);
  } catch {
    claims = undefined;
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    console.error('--claims must be a JSON object, for example {"sub":"alice"}');
    return 2;
  }

  try {
    const results = ids.map((id) => preview(id, claims as Record<string, unknown>, values.body, env));
    console.log(JSON.stringify(results.length === 1 ? results[0] : results, null, 2));
    return results.some((r) => 'error' in r) ? 1 : 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
}

/** One cloud's answer: the plan, or the refusal the function would answer instead of calling STS. */
function preview(id: string, claims: Record<string, unknown>, body: string | undefined, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const cloud = clouds[id]!;
  const grant = loadGrant(env, { maxDurationSeconds: cloud.maxDurationSeconds });
  const config = cloud.loadConfig(env, grant);
  try {
    const rules = [...new Set(applicableGrants(grant.access, claims, keyPolicyTraits(cloud)).map((g) => g.rule))];
    const plan = planSession(cloud, config, grant, claims, parseScopeRequest(body));
    return {
      provider: cloud.id,
      sessionName: plan.sessionName,
      durationSeconds: plan.scope.durationSeconds,
      bucket: plan.scope.bucket,
      rules,
      prefix: plan.scope.prefix,
      actions: plan.scope.actions,
      grants: plan.scope.grants,
      policyLength: plan.policy.length,
      policy: JSON.parse(plan.policy),
    };
  } catch (error) {
    if (!(error instanceof StsgateError)) throw error;
    return { provider: cloud.id, status: error.status, error: error.code, error_description: error.description };
  }
}

process.exitCode = main(process.argv.slice(2), process.env);
