/**
 * A small evaluator of Tencent CAM policies (`version: "2.0"`) for COS, written for the tests from the documented
 * rules (/work/shared/reference/tencent.md §5, "CAM policy grammar for COS") and sharing nothing with the code that
 * builds the policies:
 * - a statement is `{effect: allow|deny, action, resource, condition?}`, element names lower-case; `action` and
 *   `resource` are a string or a list of strings;
 * - actions are `name/cos:<ApiName>` and case-sensitive, as the reference records; `*` matches any run of characters
 *   and `?` one character (in actions, resources and `string_like` values);
 * - a COS resource is `qcs::cos:<region>:uid/<appid>:<bucket>/<key>` for objects. Bucket operations are written
 *   `qcs::cos:<region>:uid/<appid>:<bucket>/*` (the CAM resource catalogue); a bucket request is modelled here as the
 *   bucket's root `…:<bucket>/`, so only a resource covering the whole bucket applies to it. Resources are matched
 *   field by field (the first five `:` separate `qcs`, the project, the service, region and `uid/<appid>`; the rest,
 *   which may itself contain `:`, is `<bucket>/<key>`), so a `*` in one field cannot swallow another; this is how
 *   resource names are read, an inference the reference leaves open;
 * - `condition` is `{operator: {key: value | [values]}}`: operators and keys are AND-ed, the values of one key OR-ed;
 *   `string_like` matches with wildcards, `string_equal` exactly, `numeric_less_than_equal` compares numbers (a value
 *   given as a number or a numeric string, as the official STS sample writes `cos:content-length`); a condition on a
 *   key the request does not carry does not hold (the listing's `cos:prefix`, and `cos:content-length` /
 *   `cos:content-type` on requests without those headers, such as multipart parts: reference §5.4, 436/71307);
 * - an explicit deny wins; otherwise something must allow (CAM's general evaluation order; the reference names only
 *   the two effects).
 *
 * Anything outside this grammar (another operator, `principal`, `not_action`, …) makes the evaluator throw rather than
 * guess.
 */
import { parsedPolicy, resourceMatches, wildcard } from './policy-matching.js';

export interface CosRequest {
  /** e.g. `name/cos:PutObject`, `name/cos:GetBucket`. */
  action: string;
  region: string;
  appId: string;
  /** The full bucket name, `<name>-<appid>`. */
  bucket: string;
  /** The object key for object actions; undefined for bucket actions. */
  key?: string;
  /**
   * Condition keys the request carries, e.g. `{ 'cos:prefix': 'users/alice/' }` for a listing, or
   * `{ 'cos:content-length': '1024', 'cos:content-type': 'image/png' }` for an upload with those headers.
   */
  context?: Record<string, string>;
}

interface Statement {
  effect: string;
  action: string | string[];
  resource: string | string[];
  condition?: Record<string, Record<string, string | number | (string | number)[]>>;
}

const KNOWN_STATEMENT_KEYS = new Set(['sid', 'effect', 'action', 'resource', 'condition']);
const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
/** A decimal number, as CAM reads numeric condition values and request values; anything else is no number. */
const numeric = (value: string | number): number | undefined => (typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : undefined);




function conditionHolds(condition: Statement['condition'], context: Record<string, string>): boolean {
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    for (const [key, values] of Object.entries(keys)) {
      const actual = context[key];
      if (actual === undefined) return false;
      const strings = () => list(values).map((v) => {
        if (typeof v !== 'string') throw new Error(`the evaluator expects strings for ${operator}`);
        return v;
      });
      const match =
        operator === 'string_like'
          ? strings().some((v) => wildcard(v).test(actual))
          : operator === 'string_equal'
            ? strings().includes(actual)
            : operator === 'numeric_less_than_equal'
              ? list(values).some((v) => {
                  const [limit, value] = [numeric(v), numeric(actual)];
                  if (limit === undefined) throw new Error(`the evaluator cannot read ${JSON.stringify(v)} as a number`);
                  return value !== undefined && value <= limit;
                })
              : undefined;
      if (match === undefined) throw new Error(`the evaluator does not know condition operator ${operator}`);
      if (!match) return false;
    }
  }
  return true;
}

export function camPolicyAllows(policyText: string, request: CosRequest): boolean {
  const policy = parsedPolicy<{ version: string; statement: Statement[] }>(policyText);
  if (policy.version !== '2.0') throw new Error(`the evaluator knows CAM policy version "2.0", not ${JSON.stringify(policy.version)}`);
  const target = `qcs::cos:${request.region}:uid/${request.appId}:${request.bucket}/${request.key ?? ''}`;
  let allowed = false;
  for (const statement of policy.statement) {
    const unknown = Object.keys(statement).find((k) => !KNOWN_STATEMENT_KEYS.has(k));
    if (unknown !== undefined) throw new Error(`the evaluator does not know statement element ${unknown}`);
    if (!list(statement.action).some((a) => wildcard(a).test(request.action))) continue;
    if (!list(statement.resource).some((r) => resourceMatches(r, target, 5))) continue;
    if (!conditionHolds(statement.condition, request.context ?? {})) continue;
    if (statement.effect === 'deny') return false;
    if (statement.effect === 'allow') allowed = true;
    else throw new Error(`the evaluator does not know effect ${JSON.stringify(statement.effect)}`);
  }
  return allowed;
}
