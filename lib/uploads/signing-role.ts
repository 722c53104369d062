/**
 * The credentials that sign uploads and downloads: the target role's (Huawei: the agency's), assumed once
 * per function instance, not once per user, with a session policy that covers only what the rules could
 * ever grant with `put` or `get`: each rule's prefix template with every placeholder widened to `*`
 * (`users/${sub}/` → `users/*\/`), those two actions only, no limits (the signatures carry them), no listing
 * or deleting. So the keys that sign can never act beyond what some user of the deployment may do.
 *
 * The keys are kept and renewed before they expire, like the runtime credentials
 * (`credentials/refresh-before-expiry.ts`): renewed once less than a signature's lifetime (and a minute)
 * is left, with one STS call however many requests arrive meanwhile, through the instance's throttling
 * breaker and the same retries as the keys route. They last at least twice a signature's lifetime, so
 * each set signs for a while before it is renewed; and a signature never outlives them (`lib/sign`).
 *
 * The plan (policy, lifetime) is built at cold start: a policy that cannot fit the cloud's limits, or a
 * lifetime the cloud cannot give, refuses the start, naming the variable.
 *
 * @module
 */
import type { CloudPlugin } from '../clouds/types.js';
import type { ResolvedCredentials } from '../credentials/chain.js';
import { refreshBeforeExpiry } from '../credentials/refresh-before-expiry.js';
import type { CredentialSource } from '../credentials/types.js';
import { ConfigError, isStsgateError, serverError, temporarilyUnavailable } from '../errors.js';
import type { Invocation, RequestTrace } from '../invocation.js';
import type { Logger } from '../log.js';
import { RESPONSE_RESERVE_MS } from '../request-gate.js';
import type { PrefixGrant } from '../rules/grants.js';
import type { Action } from '../scope/actions.js';
import { DURATION_STEPS_SECONDS } from '../scope/duration-steps.js';
import type { Grant, Scope } from '../scope/resolve-scope.js';
import { type RetryPolicy, withRetries } from '../sts/retry.js';
import type { ThrottlingBreaker } from '../sts/throttling-breaker.js';

/** The session name the signing role's keys carry in the cloud's audit log. */
export const SIGNING_SESSION_NAME = 'stsgate-signer';

/** Beyond a signature's lifetime, how much of the keys' life is left when they are renewed. */
const RENEW_SLACK_SECONDS = 60;

/** The shortest signature worth handing out when the keys could not be renewed in time. */
const MIN_USEFUL_SIGNATURE_SECONDS = 30;

export interface SigningRolePlan {
  /** The widened grants, for `cloud.sessionPolicy` and for tests. */
  readonly scope: Scope;
  /** The session policy text, exactly as sent. */
  readonly policy: string;
  /** Seconds the keys are asked for. */
  readonly durationSeconds: number;
  /** Renewed when less than this is left. */
  readonly renewMarginMs: number;
}

const SIGNING_ACTIONS: readonly Action[] = ['get', 'put'];

/**
 * The signing role's plan for these rules, or undefined when no rule grants `get` or `put` (nothing can
 * ever be signed, so no role is assumed). Throws a ConfigError naming the variable when the policy does
 * not fit the cloud or the cloud cannot give keys that outlive a signature twice over.
 */
export function planSigningRole<C>(cloud: CloudPlugin<C>, cloudConfig: C, grant: Grant, urlSeconds: number): SigningRolePlan | undefined {
  const grants: PrefixGrant[] = grant.access.rules.flatMap((rule) => {
    const actions = rule.actions.filter((a) => SIGNING_ACTIONS.includes(a));
    if (actions.length === 0) return [];
    const prefix = rule.prefix.sample(() => '*', 1)[0] as string;
    return [{ rule: rule.name, prefix, actions }];
  });
  const first = grants[0];
  if (first === undefined) return undefined;

  // At least the lifetime the role already allows for users' keys; at least twice a signature's, so a set
  // of keys signs for a while before it must be renewed.
  const maxSeconds = cloud.maxSessionSeconds?.(cloudConfig) ?? cloud.maxDurationSeconds;
  const wanted = Math.max(grant.durationSeconds, DURATION_STEPS_SECONDS.find((step) => step >= 2 * urlSeconds) ?? 2 * urlSeconds);
  if (wanted > maxSeconds) {
    throw new ConfigError([
      { variable: 'UPLOAD_URL_SECONDS', message: `must be at most ${Math.floor(maxSeconds / 2)} here: the keys that sign must last twice as long, and ${cloud.id} issues them for at most ${maxSeconds} s` },
    ]);
  }
  const scope: Scope = { subject: SIGNING_SESSION_NAME, bucket: grant.bucket, region: grant.region, grants, prefix: first.prefix, actions: first.actions, durationSeconds: wanted };
  let policy: string;
  try {
    policy = cloud.sessionPolicy(scope, cloudConfig);
  } catch (error) {
    if (!isStsgateError(error)) throw error;
    throw new ConfigError([
      { variable: grant.access.source, message: `the signing role's session policy (every rule's get and put, placeholders widened to *) does not fit on ${cloud.id}: ${error.description}` },
    ]);
  }
  return { scope, policy, durationSeconds: wanted, renewMarginMs: (urlSeconds + RENEW_SLACK_SECONDS) * 1000 };
}

