import type { Category } from "./bindings/Category";
import type { Priority } from "./bindings/Priority";
import type { QueueSort } from "./bindings/QueueSort";
import type { Role } from "./bindings/Role";
import type { Status } from "./bindings/Status";

export const STATUS_LABELS: Record<Status, string> = {
  NEW: "New",
  OPEN: "Open",
  IN_PROGRESS: "In progress",
  PENDING_INFO: "Pending info",
  RESOLVED: "Resolved",
  CLOSED: "Closed",
  REOPENED: "Reopened",
  ESCALATED: "Escalated",
};

export const PRIORITY_LABELS: Record<Priority, string> = {
  P1_CRITICAL: "P1 Critical",
  P2_HIGH: "P2 High",
  P3_MEDIUM: "P3 Medium",
  P4_LOW: "P4 Low",
};

export const CATEGORY_LABELS: Record<Category, string> = {
  VM_ISSUE: "VM issue",
  NETWORK_ISSUE: "Network issue",
  STORAGE_ISSUE: "Storage issue",
  DATABASE_ISSUE: "Database issue",
  SECURITY_ISSUE: "Security issue",
  ACCESS_REQUEST: "Access request",
  INFRASTRUCTURE: "Infrastructure",
  MONITORING_ALERT: "Monitoring alert",
  OTHER: "Other",
};

export const ROLE_LABELS: Record<Role, string> = {
  ADMIN: "Admin",
  MANAGER: "Manager",
  TEAM_LEAD: "Team lead",
  SENIOR_ENGINEER: "Senior engineer",
  DEVOPS_ENGINEER: "DevOps engineer",
  END_USER: "End user",
};

export const STATUSES = Object.keys(STATUS_LABELS) as Status[];
export const PRIORITIES = Object.keys(PRIORITY_LABELS) as Priority[];
/** Least to most privileged, as the backend orders them. */
export const ROLES: readonly Role[] = ["END_USER", "DEVOPS_ENGINEER", "SENIOR_ENGINEER", "TEAM_LEAD", "MANAGER", "ADMIN"];
export const CATEGORIES = Object.keys(CATEGORY_LABELS) as Category[];
export const ENVIRONMENTS = ["Production", "Staging", "Development"] as const;

export const SORT_LABELS: Record<QueueSort, string> = {
  NEWEST: "Newest first",
  OLDEST: "Oldest first",
  UPDATED: "Recently updated",
  PRIORITY: "Priority",
  RELEVANCE: "Relevance",
  DUE: "Due soonest",
};

/** 1536 → "1.5 KB" (powers of 1024, as the 50 MB attachment limit is counted). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** "STATUS_CHANGED" / "status_changed" → "Status changed". */
export function humanize(raw: string): string {
  const s = raw.replace(/[_-]+/g, " ").trim().toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * A `ticket_history` value (JSON text) for people: a user reference `{ id, displayName }`
 * shows the name, a known status/priority its label, anything else its plain text.
 */
export function historyValue(json: string | null): string {
  if (json === null) return "—";
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return json;
  }
  if (value === null) return "—";
  if (typeof value === "string") {
    return (STATUS_LABELS as Record<string, string>)[value] ?? (PRIORITY_LABELS as Record<string, string>)[value] ?? value;
  }
  if (typeof value === "object" && "displayName" in value && typeof value.displayName === "string") {
    return value.displayName;
  }
  return json;
}

/** "assignee_id" → "Assignee", "status" → "Status". */
export function fieldLabel(field: string): string {
  return humanize(field.replace(/_id$/, ""));
}

/** `notifications.type`: what a notification is about (the title when it has no subject). */
export const NOTIFICATION_KIND_LABELS: Record<string, string> = {
  TICKET_CREATED: "New ticket",
  TICKET_ASSIGNED: "Assigned to you",
  STATUS_CHANGED: "Status changed",
  COMMENT_ADDED: "New comment",
  ESCALATED: "Escalated",
  SLA_WARNING: "SLA deadline near",
  SLA_BREACH: "SLA breached",
  RESOLUTION_REQUEST: "Resolution requested",
  TICKET_CLOSED: "Ticket closed",
};
