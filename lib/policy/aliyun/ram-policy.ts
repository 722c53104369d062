/**
 * Scope → RAM session policy (`Version: "1"`) for OSS. STS intersects it with the assumed role's own
 * policy, so this document only ever narrows what the role allows.
 *
 * Resources: objects are `acs:oss:*:*:<bucket>/<prefix>*`; listing is an action on the bucket itself,
 * narrowed with an `oss:Prefix` condition so a user lists only their own folders. RAM has no condition
 * key for an upload's size or type, so a rule with such limits never reaches this policy with `put`
 * (see `resolveScope`).
 *
 * @module
 */
import { checkedPolicySize } from '../policy-size.js';
import { type ObjectAction, planPolicy, statementCosts } from '../policy-plan.js';
import type { Scope } from '../../scope/resolve-scope.js';

/** Object actions per abstract action. Multipart upload is `oss:PutObject` for initiate, part and
 * complete; abort and list-parts have actions of their own, and a browser upload needs both. */
const OBJECT_ACTIONS: Record<ObjectAction, readonly string[]> = {
  get: ['oss:GetObject'],
  put: ['oss:PutObject', 'oss:AbortMultipartUpload', 'oss:ListParts'],
  delete: ['oss:DeleteObject'],
};

interface Statement {
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string[]>>;
}

export function buildRamPolicy(scope: Scope): string {
  const objects = (prefix: string) => `acs:oss:*:*:${scope.bucket}/${prefix}*`;
  const plan = planPolicy(scope.grants, statementCosts((a) => a.flatMap((x) => OBJECT_ACTIONS[x]), objects));
  const statements: Statement[] = plan.objects.map((group) => ({
    Effect: 'Allow',
    Action: group.actions.flatMap((a) => OBJECT_ACTIONS[a]),
    Resource: group.prefixes.map(objects),
  }));
  if (plan.list.length > 0) {
    statements.push({
      Effect: 'Allow',
      Action: ['oss:ListObjects'],
      Resource: [`acs:oss:*:*:${scope.bucket}`],
      Condition: { StringLike: { 'oss:Prefix': plan.list.map((p) => `${p}*`) } },
    });
  }
  return checkedPolicySize(JSON.stringify({ Version: '1', Statement: statements }));
}
