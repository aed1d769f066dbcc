// Words for the workflow moves the backend offers (TicketActions.transitions).
import type { Status } from "../../lib/bindings/Status";
import { STATUS_LABELS } from "../../lib/labels";

/** The button for moving a ticket from `from` to `to`; "…" marks moves that ask for more first. */
export function transitionLabel(from: Status, to: Status): string {
  if (to === "RESOLVED") return "Resolve…";
  if (from === "ESCALATED") return `Return to ${STATUS_LABELS[to]}`;
  switch (to) {
    case "IN_PROGRESS":
      return from === "PENDING_INFO" ? "Resume work" : "Start work";
    case "OPEN":
      return from === "IN_PROGRESS" ? "Back to queue" : "Triage";
    case "PENDING_INFO":
      return "Ask for info";
    case "CLOSED":
      return "Close";
    case "REOPENED":
      return "Reopen";
    case "ESCALATED":
      return "Escalate";
    default:
      return `Move to ${STATUS_LABELS[to]}`;
  }
}
