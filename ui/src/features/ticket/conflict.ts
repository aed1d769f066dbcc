// What someone else changed between the ticket a user acted on and the ticket as it is now,
// for the conflict dialog. Pure, so it is unit-tested directly.
import type { TicketDetail } from "../../lib/bindings/TicketDetail";
import { PRIORITY_LABELS, STATUS_LABELS } from "../../lib/labels";
import { describeHistory } from "./timeline";

export interface TicketDiff {
  /** Fields whose value differs: what the user saw, and what it is now. */
  fields: { field: string; mine: string; now: string }[];
  /** History rows and comment changes since, oldest first. */
  activity: { who: string; what: string; at: string }[];
}

const EXCERPT = 120;
const excerpt = (text: string) => (text.length > EXCERPT ? `${text.slice(0, EXCERPT - 1)}…` : text);
const nameOf = (user: { displayName: string } | null) => user?.displayName ?? "System";

export function diffTickets(mine: TicketDetail, now: TicketDetail): TicketDiff {
  const fields: TicketDiff["fields"] = [];
  const compare = (field: string, a: string, b: string) => {
    if (a !== b) fields.push({ field, mine: a, now: b });
  };
  compare("Status", STATUS_LABELS[mine.ticket.status], STATUS_LABELS[now.ticket.status]);
  compare("Priority", PRIORITY_LABELS[mine.ticket.priority], PRIORITY_LABELS[now.ticket.priority]);
  compare("Assignee", mine.ticket.assignee?.displayName ?? "Unassigned", now.ticket.assignee?.displayName ?? "Unassigned");
  compare("Title", mine.ticket.title, now.ticket.title);
  compare("Resolution notes", mine.resolutionNotes ?? "—", now.resolutionNotes ?? "—");

  const activity: TicketDiff["activity"] = [];
  const seenHistory = new Set(mine.history.map((h) => h.id));
  for (const entry of now.history) {
    if (seenHistory.has(entry.id) || entry.action === "COMMENT_ADDED") continue;
    const { summary, change } = describeHistory(entry);
    const what = change ? `${summary}: ${change.from} → ${change.to}` : summary;
    activity.push({ who: nameOf(entry.actor), what: entry.reason ? `${what} (“${entry.reason}”)` : what, at: entry.at });
  }
  const before = new Map(mine.comments.map((c) => [c.id, c]));
  for (const comment of now.comments) {
    const old = before.get(comment.id);
    if (!old) {
      activity.push({ who: nameOf(comment.author), what: `Commented: ${excerpt(comment.content)}`, at: comment.createdAt });
    } else if (old.editCount !== comment.editCount || old.content !== comment.content) {
      activity.push({ who: nameOf(comment.author), what: `Edited a comment: ${excerpt(comment.content)}`, at: comment.updatedAt });
    }
    before.delete(comment.id);
  }
  for (const gone of before.values()) {
    activity.push({ who: nameOf(gone.author), what: `A comment was deleted: ${excerpt(gone.content)}`, at: gone.updatedAt });
  }
  activity.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return { fields, activity };
}