export interface SigningKeysDeps<C> {
  readonly cloud: CloudPlugin<C>;
  readonly cloudConfig: C;
  readonly plan: SigningRolePlan;
  /** The runtime role's credentials, which authenticate the STS call (the keys route's chain). */
  readonly resolveCredentials: (invocation: Invocation) => Promise<ResolvedCredentials>;
  readonly breaker: ThrottlingBreaker;
  readonly stsTimeoutMs: number;
  readonly retryPolicy?: RetryPolicy | undefined;
  readonly logger: Logger;
  readonly now?: () => number;
}

export interface SigningKeys {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken: string | undefined;
  readonly expiration: Date;
}

export interface SigningKeysProvider {
  /** Keys valid for at least `seconds` more (fewer only while renewal fails), and the lifetime they allow. */
  forSignature(seconds: number, invocation: Invocation, trace: RequestTrace): Promise<{ keys: SigningKeys; expiresIn: number }>;
}

export function signingKeysProvider<C>(deps: SigningKeysDeps<C>): SigningKeysProvider {
  const { cloud, cloudConfig, plan } = deps;
  const now = deps.now ?? Date.now;
  let lastSource: string | undefined;

  const signingRole: CredentialSource = {
    name: 'signing-role',
    async resolve(invocation) {
      // Refused before the runtime credentials are even read while STS throttles.
      deps.breaker.throwIfPaused();
      const resolved = await deps.resolveCredentials(invocation);
      const issued = await withRetries(
        (timeoutMs) =>
          deps.breaker.run(() =>
            cloud.issue({ config: cloudConfig, scope: plan.scope, policy: plan.policy, sessionName: SIGNING_SESSION_NAME, credentials: resolved.credentials, timeoutMs }),
          ),
        { attemptTimeoutMs: deps.stsTimeoutMs, budgetMs: () => invocation.remainingMs() - RESPONSE_RESERVE_MS },
        deps.retryPolicy,
      );
      lastSource = resolved.source;
      return { accessKeyId: issued.accessKeyId, accessKeySecret: issued.accessKeySecret, securityToken: issued.securityToken, expiresAt: issued.expiresAt };
    },
  };
  const kept = refreshBeforeExpiry(signingRole, { refreshMarginMs: plan.renewMarginMs, now });
  let current: unknown;

  return {
    async forSignature(seconds, invocation, trace) {
      const seen = current;
      const started = performance.now();
      const credentials = await kept.resolve(invocation, deps.logger);
      if (!credentials?.expiresAt) throw serverError();
      if (credentials !== seen) {
        // This request waited for new keys (its own STS call, or one already under way).
        current = credentials;
        trace.cache = 'miss';
        trace.stsLatencyMs = Math.round((performance.now() - started) * 10) / 10;
        if (lastSource !== undefined) trace.credentialSource = lastSource;
      } else {
        trace.cache = 'hit';
      }
      // Renewal failed while the old keys still work: sign for what they have left, if that is worth anything.
      const left = Math.floor((credentials.expiresAt.getTime() - now()) / 1000) - 5;
      const expiresIn = Math.min(seconds, left);
      if (expiresIn < Math.min(seconds, MIN_USEFUL_SIGNATURE_SECONDS)) {
        throw temporarilyUnavailable('the signing keys are being renewed', 1, { reason: 'signing_keys_expiring' });
      }
      const keys: SigningKeys = {
        accessKeyId: credentials.accessKeyId,
        accessKeySecret: credentials.accessKeySecret,
        securityToken: credentials.securityToken,
        expiration: credentials.expiresAt,
      };
      return { keys, expiresIn };
    },
  };
}
