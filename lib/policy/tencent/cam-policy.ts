/**
 * Scope → CAM session policy (`version: "2.0"`) for COS. STS intersects it with the assumed role's
 * own policy. Session policies must not contain `principal`.
 *
 * Resources: objects are `qcs::cos:<region>:uid/<appid>:<bucket>/<prefix>*`; listing (`GetBucket`) is
 * a bucket operation, narrowed with a `cos:prefix` condition so a user lists only their own folder.
 *
 * @module
 */
import { checkedPolicySize } from '../policy-size.js';
import type { Action } from '../../scope/actions.js';
import type { Scope } from '../../scope/resolve-scope.js';

/** COS names every upload API separately: simple, form, append and each multipart step. */
const OBJECT_ACTIONS: Record<Exclude<Action, 'list'>, readonly string[]> = {
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

interface Statement {
  effect: 'allow';
  action: string[];
  resource: string[];
  condition?: Record<string, Record<string, string>>;
}

export function buildCamPolicy(scope: Scope, appId: string): string {
  const base = `qcs::cos:${scope.region}:uid/${appId}:${scope.bucket}`;
  const statement: Statement[] = [];
  const objectActions = scope.actions.flatMap((a) => (a === 'list' ? [] : OBJECT_ACTIONS[a]));
  if (objectActions.length > 0) statement.push({ effect: 'allow', action: objectActions, resource: [`${base}/${scope.prefix}*`] });
  if (scope.actions.includes('list')) {
    statement.push({
      effect: 'allow',
      action: ['name/cos:GetBucket'],
      resource: [`${base}/*`],
      condition: { string_like: { 'cos:prefix': `${scope.prefix}*` } },
    });
  }
  return checkedPolicySize(JSON.stringify({ version: '2.0', statement }));
}
