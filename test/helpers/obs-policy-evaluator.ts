/**
 * A small evaluator of OBS session policies (Huawei IAM Version 1.1 and 5.0), written for the tests from
 * the documented matching rules and sharing nothing with the code that builds the policies:
 * - an action matches `service:resourceType:operation`, `*` wildcards allowed, case-insensitively;
 * - a resource is `obs:<region>:<domain>:<bucket|object>:<path>`, `*` matching any run of characters;
 * - `StringLike` matches with `*` and `?`, `StringEquals` exactly; a condition on a key the request does
 *   not carry does not match;
 * - an explicit Deny wins; otherwise something must Allow.
 */
import { parsedPolicy, wildcard } from './policy-matching.js';

export interface ObsRequest {
  /** e.g. `obs:object:PutObject`, `obs:bucket:ListBucket`. */
  action: string;
  bucket: string;
  /** The object key for object actions; undefined for bucket actions. */
  key?: string;
  /** Condition keys the request carries, e.g. `{ 'obs:prefix': 'users/alice/' }` for a listing. */
  context?: Record<string, string>;
}

interface Statement {
  Effect: string;
  Action: string[];
  Resource?: string[];
  Condition?: Record<string, Record<string, string[]>>;
}


function conditionHolds(condition: Statement['Condition'], context: Record<string, string>): boolean {
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    for (const [key, values] of Object.entries(keys)) {
      const actual = context[key];
      if (actual === undefined) return false;
      const match =
        operator === 'StringLike' ? values.some((v) => wildcard(v).test(actual)) : operator === 'StringEquals' ? values.includes(actual) : undefined;
      if (match === undefined) throw new Error(`the evaluator does not know condition operator ${operator}`);
      if (!match) return false;
    }
  }
  return true;
}

export function obsPolicyAllows(policyText: string, request: ObsRequest): boolean {
  const policy = parsedPolicy<{ Version: string; Statement: Statement[] }>(policyText);
  const target = request.key === undefined ? `obs:cn-north-4:domain:bucket:${request.bucket}` : `obs:cn-north-4:domain:object:${request.bucket}/${request.key}`;
  let allowed = false;
  for (const statement of policy.Statement) {
    if (!statement.Action.some((a) => wildcard(a, 'i').test(request.action))) continue;
    if (statement.Resource && !statement.Resource.some((r) => wildcard(r).test(target))) continue;
    if (!conditionHolds(statement.Condition, request.context ?? {})) continue;
    if (statement.Effect.toLowerCase() === 'deny') return false;
    if (statement.Effect.toLowerCase() === 'allow') allowed = true;
  }
  return allowed;
}
