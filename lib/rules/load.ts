/**
 * Where a deployment's rules come from. Exactly one form may be used:
 * - `TOKEN_RULES`: the rules document, inline JSON;
 * - `TOKEN_RULES_FILE`: a path, relative to the function's code directory, of a file holding it;
 * - `TOKEN_ACCESS`: a preset (`private`, `protected`, `public-read`);
 * - `TOKEN_PREFIX` / `TOKEN_ACTIONS`: the shorthand for one rule named `default` (also what applies
 *   when nothing is set: `users/${sub}/` with `put`).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { commaList, type Env, presentValues, readEnv } from '../config/env.js';
import { ConfigError } from '../errors.js';
import { ACTIONS, type Action, canonicalActions, isAction } from '../scope/actions.js';
import { MAX_CLAIM_LENGTH, parsePrefixTemplate, type PrefixTemplate } from '../scope/prefix-template.js';
import { type AccessRules, parseRulesDocument, type RulesSource } from './document.js';
import { ACCESS_PRESETS, type AccessPreset } from './presets.js';

/** A rules file is a deployer's document, not data: anything bigger is a mistake. */
const MAX_RULES_FILE_BYTES = 64 * 1024;
/** Relative, plain segments: the file ships inside the function's code, never outside it. */
const RELATIVE_PATH = /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._/-]{1,256}$/;

export interface RulesLocation {
  /** The function's code directory, which `TOKEN_RULES_FILE` is relative to (the bundle's `__dirname`). */
  readonly codeDir: string;
}

export function loadAccessRules(env: Env, location: RulesLocation): AccessRules {
  // A deploy tool's unexpanded `${env(...)}` placeholder is refused by name, not mistaken for a second form.
  const set = presentValues(env, ['TOKEN_RULES', 'TOKEN_RULES_FILE', 'TOKEN_ACCESS', 'TOKEN_PREFIX', 'TOKEN_ACTIONS']);
  const forms = (Object.keys(set) as (keyof typeof set)[]).filter((name) => set[name] !== undefined);
  const shorthand = forms.filter((name) => name === 'TOKEN_PREFIX' || name === 'TOKEN_ACTIONS');
  const documents = forms.filter((name) => name !== 'TOKEN_PREFIX' && name !== 'TOKEN_ACTIONS');
  if (documents.length > 1 || (documents.length === 1 && shorthand.length > 0)) {
    throw new ConfigError(
      forms.map((variable) => ({ variable, message: `cannot be combined with ${forms.filter((f) => f !== variable).join(', ')}: give the rules one way only` })),
    );
  }
  const form = documents[0];
  if (form === 'TOKEN_ACCESS') return preset(env);
  if (form === 'TOKEN_RULES') return fromJson(set[form] as string, form);
  if (form === 'TOKEN_RULES_FILE') return fromJson(readRulesFile(set[form] as string, location.codeDir), form);
  return singleRule(env);
}

function preset(env: Env): AccessRules {
  const names = Object.keys(ACCESS_PRESETS);
  const { TOKEN_ACCESS } = readEnv(env, { TOKEN_ACCESS: z.enum(names as [AccessPreset], `must be one of ${names.join(', ')}`) });
  return checked(ACCESS_PRESETS[TOKEN_ACCESS], 'TOKEN_ACCESS');
}

function fromJson(text: string, source: RulesSource): AccessRules {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError([{ variable: source, message: 'is not valid JSON' }]);
  }
  return checked(json, source);
}

function checked(json: unknown, source: RulesSource): AccessRules {
  const parsed = parseRulesDocument(json, source);
  if (Array.isArray(parsed)) throw new ConfigError(parsed.map((message) => ({ variable: source, message })));
  return parsed;
}

function readRulesFile(path: string, codeDir: string): string {
  let problem = 'must be a relative path inside the function code, such as rules.json (no "..")';
  if (RELATIVE_PATH.test(path)) {
    const file = join(codeDir, path);
    try {
      const bytes = readFileSync(file);
      if (bytes.length <= MAX_RULES_FILE_BYTES) return bytes.toString('utf8');
      problem = `is over ${MAX_RULES_FILE_BYTES} bytes`;
    } catch (error) {
      problem = `cannot be read (${(error as NodeJS.ErrnoException).code}: ${file})`;
    }
  }
  throw new ConfigError([{ variable: 'TOKEN_RULES_FILE', message: problem }]);
}

const prefixTemplate = z.pipe(
  z.optional(z.string()),
  z.transform((value, ctx): PrefixTemplate => {
    const parsed = parsePrefixTemplate(value ?? 'users/${sub}/');
    if (typeof parsed === 'string') {
      ctx.issues.push({ code: 'custom', input: value, message: parsed });
      return z.NEVER;
    }
    return parsed;
  }),
);

const actionList = z.pipe(
  z.optional(z.string()),
  z.transform((value, ctx): Action[] => {
    const items = commaList(value ?? 'put');
    const unknown = items.filter((item) => !isAction(item));
    if (items.length === 0 || unknown.length > 0) {
      ctx.issues.push({ code: 'custom', input: value, message: `must be a comma-separated list of ${ACTIONS.join(', ')}` });
      return z.NEVER;
    }
    return canonicalActions(items as Action[]);
  }),
);

/** `TOKEN_PREFIX` / `TOKEN_ACTIONS`: one rule named `default`, exactly today's single grant. */
function singleRule(env: Env): AccessRules {
  const vars = readEnv(env, { TOKEN_PREFIX: prefixTemplate, TOKEN_ACTIONS: actionList });
  return { rules: [{ name: 'default', prefix: vars.TOKEN_PREFIX, actions: vars.TOKEN_ACTIONS }], maxClaimLength: MAX_CLAIM_LENGTH, source: 'TOKEN_PREFIX' };
}
