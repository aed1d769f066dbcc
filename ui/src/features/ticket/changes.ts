// The changes the detail view sends, as PendingChanges: each can be sent again on top of a
// newer ticket after a conflict, naming that ticket's version (or the comment's edit count).
import { api } from "../../lib/api";
import type { Priority } from "../../lib/bindings/Priority";
import type { Status } from "../../lib/bindings/Status";
import type { Submitted } from "../../lib/bindings/Submitted";
import type { TicketDetail } from "../../lib/bindings/TicketDetail";
import type { UserRef } from "../../lib/bindings/UserRef";
import { PRIORITY_LABELS } from "../../lib/labels";
import type { PendingChange } from "./ticket.svelte";

/** The answer of a command the outbox never keeps (edits, deletes), in the shape `PendingChange` sends. */
export async function sentNow(answer: Promise<TicketDetail>): Promise<Submitted<TicketDetail>> {
  return { sent: await answer };
}

/** A blank reason is no reason. */
const optional = (text: string | undefined) => (text?.trim() ? text.trim() : undefined);

export function statusChange(to: Status, label: string, reason?: string, resolutionNotes?: string): PendingChange {
  return {
    what: label.replace(/…$/, ""),
    send: (base) =>
      api.changeStatus({
        ticketId: base.ticket.id,
        version: base.version,
        to,
        reason: optional(reason),
        resolutionNotes: optional(resolutionNotes),
      }),
  };
}

/** `assignee` null unassigns; the signed-in user takes the ticket. */
export function assignment(assignee: UserRef | null, what: string, reason?: string): PendingChange {
  return {
    what,
    send: (base) =>
      api.assignTicket({ ticketId: base.ticket.id, version: base.version, assigneeId: assignee?.id ?? null, reason: optional(reason) }),
  };
}

export function priorityChange(priority: Priority, reason?: string): PendingChange {
  return {
    what: `Set priority to ${PRIORITY_LABELS[priority]}`,
    send: (base) => api.changePriority({ ticketId: base.ticket.id, version: base.version, priority, reason: optional(reason) }),
  };
}

/** An edit names the edit count of the comment in the ticket it is based on. */
export function commentEdit(commentId: string, content: string): PendingChange {
  return {
    what: "Edit your comment",
    send: (base) =>
      sentNow(
        api.editComment({
          commentId,
          editCount: base.comments.find((c) => c.id === commentId)?.editCount ?? 0,
          content,
        }),
      ),
  };
}

export function commentDelete(commentId: string): PendingChange {
  return { what: "Delete your comment", send: () => sentNow(api.deleteComment(commentId)) };
}

/** `id` is made once per comment, so sending it again never stores it twice. */
export function commentAdd(id: string, ticketId: string, content: string, isInternal: boolean): PendingChange {
  return {
    what: isInternal ? "Add an internal note" : "Add a comment",
    send: () => api.addComment({ id, ticketId, content, isInternal }),
  };
}
