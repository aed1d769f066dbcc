// The detail view's timeline: comments and history rows in one list, oldest first, with each
// history row told in words. Pure, so it is unit-tested directly.
import type { CommentView } from "../../lib/bindings/CommentView";
import type { HistoryEntry } from "../../lib/bindings/HistoryEntry";
import type { SlaEvent } from "../../lib/bindings/SlaEvent";
import type { TicketDetail } from "../../lib/bindings/TicketDetail";
import { fieldLabel, formatBytes, historyValue, humanize } from "../../lib/labels";

export type TimelineItem =
  | { kind: "comment"; at: string; comment: CommentView }
  | { kind: "history"; at: string; entry: HistoryEntry; text: HistoryText }
  | { kind: "sla"; at: string; event: SlaEvent; text: string };

/** An SLA clock event in words (the moved deadline is a history row of its own, with its why). */
export function describeSlaEvent(event: SlaEvent): string {
  const deadline = event.deadline === "response" ? "response" : "resolution";
  switch (event.kind) {
    case "response_met":
      return "SLA: first response given";
    case "paused":
      return "SLA clock paused while pending info";
    case "resumed": {
      const m = event.minutes ?? 0;
      const took = m >= 60 ? `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min` : `${m} min`;
      return `SLA clock resumed after ${took} of business time`;
    }
    case "warning":
      return `SLA warning: 80 % of the ${deadline} time used`;
    case "breach":
      return `SLA breached: ${deadline} deadline missed`;
  }
}

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

/** The ladder's step (issue 15): "Escalation level 2 (CRITICAL_PRIORITY) → Max Manager". */
function describeEscalationStep(entry: HistoryEntry): string {
  const value = parse(entry.newValue);
  const v = (value && typeof value === "object" ? value : {}) as { level?: unknown; type?: unknown; to?: unknown };
  const to = v.to && typeof v.to === "object" && "displayName" in v.to && typeof v.to.displayName === "string" ? v.to.displayName : "nobody";
  const kind = typeof v.type === "string" ? humanize(v.type) : "";
  return `Escalation level ${typeof v.level === "number" ? v.level : "?"}${kind ? ` (${kind})` : ""} → ${to}`;
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
      if (entry.fieldChanged === "escalation_level") return { summary: describeEscalationStep(entry), change: null };
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
export function buildTimeline(detail: Pick<TicketDetail, "comments" | "history"> & Partial<Pick<TicketDetail, "slaEvents">>): TimelineItem[] {
  const items: TimelineItem[] = [
    ...(detail.slaEvents ?? []).map((event): TimelineItem => ({ kind: "sla", at: event.at, event, text: describeSlaEvent(event) })),
    ...detail.history
      .filter((entry) => !SHOWN_ELSEWHERE.has(entry.action))
      .map((entry): TimelineItem => ({ kind: "history", at: entry.at, entry, text: describeHistory(entry) })),
    ...detail.comments.map((comment): TimelineItem => ({ kind: "comment", at: comment.createdAt, comment })),
  ];
  // At one instant: the history row (a status change), then the clock's event, then a comment.
  const rank = (item: TimelineItem) => (item.kind === "history" ? 0 : item.kind === "sla" ? 1 : 2);
  // Array.prototype.sort is stable, so rows with equal keys keep the backend's order.
  return items.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || rank(a) - rank(b));
}
