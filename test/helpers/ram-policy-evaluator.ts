/**
 * A small evaluator of Aliyun RAM policies (`Version: "1"`) for OSS, written for the tests from the documented
 * rules (/work/shared/reference/aliyun.md §6, "RAM policy grammar for scoping OSS") and sharing nothing with the
 * code that builds the policies:
 * - a statement is `{Effect: Allow|Deny, Action, Resource, Condition?}`; `Action` and `Resource` are a string or a
 *   list of strings and accept wildcards: `*` any run of characters, `?` one character;
 * - actions are `oss:<ApiName>`, matched case-insensitively (the reference does not say; insensitive is the cautious
 *   reading for a test that looks for grants that are too wide);
 * - an OSS resource is `acs:oss:<region>:<account>:<bucket>` for bucket operations such as `oss:ListObjects`, and
 *   `acs:oss:<region>:<account>:<bucket>/<key>` for objects. It is matched field by field (the first four `:`
 *   separate `acs`, the service, region and account; the rest, which may itself contain `:`, is `<bucket>/<key>`), so a
 *   `*` in the region cannot swallow a bucket name; this is how ARNs are read, an inference the reference leaves open;
 * - `Condition` is `{Operator: {Key: value | [values]}}`: operators and keys are AND-ed, the values of one key OR-ed;
 *   `StringLike` matches with `*` and `?`, `StringEquals` exactly; a condition on a key the request does not carry
 *   does not hold (the listing's `oss:Prefix` is such a key);
 * - evaluation: an explicit Deny first, then an explicit Allow, otherwise denied by default.
 *
 * Anything outside this grammar (another operator, `NotAction`, `NotResource`, `Principal`) makes the evaluator throw
 * rather than guess.
 */
import { parsedPolicy, resourceMatches, wildcard } from './policy-matching.js';

export interface OssRequest {
  /** e.g. `oss:PutObject`, `oss:ListObjects`. */
  action: string;
  bucket: string;
  /** The object key for object actions; undefined for bucket actions. */
  key?: string;
  /** Condition keys the request carries, e.g. `{ 'oss:Prefix': 'users/alice/' }` for a listing. */
  context?: Record<string, string>;
  /** The request's region and account, as the resource name carries them. */
  region?: string;
  account?: string;
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const KNOWN_STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'Resource', 'Condition']);
const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);




function conditionHolds(condition: Statement['Condition'], context: Record<string, string>): boolean {
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    for (const [key, values] of Object.entries(keys)) {
      // Condition keys are written `oss:Prefix`; read them without regard to case.
      const actual = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
      if (actual === undefined) return false;
      const match =
        operator === 'StringLike'
          ? list(values).some((v) => wildcard(v).test(actual))
          : operator === 'StringEquals'
            ? list(values).includes(actual)
            : undefined;
      if (match === undefined) throw new Error(`the evaluator does not know condition operator ${operator}`);
      if (!match) return false;
    }
  }
  return true;
}

export function ramPolicyAllows(policyText: string, request: OssRequest): boolean {
  const policy = parsedPolicy<{ Version: string; Statement: Statement[] }>(policyText);
  if (policy.Version !== '1') throw new Error(`the evaluator knows RAM policy Version "1", not ${JSON.stringify(policy.Version)}`);
  const base = `acs:oss:${request.region ?? 'cn-hangzhou'}:${request.account ?? '1234567890123456'}:${request.bucket}`;
  const target = request.key === undefined ? base : `${base}/${request.key}`;
  let allowed = false;
  for (const statement of policy.Statement) {
    const unknown = Object.keys(statement).find((k) => !KNOWN_STATEMENT_KEYS.has(k));
    if (unknown !== undefined) throw new Error(`the evaluator does not know statement element ${unknown}`);
    if (!list(statement.Action).some((a) => wildcard(a, 'i').test(request.action))) continue;
    if (!list(statement.Resource).some((r) => resourceMatches(r, target, 4))) continue;
    if (!conditionHolds(statement.Condition, request.context ?? {})) continue;
    if (statement.Effect === 'Deny') return false;
    if (statement.Effect === 'Allow') allowed = true;
    else throw new Error(`the evaluator does not know Effect ${JSON.stringify(statement.Effect)}`);
  }
  return allowed;
}
