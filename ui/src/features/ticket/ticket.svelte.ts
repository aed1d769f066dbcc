import { api, toApiError, type ApiError } from "../../lib/api";
import type { Submitted } from "../../lib/bindings/Submitted";
import type { TicketDetail } from "../../lib/bindings/TicketDetail";
import { noteQueued } from "../outbox/outbox.svelte";

type ErrorSink = (error: ApiError, retry: (() => void) | null) => void;

/** A change the user made, kept so it can be sent again on top of a newer ticket. */
export interface PendingChange {
  /** For the conflict dialog: "Your change: …". */
  what: string;
  /** Sends the change based on `base` (its version, a comment's edit count); the outbox may keep it. */
  send: (base: TicketDetail) => Promise<Submitted<TicketDetail>>;
}

/** A change refused because the ticket moved on: the user picks "apply again" or "discard". */
export interface Conflict {
  change: PendingChange;
  /** The ticket the change was based on. */
  mine: TicketDetail;
  /** The ticket as it is now (also what the view shows). */
  now: TicketDetail;
}

/**
 * One open ticket: loading it, sending changes that answer with the new ticket (shown at once,
 * no refetch), one change at a time, and conflicts that are shown rather than overwritten.
 */
export class TicketStore {
  detail = $state<TicketDetail | null>(null);
  loading = $state(false);
  /** The change in flight (its `what`), or null; every action is disabled meanwhile. */
  busy = $state<string | null>(null);
  conflict = $state<Conflict | null>(null);

  #ticketId: string | null = null;
  /** Bumped by every load and answer, so a slow older answer never replaces a newer one. */
  #request = 0;
  #onError: ErrorSink;
  #onChanged: (detail: TicketDetail) => void;

  constructor(onError: ErrorSink, onChanged: (detail: TicketDetail) => void) {
    this.#onError = onError;
    this.#onChanged = onChanged;
  }

  async load(ticketId: string): Promise<void> {
    if (ticketId !== this.#ticketId) {
      this.#ticketId = ticketId;
      this.detail = null;
      this.conflict = null;
      this.busy = null;
    }
    const mine = ++this.#request;
    this.loading = true;
    try {
      const result = await api.getTicket(ticketId);
      if (mine === this.#request) this.detail = result;
    } catch (e) {
      if (mine === this.#request) this.#onError(toApiError(e), () => void this.load(ticketId));
    } finally {
      if (mine === this.#request) this.loading = false;
    }
  }

  /** Shows a ticket a command returned, if it is still the open one. */
  apply(detail: TicketDetail): void {
    if (detail.ticket.id !== this.#ticketId) return;
    this.#request++;
    this.loading = false;
    this.detail = detail;
    this.#onChanged(detail);
  }

  /**
   * Sends `change` based on `base`: the ticket as the user saw it when they started the change
   * (by default the one on screen). Resolves true when it was applied or kept in the outbox
   * (either way the form is done); on a conflict the fresh ticket is shown with the conflict
   * dialog, other errors go to the banner.
   */
  async run(change: PendingChange, base: TicketDetail | null = this.detail): Promise<boolean> {
    if (!base || this.busy !== null) return false;
    // A plain copy: what the user acted on must not follow later updates of the view.
    base = $state.snapshot(base) as TicketDetail;
    this.busy = change.what;
    try {
      const result = await change.send(base);
      if ("queued" in result) noteQueued(result.queued);
      else this.apply(result.sent);
      return true;
    } catch (e) {
      const error = toApiError(e);
      if (error.code === "conflict") await this.#showConflict(change, base);
      else this.#onError(error, null);
      return false;
    } finally {
      this.busy = null;
    }
  }

  async #showConflict(change: PendingChange, mine: TicketDetail): Promise<void> {
    try {
      const now = await api.getTicket(mine.ticket.id);
      // The user may have opened another ticket meanwhile; the conflict belongs to this one only.
      if (mine.ticket.id !== this.#ticketId) return;
      this.apply(now);
      this.conflict = { change, mine, now };
    } catch (e) {
      this.#onError(toApiError(e), () => void this.load(mine.ticket.id));
    }
  }

  /** "Apply my change again": the same change, on top of the ticket as it is now. */
  async reapply(): Promise<boolean> {
    const conflict = this.conflict;
    if (!conflict) return false;
    this.conflict = null;
    return this.run(conflict.change);
  }

  /** "Discard mine": keep the ticket as it is now. */
  discard(): void {
    this.conflict = null;
  }
}
