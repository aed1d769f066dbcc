// The detail view's timeline: comments and history rows in one list, oldest first, with each
// history row told in words. Pure, so it is unit-tested directly.
import type { CommentView } from "../../lib/bindings/CommentView";
import type { HistoryEntry } from "../../lib/bindings/HistoryEntry";
import type { TicketDetail } from "../../lib/bindings/TicketDetail";
import { fieldLabel, formatBytes, historyValue, humanize } from "../../lib/labels";

export type TimelineItem =
  | { kind: "comment"; at: string; comment: CommentView }
  | { kind: "history"; at: string; entry: HistoryEntry; text: HistoryText };

/** A history row for people: a sentence, and for field changes the old and new value. */
export interface HistoryText {
  summary: string;
  change: { field: string; from: string; to: string } | null;
}

/** History rows the timeline leaves out because the thing itself is shown (the comment). */
const SHOWN_ELSEWHERE = new Set(["COMMENT_ADDED"]);

function parse(json: string | null): unknown {
  if (json === null) return null;
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
}

/** The display name inside a stored user reference `{ id, displayName }`, or null for none. */
function userName(json: string | null): string | null {
  const value = parse(json);
  if (value && typeof value === "object" && "displayName" in value && typeof value.displayName === "string") {
    return value.displayName;
  }
  return null;
}

function fieldChange(entry: HistoryEntry): HistoryText["change"] {
  if (!entry.fieldChanged) return null;
  return { field: fieldLabel(entry.fieldChanged), from: historyValue(entry.oldValue), to: historyValue(entry.newValue) };
}

export function describeHistory(entry: HistoryEntry): HistoryText {
  const change = fieldChange(entry);
  switch (entry.action) {
    case "CREATED":
      return { summary: "Created the ticket", change: null };
    case "STATUS_CHANGED":
      return { summary: "Status changed", change };
    case "CLOSED":
      return { summary: "Closed", change };
    case "REOPENED":
      return { summary: "Reopened", change };
    case "ESCALATED":
      return { summary: "Escalated", change };
    case "PRIORITY_CHANGED":
      return { summary: "Priority changed", change };
    case "ASSIGNED":
    case "REASSIGNED": {
      const to = userName(entry.newValue);
      const from = userName(entry.oldValue);
      const summary = to === null ? `Unassigned${from ? ` ${from}` : ""}` : entry.action === "ASSIGNED" ? `Assigned to ${to}` : `Reassigned to ${to}`;
      return { summary, change };
    }
    case "FIELD_UPDATED":
      return { summary: `${change?.field ?? "A field"} updated`, change };
    case "ATTACHMENT_ADDED": {
      const value = parse(entry.newValue);
      const v = (value && typeof value === "object" ? value : {}) as { fileName?: unknown; fileSize?: unknown };
      const name = typeof v.fileName === "string" ? v.fileName : "a file";
      const size = typeof v.fileSize === "number" ? ` (${formatBytes(v.fileSize)})` : "";
      return { summary: `Attached ${name}${size}`, change: null };
    }
    default:
      return { summary: humanize(entry.action), change };
  }
}

/** Comments and history by time, oldest first; at the same instant history comes first (a move, then its comment). */
export function buildTimeline(detail: Pick<TicketDetail, "comments" | "history">): TimelineItem[] {
  const items: TimelineItem[] = [
    ...detail.history
      .filter((entry) => !SHOWN_ELSEWHERE.has(entry.action))
      .map((entry): TimelineItem => ({ kind: "history", at: entry.at, entry, text: describeHistory(entry) })),
    ...detail.comments.map((comment): TimelineItem => ({ kind: "comment", at: comment.createdAt, comment })),
  ];
  const rank = (item: TimelineItem) => (item.kind === "history" ? 0 : 1);
  // Array.prototype.sort is stable, so rows with equal keys keep the backend's order.
  return items.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || rank(a) - rank(b));
}
