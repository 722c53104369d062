/**
 * Scope → OBS session policy, in either of Huawei's two grammars:
 * - `1.1`, the fine-grained policy IAM `securitytokens` takes as an object (only OBS honours it);
 * - `5.0`, the identity-policy grammar STS `AssumeAgency` takes as a JSON string. Its action names are
 *   written lower-camel, as its documentation does; they are case-insensitive.
 * Either way IAM intersects the policy with the agency's own permissions, so it only ever narrows them.
 *
 * Resources: objects are `obs:*:*:object:<bucket>/<prefix>*` (OBS is a global service, so region and
 * domain are `*`); listing is an action on the bucket, narrowed with an `obs:prefix` condition. IAM takes
 * at most 8 statements and 10 resources of 128 characters per statement: longer resource lists are split
 * over several statements, and a policy that still does not fit is refused before IAM sees it. OBS has no
 * condition key for an upload's size or type, so a rule with such limits never reaches this policy with
 * `put` (see `resolveScope`).
 *
 * @module
 */
import { insufficientScope } from '../../errors.js';
import type { Scope } from '../../scope/resolve-scope.js';
import { checkedPolicySize, policyTooLarge } from '../policy-size.js';
import { type ObjectAction, planPolicy, statementCosts } from '../policy-plan.js';

export type ObsPolicyVersion = '1.1' | '5.0';

/** Multipart initiate, upload-part and complete are all `PutObject`; abort and list-parts are not. */
const OBJECT_ACTIONS: Record<ObjectAction, readonly string[]> = {
  get: ['GetObject'],
  put: ['PutObject', 'AbortMultipartUpload', 'ListMultipartUploadParts'],
  delete: ['DeleteObject'],
};

/** IAM accepts at most 128 characters per resource, from this set. */
const RESOURCE = /^[-_0-9a-zA-Z*./\\:]{1,128}$/;
export const MAX_OBS_STATEMENTS = 8;
export const MAX_OBS_RESOURCES = 10;
/** The longest prefix whose object resource `obs:*:*:object:<bucket>/<prefix>*` still fits in 128 characters. */
export const maxObsPrefixLength = (bucket: string): number => 128 - 'obs:*:*:object:'.length - bucket.length - '/*'.length;

interface Statement {
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string[]>>;
}

const actionName = (kind: 'object' | 'bucket', operation: string, version: ObsPolicyVersion) =>
  `obs:${kind}:${version === '5.0' ? operation[0]!.toLowerCase() + operation.slice(1) : operation}`;

function resource(value: string): string {
  // Claim values and requested prefixes may use `@`, `=` and `+`, which IAM resource strings cannot:
  // the token is valid, but no OBS policy can grant its prefix, so it is refused as out of scope.
  if (!RESOURCE.test(value)) throw insufficientScope('the prefix uses characters an OBS session policy cannot express (only letters, digits, "-", "_", ".", "/"), or is longer than 128 characters');
  return value;
}

/** `items` in runs of at most `size`. */
const chunks = <T>(items: readonly T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

export function buildObsPolicy(scope: Scope, version: ObsPolicyVersion): string {
  // Checked whatever the actions: a list-only grant carries the prefix in its condition instead.
  const objects = (prefix: string) => resource(`obs:*:*:object:${scope.bucket}/${prefix}*`);
  for (const grant of scope.grants) objects(grant.prefix);
  const names = (actions: readonly ObjectAction[]) => actions.flatMap((a) => OBJECT_ACTIONS[a]).map((op) => actionName('object', op, version));
  const plan = planPolicy(scope.grants, statementCosts(names, objects));
  const statements: Statement[] = plan.objects.flatMap((group) =>
    chunks(group.prefixes, MAX_OBS_RESOURCES).map((prefixes) => ({
      Effect: 'Allow' as const,
      Action: names(group.actions),
      Resource: prefixes.map(objects),
    })),
  );
  if (plan.list.length > 0) {
    statements.push({
      Effect: 'Allow',
      Action: [actionName('bucket', 'ListBucket', version)],
      Resource: [resource(`obs:*:*:bucket:${scope.bucket}`)],
      Condition: { StringLike: { 'obs:prefix': plan.list.map((p) => `${p}*`) } },
    });
  }
  if (statements.length > MAX_OBS_STATEMENTS) throw policyTooLarge(`${statements.length} statements, over the ${MAX_OBS_STATEMENTS} IAM accepts`);
  return checkedPolicySize(JSON.stringify({ Version: version, Statement: statements }));
}
