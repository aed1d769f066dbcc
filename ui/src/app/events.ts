// Every backend event the app follows, subscribed and unsubscribed in one place. The sources are
// passed in (`liveSources` in `sources.ts` are the real ones) so this is unit-tested with fakes.
import type { NotificationEvent } from "../lib/bindings/NotificationEvent";
import type { OutboxEntry } from "../lib/bindings/OutboxEntry";

type Stop = () => void;
/** A backend event: resolves to a function that stops listening. */
type Listen<T> = (handler: (payload: T) => void) => Promise<Stop>;
/** A callback slot: one handler at a time, null clears it. */
type Slot<T extends unknown[]> = (handler: ((...args: T) => void) | null) => void;

export interface EventSources {
  sessionEnded: Slot<[]>;
  outboxSent: Slot<[OutboxEntry[]]>;
  outbox: Listen<OutboxEntry[]>;
  notification: Listen<NotificationEvent>;
  ticketsChanged: Listen<string | null>;
  connection: Listen<boolean>;
  openTicket: Listen<string>;
  linkOpened: Listen<void>;
}

export interface EventHandlers {
  /** Any command said the session is over. */
  sessionEnded(): void;
  /** Outbox items reached the server. */
  outboxSent(sent: OutboxEntry[]): void;
  /** The outbox changed; the whole list. */
  outbox(entries: OutboxEntry[]): void;
  notification(event: NotificationEvent): void;
  /** A ticket changed somewhere (null: which is not known). */
  ticketsChanged(ticketId: string | null): void;
  /** The database server connection went up (true) or was lost (false). */
  connection(up: boolean): void;
  /** A click on a native notification or a tray item; Rust has already shown the window. */
  openTicket(ticketId: string): void;
  /** A `ticketdesk://` link waits to be taken; Rust has already shown the window. */
  linkOpened(): void;
}

/**
 * Subscribes `handlers` to every event; returns the function that unsubscribes them all. A
 * subscription that fails is reported to `failed` and the others go on.
 */
export function subscribeAll(sources: EventSources, handlers: EventHandlers, failed: (error: unknown) => void): Stop {
  sources.sessionEnded(() => handlers.sessionEnded());
  sources.outboxSent((sent) => handlers.outboxSent(sent));
  const listening = [
    sources.outbox((entries) => handlers.outbox(entries)),
    sources.notification((event) => handlers.notification(event)),
    sources.ticketsChanged((ticketId) => handlers.ticketsChanged(ticketId)),
    sources.connection((up) => handlers.connection(up)),
    sources.openTicket((ticketId) => handlers.openTicket(ticketId)),
    sources.linkOpened(() => handlers.linkOpened()),
  ].map((subscription) =>
    subscription.catch((e: unknown) => {
      failed(e);
      return null;
    }),
  );
  return () => {
    sources.sessionEnded(null);
    sources.outboxSent(null);
    for (const s of listening) void s.then((stop) => stop?.());
  };
}

