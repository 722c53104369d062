/**
 * Scope → RAM session policy (`Version: "1"`) for OSS. STS intersects it with the assumed role's own
 * policy, so this document only ever narrows what the role allows.
 *
 * Resources: objects are `acs:oss:*:*:<bucket>/<prefix>*`; listing is an action on the bucket itself,
 * narrowed with an `oss:Prefix` condition so a user lists only their own folder.
 *
 * @module
 */
import { checkedPolicySize } from '../policy-size.js';
import type { Action } from '../../scope/actions.js';
import type { Scope } from '../../scope/resolve-scope.js';

/** Object actions per abstract action. Multipart upload is `oss:PutObject` for initiate, part and
 * complete; abort and list-parts have actions of their own, and a browser upload needs both. */
const OBJECT_ACTIONS: Record<Exclude<Action, 'list'>, readonly string[]> = {
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
  const statements: Statement[] = [];
  const objectActions = scope.actions.flatMap((a) => (a === 'list' ? [] : OBJECT_ACTIONS[a]));
  if (objectActions.length > 0) {
    statements.push({ Effect: 'Allow', Action: objectActions, Resource: [`acs:oss:*:*:${scope.bucket}/${scope.prefix}*`] });
  }
  if (scope.actions.includes('list')) {
    statements.push({
      Effect: 'Allow',
      Action: ['oss:ListObjects'],
      Resource: [`acs:oss:*:*:${scope.bucket}`],
      Condition: { StringLike: { 'oss:Prefix': [`${scope.prefix}*`] } },
    });
  }
  return checkedPolicySize(JSON.stringify({ Version: '1', Statement: statements }));
}
