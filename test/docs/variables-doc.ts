/**
 * The one list of variables: the tables of docs/configuration.md, read as data. Each function-variable
 * row says which clouds read the variable and who sets it (`manifest`, `platform`, `off-platform`).
 */
import { readMarkdown, tables } from './markdown.js';
import type { Cloud } from './environment-scenarios.js';
import { CLOUDS } from './environment-scenarios.js';

export const CONFIGURATION_PAGE = 'docs/configuration.md';

export const SET_BY = ['manifest', 'platform', 'off-platform'] as const;
export type SetBy = (typeof SET_BY)[number];

export interface DocumentedVariable {
  readonly name: string;
  readonly clouds: ReadonlySet<Cloud>;
  readonly setBy: SetBy;
  /** The default cell when it is one code span (`900`), for comparing with a manifest's default. */
  readonly literalDefault: string | undefined;
  readonly line: number;
}

export interface ManifestSetting {
  readonly name: string;
  readonly manifest: string;
  readonly line: number;
}

const FUNCTION_HEADER = ['variable', 'cloud', 'set by', 'default', 'what it does'];
const SETTING_HEADER = ['manifest setting', 'manifest', 'default', 'what it does'];
const LOCAL_HEADER = ['npm start variable', 'default', 'what it does'];

const sameHeader = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((cell, i) => cell === b[i]);
const VARIABLE_CELL = /^`([A-Z][A-Z0-9_]*)`$/;

export interface ConfigurationPage {
  readonly variables: ReadonlyMap<string, DocumentedVariable>;
  readonly settings: readonly ManifestSetting[];
  readonly localVariables: ReadonlySet<string>;
  /** Rows that could not be read, each saying how to fix it. */
  readonly problems: readonly string[];
}

export function readConfigurationPage(): ConfigurationPage {
  const page = readMarkdown(CONFIGURATION_PAGE);
  const variables = new Map<string, DocumentedVariable>();
  const settings: ManifestSetting[] = [];
  const localVariables = new Set<string>();
  const problems: string[] = [];
  const at = (line: number) => `${CONFIGURATION_PAGE}:${line}`;

  for (const table of tables(page.text)) {
    if (sameHeader(table.header, FUNCTION_HEADER)) {
      for (const { cells, line } of table.rows) {
        const [variable = '', cloud = '', setBy = '', fallback = ''] = cells;
        const name = VARIABLE_CELL.exec(variable)?.[1];
        if (!name) {
          problems.push(`${at(line)}: the first cell must be one variable name in backticks, e.g. \`TOKEN_BUCKET\``);
          continue;
        }
        const listed = cloud === 'all' ? [...CLOUDS] : cloud.split(',').map((item) => item.trim());
        const unknownClouds = listed.filter((item) => !(CLOUDS as readonly string[]).includes(item));
        if (unknownClouds.length > 0 || listed.length === 0) {
          problems.push(`${at(line)}: ${name}'s cloud cell must be "all" or a comma-separated list of ${CLOUDS.join(', ')}`);
          continue;
        }
        if (!(SET_BY as readonly string[]).includes(setBy)) {
          problems.push(`${at(line)}: ${name}'s "set by" cell must be one of ${SET_BY.join(', ')}`);
          continue;
        }
        if (variables.has(name)) {
          problems.push(`${at(line)}: ${name} has a second row (first at line ${variables.get(name)?.line}); keep one`);
          continue;
        }
        variables.set(name, {
          name,
          clouds: new Set(listed as Cloud[]),
          setBy: setBy as SetBy,
          literalDefault: /^`([^`]*)`$/.exec(fallback)?.[1],
          line,
        });
      }
    } else if (sameHeader(table.header, SETTING_HEADER)) {
      for (const { cells, line } of table.rows) {
        const name = VARIABLE_CELL.exec(cells[0] ?? '')?.[1];
        const manifest = /^`([^`]+)`$/.exec(cells[1] ?? '')?.[1];
        if (!name || !manifest) problems.push(`${at(line)}: a manifest setting row needs \`NAME\` and \`<manifest file>\``);
        else settings.push({ name, manifest, line });
      }
    } else if (sameHeader(table.header, LOCAL_HEADER)) {
      for (const { cells, line } of table.rows) {
        const name = VARIABLE_CELL.exec(cells[0] ?? '')?.[1];
        if (!name) problems.push(`${at(line)}: an npm start row needs one variable name in backticks`);
        else localVariables.add(name);
      }
    }
  }
  return { variables, settings, localVariables, problems };
}
