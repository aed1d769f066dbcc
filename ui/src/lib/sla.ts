// The SLA as people read it in the queue and the ticket: time left or overdue, and a state
// that colours it. Pure, so it is unit-tested directly; the deadlines and states themselves
// are the server's (sql/sla/).
import type { SlaGlance } from "./bindings/SlaGlance";
import type { SlaState } from "./bindings/SlaState";

export const SLA_STATE_LABELS: Record<SlaState, string> = {
  ok: "On track",
  warning: "Due soon",
  breached: "Breached",
  paused: "Paused",
  met: "Met",
};

/** 125 → "2h 05m", 50 → "50m", 3000 → "2d 2h". */
export function shortDuration(minutes: number): string {
  const m = Math.max(0, Math.round(minutes));
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** The queue's SLA cell: what to show, and a title saying which deadline and when. */
export function slaCell(glance: SlaGlance | null, now: number): { text: string; state: SlaState | null; title: string } {
  if (!glance) return { text: "—", state: null, title: "No SLA policy" };
  const which = glance.deadline === "response" ? "Response" : "Resolution";
  const left = (Date.parse(glance.due) - now) / 60000;
  let text: string;
  switch (glance.state) {
    case "met":
      text = "met";
      break;
    case "paused":
      text = "paused";
      break;
    default:
      text = left >= 0 ? `${shortDuration(left)} left` : `${shortDuration(-left)} over`;
  }
  return { text, state: glance.state, title: `${which} due ${new Date(glance.due).toISOString()} · ${SLA_STATE_LABELS[glance.state]}` };
}
