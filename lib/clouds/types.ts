/**
 * What a cloud contributes to the core: its configuration, where its role credentials come from, its
 * policy grammar, its STS call and how its storage signs one object request. The core knows clouds only through this interface, so adding a cloud
 * adds a plugin and touches nothing shared beyond the registry.
 *
 * @module
 */
import type { Env } from '../config/env.js';
import type { CredentialSource, RoleCredentials } from '../credentials/types.js';
import type { Grant, KeyPolicyTraits, Scope } from '../scope/resolve-scope.js';
import type { ObjectSigner } from '../sign/types.js';
import type { IssuedCredentials } from '../sts/types.js';

export interface IssueRequest<C> {
  readonly config: C;
  readonly scope: Scope;
  /** The exact session policy text from {@link CloudPlugin.sessionPolicy}. */
  readonly policy: string;
  readonly sessionName: string;
  readonly credentials: RoleCredentials;
  /** How long the STS call may take, already bounded by the invocation's deadline. */
  readonly timeoutMs: number;
}

export interface CloudPlugin<C = unknown> {
  /** Stable id, returned to callers as `provider`. */
  readonly id: string;
  /** The longest lifetime this cloud's STS issues; bounds TOKEN_DURATION_SECONDS. */
  readonly maxDurationSeconds: number;
  /** The longest lifetime this configuration's STS call may ask for, when lower than {@link maxDurationSeconds}. */
  maxSessionSeconds?(config: C): number;
  /** POST Object forms and presigned URLs for this cloud's storage (`lib/sign/<cloud>`). */
  readonly signer: ObjectSigner;
  /** Reads and validates this cloud's own variables; throws ConfigError naming them. */
  loadConfig(env: Env, grant: Grant): C;
  /** Whether this cloud's key policies can limit an upload's size and type (see `resolveScope`, step 5). */
  readonly uploadLimitsInPolicy: boolean;
  /** A claim value this cloud's policies might not tell apart from another's: why it is refused, or undefined. */
  claimValueProblem?(value: string): string | undefined;
  /** The longest prefix one resource of this cloud's policies can hold, when shorter than a prefix may be. */
  maxPrefixLength?(grant: Grant): number;
  /** The ordered chain of places the runtime role's credentials come from. */
  credentialSources(config: C): readonly CredentialSource[];
  /** The session policy, in this cloud's grammar, exactly as it will be sent. */
  sessionPolicy(scope: Scope, config: C): string;
  /**
   * Whose keys this deployment issues (the role or agency it asks STS for), so that deployments sharing
   * one Redis never hand out each other's keys. Every instance of a deployment agrees; endpoints do not
   * count (the same role through another endpoint issues the same keys).
   */
  issuer(config: C): string;
  issue(request: IssueRequest<C>): Promise<IssuedCredentials>;
}

/** What resolving a scope needs to know of the cloud. */
export const keyPolicyTraits = <C>(cloud: CloudPlugin<C>): KeyPolicyTraits => ({
  cloud: cloud.id,
  uploadLimitsInPolicy: cloud.uploadLimitsInPolicy,
  claimValueProblem: cloud.claimValueProblem,
});
