// @ts-check
/**
 * The stsgate demo page, served by `npm start` (local/demo-site.ts) on an origin of its own: it logs in,
 * then asks each token function for keys through the browser client `@stsgate/client`, exactly as an
 * app would (one client per endpoint, cached keys, refresh before expiry), and shows them masked.
 *
 * @module
 */
import { createStsClient } from './client/index.js';
import { createCard } from './card.js';
import { developmentToken } from './login.js';

/** @typedef {import('./card.js').Card} Card */
/** @typedef {import('./card.js').Provider} Provider */
/** @typedef {import('./client/index.js').StsClient} StsClient */

/**
 * @typedef {object} DemoPageConfig As local/demo-site.ts writes it into the page.
 * @property {string} tokenService
 * @property {string} [devTokenPath]
 * @property {{ provider: Provider, path: string }[]} functions
 */

/**
 * @typedef {object} Endpoint One token function: its client, its card, and its refresh timer.
 * @property {StsClient} client
 * @property {Card} card
 * @property {number} generation Bumped by every request, so a late answer never overwrites a newer one.
 * @property {ReturnType<typeof setTimeout> | undefined} refreshTimer
 */

/** Never refresh sooner than this after the last answer, whatever the client says: no request storms. */
const MIN_REFRESH_DELAY_MS = 1000;

const form = /** @type {HTMLFormElement} */ (document.getElementById('login'));
const subjectInput = /** @type {HTMLInputElement} */ (document.getElementById('subject'));
const button = /** @type {HTMLButtonElement} */ (document.getElementById('get-credentials'));
const notice = /** @type {HTMLElement} */ (document.getElementById('notice'));
const cards = /** @type {HTMLElement} */ (document.getElementById('cards'));

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

function start() {
  const config = readConfig();
  const devTokenPath = config.devTokenPath;
  if (!devTokenPath) {
    button.disabled = true;
    showNotice('This token service verifies JWTs from JWT_* settings, so there is no development login for the page to use. Start `npm start` without JWT_* to try it.');
    return;
  }
  /** The user logged in now; the clients ask for their token on every request. */
  let subject = subjectInput.value.trim();

  /** @type {Endpoint[]} */
  const endpoints = config.functions.map(({ provider, path }) => ({
    client: createStsClient({ endpoint: `${config.tokenService}${path}`, getToken: () => developmentToken(config.tokenService, devTokenPath, subject) }),
    card: createCard(provider, cards),
    generation: 0,
    refreshTimer: undefined,
  }));

  /** @param {Endpoint} endpoint */
  async function request(endpoint) {
    const generation = ++endpoint.generation;
    clearTimeout(endpoint.refreshTimer);
    endpoint.card.requesting();
    try {
      // Cached keys while fresh; new ones once less than half their lifetime is left.
      const credentials = await endpoint.client.getCredentials();
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
      // Another user: the previous one's keys must not be shown or reused (as on logout).
      subject = next;
      for (const endpoint of endpoints) {
        endpoint.client.clear();
        endpoint.card.forget();
      }
    }
    for (const endpoint of endpoints) void request(endpoint);
  });

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
