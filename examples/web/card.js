// @ts-check
/**
 * One cloud's card on the demo page: requesting, the credentials (masked) with their time left, or
 * what went wrong. Every value is set as text, never as HTML.
 *
 * @module
 */
import { StsClientError, UnauthorizedError } from './client/index.js';
import { CorsRefusedError } from './cors-check.js';
import { formatTimeLeft, maskAccessKeyId, maskSecret, secondsLeft } from './format.js';
import { LoginError } from './login.js';

/** @typedef {import('./client/index.js').StsCredentials} StsCredentials */
/** @typedef {'aliyun' | 'tencent' | 'huawei'} Provider */

/** @type {Record<Provider, string>} */
const TITLES = { aliyun: 'Aliyun OSS', tencent: 'Tencent COS', huawei: 'Huawei OBS' };

/** The `data-field`s of the card template that hold credential values. */
const CREDENTIAL_FIELDS = ['provider', 'bucket', 'region', 'prefix', 'actions', 'access-key-id', 'access-key-secret', 'security-token', 'expiration', 'countdown'];

/**
 * @typedef {object} Card
 * @property {() => void} requesting
 * @property {() => void} forget Blanks the card, e.g. when another user logs in.
 * @property {(credentials: StsCredentials) => void} show
 * @property {(error: unknown) => void} fail
 * @property {(nowMs: number) => void} tick Updates the time left.
 */

/**
 * Adds a card for `provider` to `container`. Each field gets `data-testid="<provider>-<field>"`.
 * @param {Provider} provider
 * @param {HTMLElement} container
 * @param {boolean} emulated whether the keys come from a local STS emulator rather than the real cloud
 * @returns {Card}
 */
export function createCard(provider, container, emulated) {
  const template = /** @type {HTMLTemplateElement} */ (document.getElementById('card-template'));
  const card = /** @type {HTMLElement} */ (template.content.firstElementChild?.cloneNode(true));
  card.dataset.testid = `${provider}-card`;
  /** @type {Map<string, HTMLElement>} */
  const fields = new Map();
  for (const element of card.querySelectorAll('[data-field]')) {
    if (!(element instanceof HTMLElement) || !element.dataset.field) continue;
    element.dataset.testid = `${provider}-${element.dataset.field}`;
    fields.set(element.dataset.field, element);
  }
  /** @param {string} name */
  const field = (name) => {
    const element = fields.get(name);
    if (!element) throw new Error(`card template lacks data-field="${name}"`);
    return element;
  };
  const title = field('title');
  title.textContent = TITLES[provider];
  title.id = `${provider}-title`;
  card.setAttribute('aria-labelledby', title.id);
  const source = field('source');
  source.textContent = emulated ? 'Local emulator: not real keys' : 'Real cloud: real keys';
  source.dataset.source = emulated ? 'emulated' : 'real';
  container.append(card);

  /** When the shown credentials expire, in ms; undefined while none are shown. */
  /** @type {number | undefined} */
  let expiresAtMs;

  /** @param {'idle' | 'requesting' | 'ok' | 'expired' | 'error'} state @param {string} status */
  const setState = (state, status) => {
    card.dataset.state = state;
    field('status').textContent = status;
  };
  const clearCredentials = () => {
    expiresAtMs = undefined;
    for (const name of CREDENTIAL_FIELDS) {
      field(name).textContent = '—';
      field(name).removeAttribute('title');
    }
    field('expiration').removeAttribute('datetime');
  };

  return {
    requesting() {
      // Keys already shown stay until the answer comes: a refresh should not blank a working card.
      if (card.dataset.state !== 'ok') setState('requesting', 'Requesting…');
    },

    forget() {
      clearCredentials();
      field('error').hidden = true;
      setState('idle', 'Not requested yet');
    },

    show(credentials) {
      field('error').hidden = true;
      field('error').textContent = '';
      field('provider').textContent = credentials.provider;
      // Long values are cut short on screen (styles.css); the title keeps them readable in full.
      for (const [name, value] of /** @type {const} */ ([
        ['bucket', credentials.bucket],
        ['region', credentials.region],
        ['prefix', credentials.prefix],
      ])) {
        field(name).textContent = value;
        field(name).title = value;
      }
      field('actions').textContent = credentials.actions.join(', ');
      field('access-key-id').textContent = maskAccessKeyId(credentials.accessKeyId);
      field('access-key-secret').textContent = maskSecret(credentials.accessKeySecret);
      field('security-token').textContent = maskSecret(credentials.securityToken);
      const expiration = field('expiration');
      expiration.textContent = credentials.expiration;
      expiration.setAttribute('datetime', credentials.expiration);
      expiration.title = new Date(credentials.expiration).toLocaleString();
      expiresAtMs = credentials.expiredTime * 1000;
      setState('ok', 'Credentials issued');
      this.tick(Date.now());
    },

    fail(error) {
      clearCredentials();
      const { code, detail } = describe(error);
      setState('error', `Failed: ${code}`);
      const message = field('error');
      message.textContent = detail;
      message.hidden = false;
    },

    tick(nowMs) {
      if (expiresAtMs === undefined) return;
      const seconds = secondsLeft(expiresAtMs, nowMs);
      field('countdown').textContent = formatTimeLeft(seconds);
      if (seconds === 0 && card.dataset.state === 'ok') setState('expired', 'Expired: get new credentials');
    },
  };
}

/**
 * A short code for the status line (the endpoint's `error`, e.g. `insufficient_scope`, with the HTTP
 * status) and a sentence for the person.
 * @param {unknown} error
 * @returns {{ code: string, detail: string }}
 */
function describe(error) {
  if (error instanceof UnauthorizedError) {
    return { code: `401 ${error.error ?? error.code}`, detail: `The token endpoint refused the login${error.description ? ` (${error.description})` : ''}: log in again.` };
  }
  if (error instanceof StsClientError) {
    const status = error.status === undefined ? '' : `${error.status} `;
    // The endpoint's own explanation when it gave one (written for developers, never a secret).
    return { code: `${status}${error.error ?? error.code}`, detail: error.description ?? error.message };
  }
  if (error instanceof CorsRefusedError) return { code: 'cors_refused', detail: `The token service refused this origin (${error.origin}): add it to CORS_ALLOWED_ORIGINS and restart npm start.` };
  if (error instanceof LoginError) return { code: 'login_failed', detail: error.message };
  return { code: 'error', detail: error instanceof Error ? error.message : String(error) };
}
