/**
 * One warning when a problem with Redis starts, one info line when it ends, and silence in between:
 * a Redis outage under load would otherwise write a warning per request.
 *
 * @module
 */
import type { LogFields, Logger } from '../../log.js';

export class OutageLog {
  /** Open episodes by reason: when each started and which operation may close it. */
  readonly #open = new Map<string, { since: number; closedBy: string | undefined }>();

  constructor(
    private readonly logger: Logger,
    private readonly messages: { readonly started: string; readonly ended: string },
    private readonly fields: LogFields,
    private readonly now: () => number = Date.now,
  ) {}

  get active(): boolean {
    return this.#open.size > 0;
  }

  /**
   * Records a failure; warns only if no episode with this reason is open. `closedBy` names the only kind
   * of operation whose success ends the episode (unset: any success does).
   */
  failed(reason: string, closedBy?: string): void {
    if (this.#open.has(reason)) return;
    this.#open.set(reason, { since: this.now(), closedBy });
    this.logger.log('warn', this.messages.started, { ...this.fields, reason, ...(closedBy ? { operation: closedBy } : {}) });
  }

  /** Records a success of `operation`, ending every episode it may close. */
  succeeded(operation: string): void {
    for (const [reason, episode] of this.#open) {
      if (episode.closedBy !== undefined && episode.closedBy !== operation) continue;
      this.#open.delete(reason);
      this.logger.log('info', this.messages.ended, { ...this.fields, reason, downForMs: this.now() - episode.since });
    }
  }
}
