import { readFileSync } from 'node:fs';
import { parseRulesDocument } from './lib/rules/document.ts';
import { worstCaseGrants } from './lib/policy/worst-case.ts';
import { buildCamPolicy } from './lib/policy/tencent/cam-policy.ts';
const access = parseRulesDocument(JSON.parse(readFileSync(process.argv[2],'utf8')), 'TOKEN_RULES') as any;
const grants = worstCaseGrants(access);
try { buildCamPolicy({subject:'x',bucket:'example-bucket-1250000000',region:'ap-guangzhou',grants,prefix:'',actions:[],durationSeconds:900}, '1250000000'); } catch(e) { console.log(String(e)); }
