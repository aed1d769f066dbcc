// The real event sources for `subscribeAll`: the backend's events (api.ts) and the outbox's "sent" callback.
import { outbox } from "../features/outbox/outbox.svelte";
import { onConnection, onLinkOpened, onNotification, onOpenTicket, onOutbox, onSessionEnded, onTicketsChanged, toApiError } from "../lib/api";
import type { EventSources } from "./events";

export const liveSources: EventSources = {
  sessionEnded: onSessionEnded,
  outboxSent: (handler) => outbox.onSent(handler),
  outbox: onOutbox,
  notification: onNotification,
  ticketsChanged: onTicketsChanged,
  connection: onConnection,
  openTicket: onOpenTicket,
  linkOpened: onLinkOpened,
};

/** A backend event could not be subscribed to: the app goes on without it. */
export function subscribeFailed(e: unknown): void {
  console.warn("could not subscribe to backend events:", toApiError(e).message);
}
