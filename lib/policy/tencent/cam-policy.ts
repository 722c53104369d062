/**
 * Scope → CAM session policy (`version: "2.0"`) for COS. STS intersects it with the assumed role's
 * own policy. Session policies must not contain `principal`.
 *
 * Resources: objects are `qcs::cos:<region>:uid/<appid>:<bucket>/<prefix>*`; listing (`GetBucket`) is
 * a bucket operation, narrowed with a `cos:prefix` condition so a user lists only their own folders.
 *
 * Upload limits: COS evaluates `cos:content-length` and `cos:content-type` on requests that carry those
 * headers. They go on simple and form uploads only (PutObject, PostObject): on multipart parts and
 * completion, which carry other lengths and no type, they would refuse every request. So a limited rule
 * grants exactly those two actions, and no multipart or append upload, which could bypass the limit.
 *
 * @module
 */
import { checkedPolicySize } from '../policy-size.js';
import { type ObjectAction, planPolicy, statementCosts } from '../policy-plan.js';
import type { Scope } from '../../scope/resolve-scope.js';

/** COS names every upload API separately: simple, form, append and each multipart step. */
const OBJECT_ACTIONS: Record<ObjectAction, readonly string[]> = {
  get: ['name/cos:GetObject', 'name/cos:HeadObject'],
  put: [
    'name/cos:PutObject',
    'name/cos:PostObject',
    'name/cos:AppendObject',
    'name/cos:InitiateMultipartUpload',
    'name/cos:ListMultipartUploads',
    'name/cos:ListParts',
    'name/cos:UploadPart',
    'name/cos:CompleteMultipartUpload',
    'name/cos:AbortMultipartUpload',
  ],
  delete: ['name/cos:DeleteObject'],
};
const LIMITED_PUT_ACTIONS = ['name/cos:PutObject', 'name/cos:PostObject'];

type ConditionValue = string | number | string[];

interface Statement {
  effect: 'allow';
  action: string[];
  resource: string[];
  condition?: Record<string, Record<string, ConditionValue>>;
}

/** One value as a plain string, several as a list (CAM ORs the values of one key). */
const oneOrMany = (values: readonly string[]): string | string[] => (values.length === 1 ? (values[0] as string) : [...values]);

export function buildCamPolicy(scope: Scope, appId: string): string {
  const base = `qcs::cos:${scope.region}:uid/${appId}:${scope.bucket}`;
  const objects = (prefixes: readonly string[]) => prefixes.map((p) => `${base}/${p}*`);
  const plan = planPolicy(scope.grants, statementCosts((a) => a.flatMap((x) => OBJECT_ACTIONS[x]), (p) => `${base}/${p}*`));
  const statement: Statement[] = plan.objects.map((group) => ({
    effect: 'allow',
    action: group.actions.flatMap((a) => OBJECT_ACTIONS[a]),
    resource: objects(group.prefixes),
  }));
  for (const group of plan.limitedPuts) {
    const condition: Statement['condition'] = {};
    if (group.maxSize !== undefined) condition.numeric_less_than_equal = { 'cos:content-length': group.maxSize };
    if (group.contentTypes !== undefined) condition.string_like = { 'cos:content-type': oneOrMany(group.contentTypes) };
    statement.push({ effect: 'allow', action: LIMITED_PUT_ACTIONS, resource: objects(group.prefixes), condition });
  }
  if (plan.list.length > 0) {
    statement.push({
      effect: 'allow',
      action: ['name/cos:GetBucket'],
      resource: [`${base}/*`],
      condition: { string_like: { 'cos:prefix': oneOrMany(plan.list.map((p) => `${p}*`)) } },
    });
  }
  return checkedPolicySize(JSON.stringify({ version: '2.0', statement }));
}
