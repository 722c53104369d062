/**
 * `npm run policy -- --claims '{"sub":"alice"}' [--body '{"actions":["get"]}'] [--cloud aliyun]`
 *
 * Prints the exact session policy and session name the function would send to STS for these claims
 * and request body, using the deployment's TOKEN_* and cloud variables from the environment. It calls
 * nothing: it is what an auditor asks for before approving a deployment.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { clouds } from '../lib/clouds/registry.js';
import { loadGrant } from '../lib/config/grant.js';
import { ConfigError, StsgateError } from '../lib/errors.js';
import { parseScopeRequest } from '../lib/scope/scope-request.js';
import { planSession } from '../lib/session-plan.js';

const USAGE = `usage: npm run policy -- --claims '<JSON claims>' [--body '<JSON request body>'] [--cloud ${Object.keys(clouds).join('|')}]`;

function main(argv: string[], env: NodeJS.ProcessEnv): number {
  const { values } = parseArgs({
    args: argv,
    options: { claims: { type: 'string' }, body: { type: 'string' }, cloud: { type: 'string', default: 'aliyun' }, help: { type: 'boolean' } },
  });
  const cloud = clouds[values.cloud ?? 'aliyun'];
  if (values.help || !values.claims || !cloud) {
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
    const grant = loadGrant(env, { maxDurationSeconds: cloud.maxDurationSeconds });
    const config = cloud.loadConfig(env, grant);
    const plan = planSession(cloud, config, grant, claims as Record<string, unknown>, parseScopeRequest(values.body));
    console.log(
      JSON.stringify(
        {
          provider: cloud.id,
          sessionName: plan.sessionName,
          durationSeconds: plan.scope.durationSeconds,
          bucket: plan.scope.bucket,
          prefix: plan.scope.prefix,
          actions: plan.scope.actions,
          policyLength: plan.policy.length,
          policy: JSON.parse(plan.policy),
        },
        null,
        2,
      ),
    );
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    if (error instanceof StsgateError) {
      // What the function would answer instead of calling STS.
      console.log(JSON.stringify({ status: error.status, error: error.code, error_description: error.description }, null, 2));
      return 1;
    }
    throw error;
  }
}

process.exitCode = main(process.argv.slice(2), process.env);
