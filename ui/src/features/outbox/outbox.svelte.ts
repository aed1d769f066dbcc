// The one outbox state the whole UI shows (issue 16): what waits on this computer to be sent.
// Loaded after sign-in, replaced by every `outbox` event and action result, added to by each
// `queued` answer, and emptied at sign-out.
import { api, toApiError } from "../../lib/api";
import type { OutboxEntry } from "../../lib/bindings/OutboxEntry";
import type { Work } from "../../lib/bindings/Work";
import { showToast } from "../../lib/toasts.svelte";
import { entriesForTicket, pendingTickets, QUEUED_MESSAGE } from "./work";

class OutboxStore {
  entries = $state<OutboxEntry[]>([]);
  readonly newTickets = $derived(pendingTickets(this.entries));

  /** Moves on at every reset, so an answer meant for the previous user is dropped. */
  #session = 0;
  /** Moves on at every change, so a slow list never replaces a newer one. */
  #version = 0;
  #onSent: ((sent: OutboxEntry[]) => void) | null = null;
  /** Items this UI asked to discard: when they leave the list they were not sent. */
  #discarding = new Set<string>();

  /** Called with the items that left the outbox other than by Discard (sent), to refresh what showed them. */
  onSent(handler: ((sent: OutboxEntry[]) => void) | null): void {
    this.#onSent = handler;
  }

  forTicket(ticketId: string): OutboxEntry[] {
    return entriesForTicket(this.entries, ticketId);
  }

  find(id: string): OutboxEntry | null {
    return this.entries.find((e) => e.id === id) ?? null;
  }

  async load(): Promise<void> {
    const session = this.#session;
    const version = this.#version;
    try {
      const list = await api.outbox.list();
      if (session === this.#session && version === this.#version) this.replace(list);
    } catch (e) {
      // Not fatal: the next `outbox` event brings the list.
      console.warn(`outbox: ${toApiError(e).message}`);
    }
  }

  /** The backend's whole list, as an event or an action answered it. */
  replace(list: OutboxEntry[]): void {
    this.#version++;
    const kept = new Set(list.map((e) => e.id));
    const gone = this.entries.filter((e) => !kept.has(e.id));
    this.entries = list;
    const sent = gone.filter((e) => !this.#discarding.has(e.id));
    for (const e of gone) this.#discarding.delete(e.id);
    if (sent.length > 0) this.#onSent?.(sent);
  }

  /** A write answered `queued`: show the item at once (the event that follows says the same). */
  add(entry: OutboxEntry): void {
    this.#version++;
    const i = this.entries.findIndex((e) => e.id === entry.id);
    if (i === -1) this.entries = [...this.entries, entry];
    else this.entries[i] = entry;
  }

  /** Sign-out or session end: the list belongs to the user who was signed in. */
  reset(): void {
    this.#session++;
    this.#version++;
    this.#discarding.clear();
    this.entries = [];
  }

  /** Retry as it is, with edited `work`, or `onTop` of the ticket as it is now; rejects with an ApiError. */
  async retry(id: string, how: { work?: Work; onTop?: true } = {}): Promise<void> {
    await this.#act(() => api.outbox.retry(id, how));
  }

  async discard(id: string): Promise<void> {
    this.#discarding.add(id);
    try {
      await this.#act(() => api.outbox.discard(id));
    } catch (e) {
      this.#discarding.delete(id);
      throw e;
    }
  }

  async #act(send: () => Promise<OutboxEntry[]>): Promise<void> {
    const session = this.#session;
    try {
      const list = await send();
      if (session === this.#session) this.replace(list);
    } catch (e) {
      throw toApiError(e);
    }
  }
}

export const outbox = new OutboxStore();

/** A write went to the outbox: the form is done, the item shows as pending, and the user is told. */
export function noteQueued(entry: OutboxEntry): void {
  outbox.add(entry);
  showToast(QUEUED_MESSAGE);
}
