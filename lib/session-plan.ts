/**
 * Claims + request → exactly what will be sent to STS: the scope, the session policy text and the
 * session name. The token service and the policy preview command both use this, so what an auditor
 * previews is what the function sends.
 *
 * @module
 */
import { type CloudPlugin, keyPolicyTraits } from './clouds/types.js';
import { type Grant, resolveScope, type Scope } from './scope/resolve-scope.js';
import type { ScopeRequest } from './scope/scope-request.js';
import { sessionNameFor } from './scope/session-name.js';

export interface SessionPlan {
  readonly scope: Scope;
  readonly policy: string;
  readonly sessionName: string;
}

export function planSession<C>(
  cloud: CloudPlugin<C>,
  cloudConfig: C,
  grant: Grant,
  claims: Readonly<Record<string, unknown>>,
  request: ScopeRequest,
): SessionPlan {
  const scope = resolveScope(grant, claims, request, keyPolicyTraits(cloud));
  return { scope, policy: cloud.sessionPolicy(scope, cloudConfig), sessionName: sessionNameFor(scope.subject) };
}
