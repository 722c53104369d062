/**
 * The suite-wide guard itself: it must catch each kind of leak, or every other test's silence means nothing.
 */
import { describe, expect, it } from 'vitest';
import { secretGuard } from '../helpers/secret-guard.js';

const ROLE_SECRET = 'guard-test-role-secret-value';
const ISSUED_SECRET = 'guard-test-issued-secret-value';
secretGuard.never(() => [ROLE_SECRET]);
secretGuard.issued(() => [ISSUED_SECRET]);

describe('the secret guard', () => {
  it('catches a role secret in a console line', () => {
    console.log(`{"msg":"oops","key":"${ROLE_SECRET}"}`);
    expect(() => secretGuard.check()).toThrow(/a secret leaked/);
  });

  it('catches a JWT in a log line', () => {
    secretGuard.log('token eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl');
    expect(() => secretGuard.check()).toThrow(/a JWT leaked/);
  });

  it('allows issued keys in the success body that hands them out, nowhere else', () => {
    secretGuard.body(`{"accessKeyId":"AK","accessKeySecret":"${ISSUED_SECRET}"}`);
    expect(() => secretGuard.check()).not.toThrow();
    secretGuard.body(`{"error":"upstream_error","error_description":"${ISSUED_SECRET}"}`);
    expect(() => secretGuard.check()).toThrow(/a secret leaked/);
    secretGuard.log(ISSUED_SECRET);
    expect(() => secretGuard.check()).toThrow(/a secret leaked/);
  });

  it('never allows a role secret, not even in a success body', () => {
    secretGuard.body(`{"accessKeyId":"AK","accessKeySecret":"${ROLE_SECRET}"}`);
    expect(() => secretGuard.check()).toThrow(/a secret leaked/);
  });
});
