/**
 * `npm run policy`: what an auditor runs to see the exact session policy and session name, without STS.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const env = { ...process.env, TOKEN_BUCKET: 'media', TOKEN_REGION: 'cn-hangzhou', TOKEN_ACTIONS: 'get,put', ALIYUN_ROLE_ARN: 'acs:ram::123456789012:role/up' };
const preview = (args: string[], overrides: Record<string, string | undefined> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/policy.ts', ...args], { cwd: root, env: { ...env, ...overrides }, encoding: 'utf8' });

describe('policy preview', () => {
  it('prints the session policy and session name the function would send', () => {
    const run = preview(['--claims', '{"sub":"alice@example.com"}', '--body', '{"actions":["get"]}']);
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({ provider: 'aliyun', sessionName: 'alice@example.com', prefix: 'users/alice@example.com/', actions: ['get'], durationSeconds: 900 });
    expect(out.policy).toEqual({ Version: '1', Statement: [{ Effect: 'Allow', Action: ['oss:GetObject'], Resource: ['acs:oss:*:*:media/users/alice@example.com/*'] }] });
    expect(out.policyLength).toBe(JSON.stringify(out.policy).length);
  });

  it('previews the Huawei policy in the grammar of the configured path', () => {
    const securityTokens = JSON.parse(preview(['--cloud', 'huawei', '--claims', '{"sub":"alice"}'], { TOKEN_REGION: 'cn-north-4' }).stdout);
    expect(securityTokens).toMatchObject({ provider: 'huawei', prefix: 'users/alice/' });
    expect(securityTokens.policy.Version).toBe('1.1');
    expect(securityTokens.policy.Statement[0].Resource).toEqual(['obs:*:*:object:media/users/alice/*']);
    const agency = JSON.parse(
      preview(['--cloud', 'huawei', '--claims', '{"sub":"alice"}'], { TOKEN_REGION: 'cn-north-4', HUAWEI_AGENCY_URN: 'iam::0123456789abcdef:agency:obs' }).stdout,
    );
    expect(agency.policy.Version).toBe('5.0');
    expect(agency.policy.Statement[0].Action).toContain('obs:object:putObject');
  });

  it('shows the refusal the function would answer, with exit code 1', () => {
    const run = preview(['--claims', '{"sub":"../admin"}']);
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 403, error: 'insufficient_scope' });
  });

  it('names the missing variable, with exit code 2', () => {
    const run = preview(['--claims', '{"sub":"a1"}'], { TOKEN_BUCKET: undefined });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('TOKEN_BUCKET');
  });

  it('prints usage for bad arguments', () => {
    expect(preview([]).status).toBe(2);
    expect(preview(['--claims', 'not json']).status).toBe(2);
  });
});
