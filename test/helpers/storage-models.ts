/**
 * The three clouds as the tests see them, written from the documented action names (reference aliyun.md §6.2,
 * tencent.md §5.3, huawei.md §5.1) and sharing nothing with lib/: which cloud actions each abstract action stands
 * for, and how to ask a test evaluator whether a recorded policy allows one request. Used to compare a policy with
 * what the access rules mean, request by request.
 */
import { camPolicyAllows } from './cam-policy-evaluator.js';
import { obsPolicyAllows } from './obs-policy-evaluator.js';
import { ramPolicyAllows } from './ram-policy-evaluator.js';

export type ObjectAction = 'get' | 'put' | 'delete';

/** One storage request: an object action on a key (with upload headers), or a listing with a prefix. */
export interface StorageRequest {
  readonly action: string;
  readonly key?: string;
  /** The listing's `prefix` parameter (bucket actions); undefined: the request carries none. */
  readonly prefix?: string;
  /** Content-Length and Content-Type headers of an upload. */
  readonly size?: number;
  readonly contentType?: string;
}

export interface StorageModel {
  readonly name: string;
  readonly bucket: string;
  readonly objectActions: Readonly<Record<ObjectAction, readonly string[]>>;
  /**
   * The upload actions a size or type limit can be put on, for a cloud whose policies can hold one (COS: simple and
   * form upload); empty where no condition key exists (OSS, OBS), so a limited rule's put reaches no action there.
   */
  readonly limitedPutActions: readonly string[];
  readonly listAction: string;
  /** Object actions no rule ever grants, probed to be denied. */
  readonly foreignActions: readonly string[];
  allows(policy: string, request: StorageRequest): boolean;
}

const TENCENT_REGION = 'ap-guangzhou';
const TENCENT_APPID = '1250000000';

export const aliyunStorage = (bucket: string): StorageModel => ({
  name: 'aliyun',
  bucket,
  objectActions: { get: ['oss:GetObject'], put: ['oss:PutObject', 'oss:AbortMultipartUpload', 'oss:ListParts'], delete: ['oss:DeleteObject'] },
  limitedPutActions: [],
  listAction: 'oss:ListObjects',
  foreignActions: ['oss:PutObjectAcl', 'oss:GetObjectAcl', 'oss:PutObjectTagging', 'oss:ListMultipartUploads'],
  allows: (policy, r) =>
    ramPolicyAllows(policy, { action: r.action, bucket, ...(r.key === undefined ? {} : { key: r.key }), ...(r.prefix === undefined ? {} : { context: { 'oss:Prefix': r.prefix } }) }),
});

export const tencentStorage = (bucket: string): StorageModel => ({
  name: 'tencent',
  bucket,
  objectActions: {
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
  },
  // cos:content-length / cos:content-type belong on simple and form uploads only (436/71307).
  limitedPutActions: ['name/cos:PutObject', 'name/cos:PostObject'],
  listAction: 'name/cos:GetBucket',
  foreignActions: ['name/cos:PutObjectACL', 'name/cos:GetObjectACL', 'name/cos:PutObjectTagging', 'name/cos:DeleteMultipleObjects'],
  allows: (policy, r) => {
    const context: Record<string, string> = {};
    if (r.prefix !== undefined) context['cos:prefix'] = r.prefix;
    if (r.size !== undefined) context['cos:content-length'] = String(r.size);
    if (r.contentType !== undefined) context['cos:content-type'] = r.contentType;
    return camPolicyAllows(policy, { action: r.action, region: TENCENT_REGION, appId: TENCENT_APPID, bucket, ...(r.key === undefined ? {} : { key: r.key }), context });
  },
});

export const huaweiStorage = (bucket: string, version: '1.1' | '5.0'): StorageModel => ({
  name: `huawei ${version}`,
  bucket,
  objectActions: {
    get: ['obs:object:GetObject'],
    put: ['obs:object:PutObject', 'obs:object:AbortMultipartUpload', 'obs:object:ListMultipartUploadParts'],
    delete: ['obs:object:DeleteObject'],
  },
  limitedPutActions: [],
  listAction: 'obs:bucket:ListBucket',
  foreignActions: ['obs:object:PutObjectAcl', 'obs:object:DeleteObjectVersion', 'obs:object:RestoreObject', 'obs:object:ModifyObjectMetaData'],
  allows: (policy, r) =>
    obsPolicyAllows(policy, { action: r.action, bucket, ...(r.key === undefined ? {} : { key: r.key }), ...(r.prefix === undefined ? {} : { context: { 'obs:prefix': r.prefix } }) }),
});

