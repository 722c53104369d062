/**
 * What a storage service's refusal says, read from its XML error body (`<Error><Code>…</Code>
 * <Message>…</Message><RequestId>…</RequestId></Error>`, the same shape on OSS, COS and OBS), and
 * whether it says the signature has expired: the one refusal a new signature can cure.
 *
 * @module
 */

export interface StorageRefusal {
  readonly status: number;
  /** `<Code>`, when the body has one that looks like a code. */
  readonly code: string | undefined;
  readonly message: string | undefined;
  readonly requestId: string | undefined;
}

/**
 * Expiry as the three services report it (docs/testing.md, storage stand-ins): a 403 `AccessDenied`
 * whose message starts by saying the URL or the form has expired (OSS and OBS: "Request has expired",
 * "Invalid according to Policy: Policy expired"; COS: "Request has expired", "You post object request has
 * been expired"; a policy condition that merely quotes the word does not count), or a 403 `SecurityTokenExpired` when the keys that signed have expired.
 * A refusal with no readable code (a body some runtime hid) counts as expired only when the clock agrees.
 */
const EXPIRED_MESSAGE = /^(?:Request has expired|Invalid according to Policy: Policy expired|You post object request has been expired)\b/i;

export function saysExpired(refusal: StorageRefusal, clockSaysExpired: boolean): boolean {
  if (refusal.status !== 403) return false;
  if (refusal.code === 'SecurityTokenExpired') return true;
  if (refusal.code === 'AccessDenied') return EXPIRED_MESSAGE.test(refusal.message ?? '');
  return refusal.code === undefined && clockSaysExpired;
}

export function readRefusal(status: number, body: string, requestIdHeader: string | undefined): StorageRefusal {
  const code = element(body, 'Code');
  return {
    status,
    code: code !== undefined && /^[\w.-]{1,64}$/.test(code) ? code : undefined,
    message: element(body, 'Message'),
    requestId: element(body, 'RequestId') ?? (requestIdHeader || undefined),
  };
}

/**
 * `text` with every one of `secrets` replaced, at most 300 characters: a service may quote what it was
 * sent (a string to sign, a policy condition), and the error goes to the app's logs.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let redacted = text;
  for (const secret of secrets) if (secret !== '') redacted = redacted.split(secret).join('[redacted]');
  return redacted.slice(0, 300);
}

/** The first `<name>`'s text, entities decoded; the bodies are small and flat, so no XML parser is needed (and mini-program runtimes have none). */
function element(body: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(body);
  if (!match) return undefined;
  return match[1]!.replace(/&(lt|gt|quot|apos|amp);/g, (_, entity: string) => ENTITIES[entity]!);
}

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
