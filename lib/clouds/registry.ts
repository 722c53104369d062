/**
 * Every cloud stsgate knows, by id. Adding a cloud means adding its plugin here.
 *
 * @module
 */
import { aliyun } from './aliyun.js';
import { huawei } from './huawei.js';
import { tencent } from './tencent.js';
import type { CloudPlugin } from './types.js';

export const clouds: Readonly<Record<string, CloudPlugin<never>>> = {
  aliyun: aliyun as CloudPlugin<never>,
  tencent: tencent as CloudPlugin<never>,
  huawei: huawei as CloudPlugin<never>,
};
