// @ts-check
/**
 * The stsgate demo page, served by `npm start` (local/demo-site.ts) on an origin of its own: it logs in,
 * then asks each token function for keys through the browser client `@stsgate/client`, exactly as an
 * app would (one client per endpoint, cached keys, refresh before expiry), and shows them masked; and it
 * uploads a chosen file to every cloud's bucket through the same clients' signed uploads (uploads.js).
 *
 * @module
 */
import { createStsClient, StsClientError } from './client/index.js';
import { createCard } from './card.js';
import { corsRefusal } from './cors-check.js';
import { developmentSession } from './login.js';
import { setUpUploads } from './uploads.js';

/** @typedef {import('./card.js').Card} Card */
/** @typedef {import('./card.js').Provider} Provider */
/** @typedef {import('./client/index.js').StsClient} StsClient */
/** @typedef {import('./client/index.js').StsCredentials} StsCredentials */

/**
 * @typedef {object} DemoPageConfig As local/demo-site.ts writes it into the page.
 * @property {string} tokenService
 * @property {string} [loginPath]
 * @property {string} corsCheckPath
 * @property {{ provider: Provider, path: string, emulated: boolean }[]} functions
 */

/**
 * @typedef {object} Endpoint One token function: its client, its card, and its refresh timer.
 * @property {Provider} provider
 * @property {string} path
 * @property {StsClient} client
 * @property {Card} card
 * @property {number} generation Bumped by every request, so a late answer never overwrites a newer one.
 * @property {ReturnType<typeof setTimeout> | undefined} refreshTimer
 */

/** Never refresh sooner than this after the last answer, whatever the client says: no request storms. */
const MIN_REFRESH_DELAY_MS = 1000;
/**
 * The page makes the attempts itself (the clients make one each): after a failed attempt only the page
 * can ask its own origin whether it was a CORS refusal, which no retry would cure.
 */
const ATTEMPTS = 3;
const RETRY_DELAY_MS = 300;

const TITLES = /** @type {Record<Provider, string>} */ ({ aliyun: 'Aliyun', tencent: 'Tencent', huawei: 'Huawei' });

const form = /** @type {HTMLFormElement} */ (document.getElementById('login'));
const subjectInput = /** @type {HTMLInputElement} */ (document.getElementById('subject'));
const button = /** @type {HTMLButtonElement} */ (document.getElementById('get-credentials'));
const notice = /** @type {HTMLElement} */ (document.getElementById('notice'));
const emulatedNotice = /** @type {HTMLElement} */ (document.getElementById('emulated-notice'));
const cards = /** @type {HTMLElement} */ (document.getElementById('cards'));
const uploadForm = /** @type {HTMLFormElement} */ (document.getElementById('upload-form'));
const uploadButton = /** @type {HTMLButtonElement} */ (document.getElementById('upload-button'));
const uploadList = /** @type {HTMLElement} */ (document.getElementById('upload-list'));

/** @returns {DemoPageConfig} */
function readConfig() {
  const content = document.querySelector('meta[name="stsgate-demo-config"]')?.getAttribute('content');
  if (!content) throw new Error('This page has no configuration: open it from the address `npm start` prints.');
  return JSON.parse(content);
}

/** @param {string} text */
function showNotice(text) {
  notice.textContent = text;
  notice.hidden = false;
}

/** Says, once for the page, which clouds' keys come from emulators on this machine. @param {DemoPageConfig} config */
function showWhereKeysComeFrom(config) {
  const emulated = config.functions.filter((fn) => fn.emulated).map((fn) => TITLES[fn.provider]);
  if (emulated.length === 0) return;
  const all = emulated.length === config.functions.length;
  emulatedNotice.textContent = `${all ? 'All keys on this page come' : `Keys for ${emulated.join(', ')} come`} from local STS emulators on this machine: they look like real keys, but no cloud account or bucket stands behind them.`;
  emulatedNotice.hidden = false;
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** @param {unknown} error */
function isPassing(error) {
  if (!(error instanceof StsClientError)) return false;
  return error.code === 'network_error' || (error.code === 'http_error' && error.status !== undefined && (error.status === 429 || error.status >= 500));
}

function start() {
  const config = readConfig();
  showWhereKeysComeFrom(config);
  const loginPath = config.loginPath;
  if (!loginPath) {
    button.disabled = true;
    uploadButton.disabled = true;
    showNotice('This token service verifies JWTs from JWT_* settings, so there is no development login for the page to use. Start `npm start` without JWT_* (and with every cloud emulated) to try it.');
    return;
  }
  const session = developmentSession(loginPath);
  /** The user logged in now. */
  let subject = subjectInput.value.trim();
  session.signIn(subject);

  /** @type {Endpoint[]} */
  const endpoints = config.functions.map(({ provider, path, emulated }) => ({
    provider,
    path,
    client: createStsClient({ endpoint: `${config.tokenService}${path}`, getToken: session.getToken, maxAttempts: 1 }),
    card: createCard(provider, cards, emulated),
    generation: 0,
    refreshTimer: undefined,
  }));

  /**
   * Cached keys while fresh; new ones once less than half their lifetime is left. Passing failures are
   * tried again, except a network failure that was in fact the token service refusing this origin.
   * @param {Endpoint} endpoint
   * @returns {Promise<StsCredentials>}
   */
  async function credentialsFor(endpoint) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await endpoint.client.getCredentials();
      } catch (error) {
        if (error instanceof StsClientError && error.code === 'network_error') {
          const refusal = await corsRefusal(config.corsCheckPath, endpoint.path);
          if (refusal) throw refusal;
        }
        if (!isPassing(error) || attempt >= ATTEMPTS) throw error;
        await sleep(RETRY_DELAY_MS * attempt);
      }
    }
  }

  /** @param {Endpoint} endpoint */
  async function request(endpoint) {
    const generation = ++endpoint.generation;
    clearTimeout(endpoint.refreshTimer);
    endpoint.card.requesting();
    try {
      const credentials = await credentialsFor(endpoint);
      if (generation !== endpoint.generation) return;
      endpoint.card.show(credentials);
      const refreshAt = endpoint.client.refreshAt();
      if (refreshAt !== undefined) endpoint.refreshTimer = setTimeout(() => void request(endpoint), Math.max(MIN_REFRESH_DELAY_MS, refreshAt - Date.now()));
    } catch (error) {
      if (generation !== endpoint.generation) return;
      endpoint.card.fail(error);
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = subjectInput.value.trim();
    if (next !== subject) {
      // Another user: sign the previous one out, as an app must (the client would notice the new
      // token's subject by itself, but sign-out is when an app drops what the previous user had).
      subject = next;
      session.signIn(subject);
      for (const endpoint of endpoints) {
        endpoint.client.clear();
        endpoint.card.forget();
      }
    }
    for (const endpoint of endpoints) void request(endpoint);
  });

  // Uploads go through the same clients: the same endpoint, login and signed-in user as the keys.
  setUpUploads({ form: uploadForm, list: uploadList, targets: endpoints });

  setInterval(() => {
    const now = Date.now();
    for (const endpoint of endpoints) endpoint.card.tick(now);
  }, 1000);

  form.requestSubmit();
}

try {
  start();
} catch (error) {
  button.disabled = true;
  showNotice(error instanceof Error ? error.message : String(error));
}
