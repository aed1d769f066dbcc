// How an open escalation reads in the Escalations view and the ticket header (issue 15).
// Pure, so it is unit-tested directly; who holds it and when it rises are the server's.
import type { Escalation } from "../../lib/bindings/Escalation";
import type { EscalationKind } from "../../lib/bindings/EscalationKind";
import type { EscalationStatus } from "../../lib/bindings/EscalationStatus";
import type { Role } from "../../lib/bindings/Role";

export const ESCALATION_KIND_LABELS: Record<EscalationKind, string> = {
  MANUAL: "Manual",
  COMPLEXITY: "Complexity",
  SLA_BREACH: "SLA breach",
  MULTIPLE_REOPENS: "Multiple reopens",
  CRITICAL_PRIORITY: "Critical priority",
};

export const ESCALATION_STATUS_LABELS: Record<EscalationStatus, string> = {
  PENDING: "Pending",
  ACKNOWLEDGED: "Acknowledged",
  RESOLVED: "Resolved",
  CANCELLED: "Cancelled",
};

/** The roles the ladder reaches, and so the ones that get the Escalations view. */
export function seesEscalations(role: Role | undefined): boolean {
  return role === "TEAM_LEAD" || role === "MANAGER" || role === "ADMIN";
}

/** Whom a level reaches: 1 the team leads, 2 the managers, 3 and above the admins. */
export function levelHolderRole(level: number): string {
  if (level <= 1) return "Team lead";
  if (level === 2) return "Manager";
  return "Admin";
}

/** 2 → "Level 2 · Manager". */
export function levelText(level: number): string {
  return `Level ${level} · ${levelHolderRole(level)}`;
}

/** 45 → "45 min", 125 → "2 h 05 min", 1500 → "1 d 1 h"; under a minute → "< 1 min". */
export function durationText(minutes: number): string {
  const m = Math.floor(Math.max(0, minutes));
  if (m < 1) return "< 1 min";
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h} h` : `${h} h ${String(m % 60).padStart(2, "0")} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/** How long ago it was escalated: "45 min". */
export function ageText(escalatedAt: string, now: number): string {
  const t = Date.parse(escalatedAt);
  return Number.isNaN(t) ? "—" : durationText((now - t) / 60_000);
}

/**
 * When it rises a level unless acknowledged: "rises in 12 min", "rises now" once due (the
 * server's next sweep raises it), "—" when it will not rise (acknowledged, or at the top).
 */
export function riseText(nextRiseAt: string | null, now: number): string {
  if (nextRiseAt === null) return "—";
  const t = Date.parse(nextRiseAt);
  if (Number.isNaN(t)) return "—";
  // Rounded up: a countdown never says "0 min" while there is still time left.
  const left = Math.ceil((t - now) / 60_000);
  return left <= 0 ? "rises now" : `rises in ${durationText(left)}`;
}

/** Who started it: a person, or the server (a breach, a P1, reopens). */
export function escalatedByText(fromName: string | null): string {
  return fromName ? `by ${fromName}` : "by the server";
}

/**
 * The ticket header's line: "Escalated · level 2 · held by Marco Rossi · rises in 12 min",
 * "… · acknowledged" once someone took it.
 */
export function headerText(e: Pick<Escalation, "level" | "status" | "holderName" | "nextRiseAt">, now: number): string {
  const parts = ["Escalated", `level ${e.level}`];
  if (e.holderName) parts.push(`held by ${e.holderName}`);
  if (e.status === "ACKNOWLEDGED") parts.push("acknowledged");
  else if (e.nextRiseAt !== null) parts.push(riseText(e.nextRiseAt, now));
  else parts.push("awaiting acknowledgement");
  return parts.join(" · ");
}

/** The Acknowledge button is offered only to someone who may act, and only until it is acknowledged. */
export function canAcknowledge(e: Pick<Escalation, "canAct" | "status">): boolean {
  return e.canAct && e.status === "PENDING";
}
