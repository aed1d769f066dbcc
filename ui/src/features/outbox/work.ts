// Pure helpers for the offline outbox (issue 16): what an item says, which actions it offers,
// an edited copy of its work, and the header's and the offline banner's wording.
import type { OutboxEntry } from "../../lib/bindings/OutboxEntry";
import type { Work } from "../../lib/bindings/Work";
import { PRIORITY_LABELS, STATUS_LABELS } from "../../lib/labels";
import { savedTimeLabel } from "../drafts/drafts";

export const QUEUED_MESSAGE = "Saved on this computer — it will be sent when the server is back";

/** A display name for a user id, or null when the UI does not know it. */
export type NameOf = (userId: string) => string | null;

/** Names from the users list, falling back to other known people (the signed-in user). */
export function namesFrom(
  users: readonly { id: string; displayName: string }[] | null,
  ...known: ({ id: string; displayName: string } | null)[]
): NameOf {
  return (userId) => [...(users ?? []), ...known].find((u) => u?.id === userId)?.displayName ?? null;
}

/** The changes made against a ticket version: only they can be applied again "on top". */
export function canRetryOnTop(work: Work): boolean {
  return work.kind === "changeStatus" || work.kind === "assign" || work.kind === "changePriority";
}

/** Items whose text the user wrote, so the user may fix it before sending again. */
export function canEdit(work: Work): boolean {
  return work.kind === "createTicket" || work.kind === "addComment";
}

/** "Status → Resolved", "Priority → P1 Critical", "Assign → Dora DevOps", a comment's text, a ticket's title. */
export function describeWork(work: Work, nameOf: NameOf = () => null): string {
  switch (work.kind) {
    case "createTicket":
      return work.input.title;
    case "addComment":
      return work.input.content;
    case "changeStatus":
      return `Status → ${STATUS_LABELS[work.input.to] ?? work.input.to}`;
    case "changePriority":
      return `Priority → ${PRIORITY_LABELS[work.input.priority] ?? work.input.priority}`;
    case "assign": {
      const id = work.input.assigneeId;
      // The entry carries only the id: without the users list the name is unknown.
      return id === null ? "Unassign" : `Assign → ${nameOf(id) ?? "another user"}`;
    }
  }
}

/** What a new ticket in the outbox is, for the header list ("New ticket") or a ticket's change. */
export function kindLabel(work: Work): string {
  switch (work.kind) {
    case "createTicket":
      return "New ticket";
    case "addComment":
      return work.input.isInternal ? "Internal note" : "Comment";
    default:
      return "Change";
  }
}

/** The text a user may edit in an item (see `canEdit`). */
export interface EditableText {
  title?: string;
  description?: string;
  content?: string;
}

export function editableText(work: Work): EditableText {
  if (work.kind === "createTicket") return { title: work.input.title, description: work.input.description };
  if (work.kind === "addComment") return { content: work.input.content };
  return {};
}

/** The same work (same kind, same ids) with the user's edited text. */
export function withText(work: Work, text: EditableText): Work {
  if (work.kind === "createTicket") {
    return {
      kind: "createTicket",
      input: { ...work.input, title: text.title ?? work.input.title, description: text.description ?? work.input.description },
    };
  }
  if (work.kind === "addComment") {
    return { kind: "addComment", input: { ...work.input, content: text.content ?? work.input.content } };
  }
  return work;
}

/** Tickets created while offline, in the order they were made. */
export function pendingTickets(entries: readonly OutboxEntry[]): OutboxEntry[] {
  return entries.filter((e) => e.work.kind === "createTicket");
}

/** Everything waiting for one ticket except its own creation (comments and changes), in order. */
export function entriesForTicket(entries: readonly OutboxEntry[], ticketId: string): OutboxEntry[] {
  return entries.filter((e) => e.ticketId === ticketId && e.work.kind !== "createTicket");
}

/** The header: "3 waiting to send · 1 needs you"; null when nothing waits. */
export function waitingLabel(entries: readonly OutboxEntry[]): string | null {
  if (entries.length === 0) return null;
  const needs = entries.filter((e) => e.state === "needsYou").length;
  const waiting = `${entries.length} waiting to send`;
  return needs === 0 ? waiting : `${waiting} · ${needs} ${needs === 1 ? "needs" : "need"} you`;
}

/** "Offline — showing what was saved at 10:42", the time as the draft note writes it. */
export function offlineCopyLabel(cachedAt: string, now: number = Date.now(), locale?: string): string {
  const time = savedTimeLabel(cachedAt, now, locale);
  return time === null ? "Offline — showing a saved copy" : `Offline — showing what was saved at ${time}`;
}

/** Long comments are cut for button names and list rows. */
export function excerpt(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