/** A grant as the rules mean it, written by the test: a prefix, its actions, its upload limits. */
export interface ExpectedGrant {
  readonly prefix: string;
  readonly actions: readonly ('get' | 'put' | 'delete' | 'list')[];
  readonly maxSize?: number;
  readonly contentTypes?: readonly string[];
}

const typeMatches = (pattern: string, type: string) => (pattern.endsWith('/*') ? type.startsWith(pattern.slice(0, -1)) && type.length > pattern.length - 1 : type === pattern);

/**
 * What keys issued for these grants must allow, by the rules' meaning: an action under a granted prefix; a limited
 * put only through the cloud's limitable upload actions and within the limits (so never on OSS or OBS).
 */
export function expectedAllows(model: StorageModel, grants: readonly ExpectedGrant[], r: StorageRequest): boolean {
  if (r.action === model.listAction) return r.prefix !== undefined && grants.some((g) => g.actions.includes('list') && r.prefix!.startsWith(g.prefix));
  if (r.key === undefined) return false;
  const under = grants.filter((g) => r.key!.startsWith(g.prefix));
  return under.some((g) => {
    const limited = g.maxSize !== undefined || g.contentTypes !== undefined;
    if (g.actions.includes('get') && model.objectActions.get.includes(r.action)) return true;
    if (g.actions.includes('delete') && model.objectActions.delete.includes(r.action)) return true;
    if (!g.actions.includes('put')) return false;
    if (!limited) return model.objectActions.put.includes(r.action);
    return (
      model.limitedPutActions.includes(r.action) &&
      (g.maxSize === undefined || (r.size !== undefined && r.size <= g.maxSize)) &&
      (g.contentTypes === undefined || (r.contentType !== undefined && g.contentTypes.some((t) => typeMatches(t, r.contentType!))))
    );
  });
}

/**
 * Requests around every granted prefix and every look-alike: keys inside, siblings that share the prefix's text
 * (`users/alice-x/`, `users/alicex/`), parents, other users' folders given by `others`, `..` paths, and uploads with
 * and without headers within and beyond any limits; listings at, under, beside and above each prefix.
 */
export function probes(model: StorageModel, grants: readonly ExpectedGrant[], others: readonly string[]): StorageRequest[] {
  const folders = new Set<string>(['', 'x/', ...others]);
  for (const { prefix } of grants) {
    const stem = prefix.slice(0, -1);
    const parent = stem.includes('/') ? stem.slice(0, stem.lastIndexOf('/') + 1) : '';
    for (const f of [prefix, `${prefix}deep/er/`, `${stem}-x/`, `${stem}x/`, `${stem.slice(0, -1)}/`, parent, `${prefix}../`, `${stem.toUpperCase()}/`]) folders.add(f);
  }
  const out: StorageRequest[] = [];
  const objectActions = [...model.objectActions.get, ...model.objectActions.put, ...model.objectActions.delete, ...model.foreignActions];
  // Upload headers matter only where a policy can hold a limit: there, within and beyond each limit, and missing.
  const uploads: [number | undefined, string | undefined][] = [
    [1000, 'image/png'],
    [2097152, 'image/jpeg'],
    [2097153, 'image/png'],
    [1000, 'image/gif'],
    [1000, 'application/pdf'],
    [1000, undefined],
    [undefined, 'image/png'],
  ];
  for (const folder of folders) {
    const key = `${folder}file.png`;
    for (const action of objectActions) out.push({ action, key });
    // Every upload action, not only the limitable ones: a multipart part carrying headers must not pass a limit.
    for (const action of model.limitedPutActions.length > 0 ? model.objectActions.put : []) {
      for (const [size, contentType] of uploads) out.push({ action, key, ...(size === undefined ? {} : { size }), ...(contentType === undefined ? {} : { contentType }) });
    }
    out.push({ action: model.listAction, prefix: folder }, { action: model.listAction, prefix: `${folder}sub/` });
  }
  out.push({ action: model.listAction });
  return out;
}
