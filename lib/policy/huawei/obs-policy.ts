/**
 * Scope → OBS session policy, in either of Huawei's two grammars:
 * - `1.1`, the fine-grained policy IAM `securitytokens` takes as an object (only OBS honours it);
 * - `5.0`, the identity-policy grammar STS `AssumeAgency` takes as a JSON string. Its action names are
 *   written lower-camel, as its documentation does; they are case-insensitive.
 * Either way IAM intersects the policy with the agency's own permissions, so it only ever narrows them.
 *
 * Resources: objects are `obs:*:*:object:<bucket>/<prefix>*` (OBS is a global service, so region and
 * domain are `*`); listing is an action on the bucket, narrowed with an `obs:prefix` condition.
 *
 * @module
 */
import { insufficientScope } from '../../errors.js';
import type { Action } from '../../scope/actions.js';
import type { Scope } from '../../scope/resolve-scope.js';
import { checkedPolicySize } from '../policy-size.js';

export type ObsPolicyVersion = '1.1' | '5.0';

/** Multipart initiate, upload-part and complete are all `PutObject`; abort and list-parts are not. */
const OBJECT_ACTIONS: Record<Exclude<Action, 'list'>, readonly string[]> = {
  get: ['GetObject'],
  put: ['PutObject', 'AbortMultipartUpload', 'ListMultipartUploadParts'],
  delete: ['DeleteObject'],
};

/** IAM accepts at most 128 characters per resource, from this set. */
const RESOURCE = /^[-_0-9a-zA-Z*./\\:]{1,128}$/;

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

export function buildObsPolicy(scope: Scope, version: ObsPolicyVersion): string {
  // Checked whatever the actions: a list-only grant carries the prefix in its condition instead.
  const objects = resource(`obs:*:*:object:${scope.bucket}/${scope.prefix}*`);
  const statements: Statement[] = [];
  const objectActions = scope.actions.flatMap((a) => (a === 'list' ? [] : OBJECT_ACTIONS[a]));
  if (objectActions.length > 0) {
    statements.push({
      Effect: 'Allow',
      Action: objectActions.map((op) => actionName('object', op, version)),
      Resource: [objects],
    });
  }
  if (scope.actions.includes('list')) {
    statements.push({
      Effect: 'Allow',
      Action: [actionName('bucket', 'ListBucket', version)],
      Resource: [resource(`obs:*:*:bucket:${scope.bucket}`)],
      Condition: { StringLike: { 'obs:prefix': [`${scope.prefix}*`] } },
    });
  }
  return checkedPolicySize(JSON.stringify({ Version: version, Statement: statements }));
}
