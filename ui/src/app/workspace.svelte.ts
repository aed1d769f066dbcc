// What the signed-in workspace shows: which screen, the selected and open ticket, a new ticket
// from the outbox, and the dialogs over it (new ticket, Security, notification preferences).
// Moving focus is the components' business; the methods here say which row should have it.
import { TicketDraft } from "../features/create/draft.svelte";
import { outbox } from "../features/outbox/outbox.svelte";
import type { QueueStore } from "../features/queue/queue.svelte";
import type { OutboxEntry } from "../lib/bindings/OutboxEntry";
import type { Role } from "../lib/bindings/Role";
import type { TicketSummary } from "../lib/bindings/TicketSummary";
import { stepSelection } from "./shortcuts";
import { viewFor, type View } from "./sessionState";

export class Workspace {
  view = $state<View>("queue");
  selectedId = $state<string | null>(null);
  openId = $state<string | null>(null);
  /** A new ticket still in the outbox, shown read-only where a ticket would be (its outbox item id). */
  pendingOpenId = $state<string | null>(null);
  lastCreated = $state<TicketSummary | null>(null);
  /** Bumped when the open ticket changed elsewhere: the detail re-reads it. */
  detailReload = $state(0);
  /** Bumped when tickets change or a notification arrives: an open Escalations view re-reads its list. */
  escalationsReload = $state(0);
  creating = $state(false);
  /** The Security panel (two-factor); closing it forgets any secret it showed. */
  securityOpen = $state(false);
  preferencesOpen = $state(false);
  readonly draft = new TicketDraft();
  readonly #queue: QueueStore;

  readonly pendingOpen = $derived(this.pendingOpenId ? outbox.find(this.pendingOpenId) : null);
  /** What the queue already knows of the open ticket (or the ticket just created). */
  readonly openSummary = $derived(
    this.#findTicket(this.openId) ?? (this.lastCreated?.id === this.openId ? this.lastCreated : null),
  );

  constructor(queue: QueueStore) {
    this.#queue = queue;
  }

  #findTicket(id: string | null): TicketSummary | undefined {
    return this.#queue.tickets.find((t) => t.id === id);
  }

  /** A screen's button: to that screen, or back to the queue when it is already shown. */
  toggle(view: View) {
    this.view = this.view === view ? "queue" : view;
  }

  /** Keeps the view only if `role` may see it. */
  allowFor(role: Role) {
    this.view = viewFor(role, this.view);
  }

  /** Forgets everything on screen that belonged to the signed-in user. */
  forget() {
    this.view = "queue";
    this.openId = null;
    this.pendingOpenId = null;
    this.selectedId = null;
    this.creating = false;
    this.draft.reset();
  }

  /** Drops what was loaded for the user; what is only ids and the create-form draft stays. */
  drop() {
    this.securityOpen = false;
    this.preferencesOpen = false;
    this.lastCreated = null;
  }

  openTicket(id: string) {
    this.view = "queue";
    this.pendingOpenId = null;
    this.selectedId = id;
    this.openId = id;
  }

  /** A new ticket in the outbox, read-only beside the queue. */
  openPending(entry: OutboxEntry) {
    this.view = "queue";
    this.openId = null;
    this.pendingOpenId = entry.id;
  }

  /** An outbox item's ticket: the new ticket it belongs to while that is in the outbox too, else the ticket. */
  openOutboxEntry(entry: OutboxEntry) {
    const created = outbox.newTickets.find((e) => e.ticketId === entry.ticketId);
    if (created) this.openPending(created);
    else this.openTicket(entry.ticketId);
  }

  /** For the header's list: the ticket's number when the queue has it, a new ticket's title. */
  ticketLabel(entry: OutboxEntry): string {
    const known = this.#findTicket(entry.ticketId);
    if (known) return known.ticketNumber;
    const created = outbox.newTickets.find((e) => e.ticketId === entry.ticketId);
    return created?.work.kind === "createTicket" ? `New ticket “${created.work.input.title}”` : "A ticket";
  }

  /** Items were sent: show what the server now has. */
  itemsSent(sent: OutboxEntry[]) {
    if (sent.some((e) => e.work.kind === "createTicket")) void this.#queue.refresh();
    if (this.openId && sent.some((e) => e.ticketId === this.openId)) this.detailReload++;
    // The new ticket on screen was filed: the real one takes its place.
    const filed = sent.find((e) => e.id === this.pendingOpenId);
    if (filed) this.openTicket(filed.ticketId);
  }

  /** Tickets changed on the server (`ticketId` null: which is not known). */
  ticketsChanged(ticketId: string | null) {
    void this.#queue.refresh();
    this.escalationsReload++;
    // Only the open ticket's own changes reload it (a null id: reload to be safe).
    if (this.openId && (ticketId === null || ticketId === this.openId)) this.detailReload++;
  }

  /** Closes the open ticket; returns its id (its row takes the focus), or null. */
  closeDetail(): string | null {
    const id = this.openId;
    this.openId = null;
    return id;
  }

  /** Moves the selection `delta` rows; returns the newly selected id (its row takes the focus), or null. */
  moveSelection(delta: number): string | null {
    const next = stepSelection(
      this.#queue.tickets.map((t) => t.id),
      this.selectedId ?? this.openId,
      delta,
    );
    if (next !== null) this.selectedId = next;
    return next;
  }

  closeCreate() {
    this.creating = false;
    this.draft.reset();
  }

  /** The new ticket was filed: it opens beside the queue. */
  created(ticket: TicketSummary) {
    this.closeCreate();
    this.lastCreated = ticket;
    this.openTicket(ticket.id);
    void this.#queue.refresh();
  }
}
