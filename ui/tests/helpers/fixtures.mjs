// The fake backend each test drives: in-memory data plus a record of every command call.
const MIN = 60_000;

export const USERS = [
  { id: "u-admin", username: "ada", displayName: "Ada Admin", role: "ADMIN", department: "IT" },
  { id: "u-lead", username: "tom", displayName: "Tom Lead", role: "TEAM_LEAD", department: "Ops" },
  { id: "u-dev", username: "dora", displayName: "Dora DevOps", role: "DEVOPS_ENGINEER", department: "Ops" },
  { id: "u-end", username: "eve", displayName: "Eve User", role: "END_USER", department: null },
];

const ref = (u) => ({ id: u.id, displayName: u.displayName });

/** Every demo user signs in with their username or `<username>@example.test` and this password. */
export const PASSWORD = "ticketdesk-demo";
export const SIGN_IN_FAILED =
  "Sign-in failed: wrong username, password or authentication code, or too many failures in a row (wait up to 30 seconds).";
/** The one authenticator code the fake backend accepts (for sign-in, confirming and disabling two-factor). */
export const MFA_CODE = "123456";
export const MFA_CODE_WRONG = "That code does not match; check the time on your device and try the next code.";
/** What mfa_begin_enrol hands out. */
export const MFA_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
export const MFA_URI = `otpauth://totp/ticketdesk:ada?secret=${MFA_SECRET}&issuer=ticketdesk`;
export const SESSION_ENDED = "Your session has ended; sign in again.";

export const RESET_CODE_INVALID = "That reset code is unknown, used or expired.";
export const PASSWORD_TOO_SHORT = "A password needs at least 8 characters.";
export const ONLY_ADMINS = "Only an admin may manage users.";
export const NO_SELF_DEMOTION = "An admin cannot demote or deactivate themselves.";
export const USERNAME_TAKEN = "That username is taken.";

/** An admin-screen row for `user`; `overrides` set the account-only fields. */
export function account(user, overrides = {}) {
  return {
    id: user.id,
    username: user.username,
    email: `${user.username}@example.test`,
    displayName: user.displayName,
    role: user.role,
    department: user.department,
    isActive: true,
    lockedUntil: null,
    failedSignIns: 0,
    emailVerified: true,
    mfaEnabled: false,
    ...overrides,
  };
}

/** The admin screen's world: the demo users (Dora locked out for 15 minutes) plus one inactive account. */
export function sampleAccounts() {
  return [
    account(USERS[0], { mfaEnabled: true }),
    account(USERS[1]),
    account(USERS[2], { lockedUntil: new Date(Date.now() + 15 * MIN).toISOString(), failedSignIns: 5 }),
    account(USERS[3], { emailVerified: false, failedSignIns: 1 }),
    account(
      { id: "u-gone", username: "ivan", displayName: "Ivan Former", role: "END_USER", department: "Sales" },
      { isActive: false },
    ),
  ];
}

export function ticket(n, overrides = {}) {
  const createdAt = new Date(Date.now() - (overrides.ageMinutes ?? n * 10) * MIN).toISOString();
  const { ageMinutes: _ignored, ...rest } = overrides;
  return {
    id: `t-${n}`,
    ticketNumber: `TKT-${String(n).padStart(4, "0")}`,
    title: `Ticket number ${n}`,
    status: "OPEN",
    priority: "P3_MEDIUM",
    category: "OTHER",
    environment: null,
    requestor: ref(USERS[3]),
    assignee: null,
    createdAt,
    updatedAt: createdAt,
    sla: null,
    ...rest,
  };
}

/** The queue's SLA column for a ticket: the next deadline `minutesLeft` from now (negative: over). */
export function slaGlance(deadline, state, minutesLeft) {
  return { deadline, due: new Date(Date.now() + minutesLeft * MIN).toISOString(), state };
}

/** Three tickets, newest first, with ages 5m / 3h / 2d. */
export function sampleTickets() {
  return [
    ticket(3, {
      title: "VM web-01 is down",
      status: "IN_PROGRESS",
      priority: "P1_CRITICAL",
      category: "VM_ISSUE",
      environment: "Production",
      assignee: ref(USERS[2]),
      ageMinutes: 5,
      // 20 s of slack: the cell rounds to the minute however long the page takes to open.
      sla: slaGlance("resolution", "warning", 90 + 1 / 3),
    }),
    ticket(2, { title: "Need VPN access", status: "NEW", priority: "P4_LOW", category: "ACCESS_REQUEST", ageMinutes: 180 }),
    ticket(1, {
      title: "Disk almost full on db-02",
      status: "ESCALATED",
      priority: "P2_HIGH",
      assignee: ref(USERS[1]),
      ageMinutes: 2 * 24 * 60,
      sla: slaGlance("resolution", "breached", -(180 - 1 / 3)),
    }),
  ];
}

/** The four default policies and a Berlin one for security issues, as the server lists them. */
export function sampleSlaPolicies() {
  const policy = (n, priority, name, response, resolution, hoursOnly, more = {}) => ({
    id: `p-${n}`,
    name,
    description: null,
    priority,
    category: null,
    response_time_minutes: response,
    resolution_time_minutes: resolution,
    business_hours_only: hoursOnly,
    business_start_hour: 9,
    business_end_hour: 17,
    include_weekends: !hoursOnly,
    time_zone: "UTC",
    calendar_id: null,
    calendar_name: null,
    is_active: true,
    effective_from: "2025-01-01",
    effective_until: null,
    updated_at: `2026-12-01T00:00:0${n}.000Z`,
    ...more,
  });
  return [
    policy(1, "P1_CRITICAL", "P1 critical (default)", 5, 240, false),
    policy(2, "P2_HIGH", "P2 high (default)", 30, 480, false),
    policy(3, "P3_MEDIUM", "P3 medium (default)", 120, 1440, true),
    policy(4, "P4_LOW", "P4 low (default)", 1440, 7200, true),
    policy(5, "P2_HIGH", "Security (Berlin)", 125, 600, true, {
      category: "SECURITY_ISSUE",
      time_zone: "Europe/Berlin",
      calendar_id: "cal-de",
      calendar_name: "Germany",
      is_active: false,
      effective_from: "2026-01-01",
      effective_until: "2026-06-30",
    }),
  ];
}

/** One holiday calendar (the Berlin policy's), as the server lists them. */
export function sampleSlaCalendars() {
  return [
    {
      id: "cal-de",
      name: "Germany",
      description: null,
      holidays: [
        { day: "2026-10-03", label: "Unity Day" },
        { day: "2026-12-25", label: "Christmas Day" },
      ],
      updated_at: "2026-12-01T00:00:00.000Z",
    },
  ];
}

/**
 * One open escalation as list_escalations answers it (`Escalation`). `ageMinutes` sets
 * escalatedAt; `risesInMinutes` sets nextRiseAt (null: it will not rise).
 */
export function escalation(n, overrides = {}) {
  const { ageMinutes = 30, risesInMinutes = 15, ...rest } = overrides;
  return {
    id: `e-${n}`,
    ticketId: `t-${n}`,
    ticketNumber: `TKT-${String(n).padStart(4, "0")}`,
    title: `Ticket number ${n}`,
    level: 1,
    kind: "MANUAL",
    status: "PENDING",
    reason: `Reason number ${n}`,
    escalatedAt: new Date(Date.now() - ageMinutes * MIN).toISOString(),
    acknowledgedAt: null,
    nextRiseAt: risesInMinutes === null ? null : new Date(Date.now() + risesInMinutes * MIN).toISOString(),
    holderName: USERS[1].displayName,
    fromName: null,
    mine: true,
    canAct: true,
    ...rest,
  };
}

export const ESCALATION_NOT_YOURS = "No such open escalation, or it is not yours to act on.";

/** The roles the escalation ladder reaches; list_escalations refuses everyone else. */
const ESCALATION_ROLES = new Set(["TEAM_LEAD", "MANAGER", "ADMIN"]);
const OPEN_ESCALATION = new Set(["PENDING", "ACKNOWLEDGED"]);

/** The escalation commands over backend.escalations, as the server answers them (oldest first). */
function escalationHandlers(backend) {
  const open = () =>
    backend.escalations.filter((e) => OPEN_ESCALATION.has(e.status)).sort((a, b) => Date.parse(a.escalatedAt) - Date.parse(b.escalatedAt));
  const actable = (escalationId) => {
    const found = open().find((e) => e.id === escalationId && e.canAct);
    if (!found) throw appError("not_found", ESCALATION_NOT_YOURS);
    return found;
  };
  return {
    list_escalations: () => {
      if (!ESCALATION_ROLES.has(backend.me.role)) throw appError("forbidden", "Only team leads, managers and admins see escalations.");
      return open();
    },
    acknowledge_escalation: ({ escalationId }) => {
      const found = actable(escalationId);
      if (found.status === "PENDING") Object.assign(found, { status: "ACKNOWLEDGED", acknowledgedAt: new Date().toISOString(), nextRiseAt: null });
      return open();
    },
    resolve_escalation: ({ escalationId, notes }) => {
      if (typeof notes !== "string" || !notes.trim()) throw appError("validation", "Resolving an escalation needs notes.");
      actable(escalationId).status = "RESOLVED";
      return open();
    },
  };
}

export function detailFor(summary) {
  const t0 = Date.parse(summary.createdAt);
  const at = (minutes) => new Date(t0 + minutes * MIN).toISOString();
  return {
    ticket: summary,
    description: `Description of ${summary.title}.\nSecond line.`,
    resolutionNotes: null,
    dueDate: "2030-01-15T12:00:00Z",
    responseDueAt: "2030-01-14T12:00:00Z",
    firstResponseAt: null,
    responseBreach: false,
    responseState: "ok",
    resolutionState: "ok",
    slaEvents: [],
    resolvedAt: null,
    closedAt: null,
    tags: ["infra", "urgent"],
    slaBreach: false,
    reopenCount: 0,
    statusBeforeEscalation: summary.status === "ESCALATED" ? "IN_PROGRESS" : null,
    version: 3,
    comments: [
      { id: "c1", author: ref(USERS[3]), content: "Public comment: still broken", isInternal: false, createdAt: at(1), updatedAt: at(1), editCount: 0 },
      { id: "c2", author: ref(USERS[2]), content: "Internal note: check the hypervisor", isInternal: true, createdAt: at(2), updatedAt: at(2), editCount: 0 },
    ],
    history: [
      { id: "h1", actor: ref(USERS[3]), action: "CREATED", fieldChanged: null, oldValue: null, newValue: null, reason: null, at: summary.createdAt },
      // Comments have their own history rows; the timeline shows the comment instead.
      { id: "h1c", actor: ref(USERS[3]), action: "COMMENT_ADDED", fieldChanged: null, oldValue: null, newValue: JSON.stringify({ commentId: "c1", internal: false }), reason: null, at: at(1) },
      // Values are JSON text, as ticket_history stores them.
      { id: "h2", actor: ref(USERS[2]), action: "STATUS_CHANGED", fieldChanged: "status", oldValue: '"OPEN"', newValue: '"IN_PROGRESS"', reason: "Picked up", at: at(3) },
      { id: "h3", actor: ref(USERS[3]), action: "ASSIGNED", fieldChanged: "assignee_id", oldValue: null, newValue: JSON.stringify({ id: USERS[2].id, displayName: USERS[2].displayName }), reason: null, at: at(4) },
    ],
    attachments: [],
  };
}

/** SPEC §3's transition table (who may make each move is simplified to role checks below). */
export const TRANSITIONS = {
  NEW: ["OPEN", "IN_PROGRESS", "PENDING_INFO", "CLOSED", "ESCALATED"],
  OPEN: ["IN_PROGRESS", "PENDING_INFO", "RESOLVED", "ESCALATED"],
  IN_PROGRESS: ["OPEN", "PENDING_INFO", "RESOLVED", "ESCALATED"],
  PENDING_INFO: ["IN_PROGRESS", "RESOLVED", "ESCALATED"],
  RESOLVED: ["CLOSED", "REOPENED"],
  CLOSED: ["REOPENED"],
  REOPENED: ["OPEN", "IN_PROGRESS", "PENDING_INFO", "RESOLVED", "ESCALATED"],
  ESCALATED: ["RESOLVED"],
};
const SENIOR_ROLES = new Set(["SENIOR_ENGINEER", "TEAM_LEAD", "MANAGER", "ADMIN"]);
const LEAD_ROLES = new Set(["TEAM_LEAD", "MANAGER", "ADMIN"]);

/** What `user` may do to the ticket now (TicketActions), roughly as SPEC §4 says. */
export function actionsFor(user, detail) {
  const { status, assignee, requestor } = detail.ticket;
  const engineer = user.role !== "END_USER";
  const senior = SENIOR_ROLES.has(user.role);
  let transitions;
  if (!engineer) {
    transitions = requestor.id === user.id ? TRANSITIONS[status].filter((s) => s === "CLOSED" || s === "REOPENED") : [];
  } else {
    transitions = TRANSITIONS[status].filter((to) => !(status === "NEW" && to === "CLOSED") || LEAD_ROLES.has(user.role));
    if (status === "ESCALATED") transitions = senior ? [detail.statusBeforeEscalation ?? "OPEN", "RESOLVED"] : [];
  }
  return {
    transitions,
    canTake: engineer && assignee?.id !== user.id,
    canAssignOthers: senior,
    canUnassign: senior && assignee !== null,
    canChangePriority: senior,
    canCommentInternal: engineer,
  };
}

/**
 * One in-app notification as the fake backend keeps it: a NotificationItem plus its owner (`userId`).
 * `ageMinutes` sets createdAt; `read: true` gives it a readAt.
 */
export function notification(n, overrides = {}) {
  const { ageMinutes = n * 10, read = false, userId = USERS[0].id, ...rest } = overrides;
  const createdAt = new Date(Date.now() - ageMinutes * MIN).toISOString();
  return {
    userId,
    id: `n-${n}`,
    ticketId: null,
    ticketNumber: null,
    kind: "STATUS_CHANGED",
    subject: null,
    message: `Notification number ${n}`,
    priority: "NORMAL",
    createdAt,
    readAt: read ? new Date(Date.parse(createdAt) + MIN).toISOString() : null,
    ...rest,
  };
}

/** Ada has three (newest first: two unread, one read); Dora has one unread. */
export function sampleNotifications() {
  return [
    notification(3, { kind: "TICKET_ASSIGNED", ticketId: "t-3", ticketNumber: "TKT-0003", subject: "TKT-0003 assigned to you", message: "You were assigned TKT-0003: VM web-01 is down", priority: "HIGH", ageMinutes: 5 }),
    notification(2, { kind: "COMMENT_ADDED", ticketId: "t-2", ticketNumber: "TKT-0002", subject: null, message: "Eve User commented on TKT-0002", ageMinutes: 180 }),
    notification(1, { kind: "STATUS_CHANGED", ticketId: "t-1", ticketNumber: "TKT-0001", subject: "TKT-0001 escalated", message: "TKT-0001 was escalated", ageMinutes: 2 * 24 * 60, read: true }),
    notification(4, { userId: USERS[2].id, kind: "TICKET_ASSIGNED", ticketId: "t-2", ticketNumber: "TKT-0002", subject: "TKT-0002 assigned to you", message: "You were assigned TKT-0002", ageMinutes: 30 }),
  ];
}

/** The centre's cursor: the last row's time and id, as the backend encodes it. */
const notificationCursor = (n) => `${Date.parse(n.createdAt) * 1000}_${n.id}`;
const newestFirst = (a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
const beforeCursor = (n, [at, id]) => Date.parse(n.createdAt) * 1000 < at || (Date.parse(n.createdAt) * 1000 === at && n.id < id);

/** The kinds a user can choose for, in display order, as list_notification_preferences lists them. */
export const PREFERENCE_KINDS = ["TICKET_ASSIGNED", "ESCALATED", "SLA_WARNING", "SLA_BREACH", "COMMENT_ADDED", "STATUS_CHANGED", "TICKET_CLOSED"];
export const CHANNELS = ["IN_APP", "EMAIL", "SLACK", "SMS"];
/** The database's `notification_default`: in-app for everything, email for the urgent three, nothing else. */
export function preferenceDefault(kind, channel) {
  if (channel === "IN_APP") return true;
  return channel === "EMAIL" && ["TICKET_ASSIGNED", "ESCALATED", "SLA_BREACH", "SLA_WARNING"].includes(kind);
}

/** list_notifications and the mark-read commands over backend.notifications, for the signed-in user only. */
function notificationHandlers(backend) {
  const strip = ({ userId: _u, ...item }) => item;
  /** The signed-in user's whole grid: their stored choices over the defaults. */
  const grid = () => {
    const mine = backend.preferences.get(backend.me.id) ?? new Map();
    return PREFERENCE_KINDS.flatMap((kind) =>
      CHANNELS.map((channel) => ({ kind, channel, enabled: mine.get(`${kind}:${channel}`) ?? preferenceDefault(kind, channel) })),
    );
  };
  return {
    list_notification_preferences: () => grid(),
    set_notification_preference: ({ preference: p }) => {
      if (!PREFERENCE_KINDS.includes(p?.kind) || !CHANNELS.includes(p?.channel) || typeof p?.enabled !== "boolean") {
        throw appError("validation", "That is not a notification you can choose.");
      }
      if (!backend.preferences.has(backend.me.id)) backend.preferences.set(backend.me.id, new Map());
      backend.preferences.get(backend.me.id).set(`${p.kind}:${p.channel}`, p.enabled);
      return grid();
    },
    list_notifications: ({ query }) => {
      const limit = Math.min(100, Math.max(1, query.limit ?? 30));
      let rows = backend.notificationsOf(backend.me.id);
      if (query.unreadOnly) rows = rows.filter((n) => n.readAt === null);
      if (query.before !== undefined) {
        const match = /^(\d+)_(.+)$/.exec(query.before);
        if (!match) throw appError("validation", "Invalid notification cursor; start again from the newest.");
        const cursor = [Number(match[1]), match[2]];
        rows = rows.filter((n) => beforeCursor(n, cursor));
      }
      const page = rows.slice(0, limit);
      return {
        items: page.map(strip),
        unread: backend.unreadOf(backend.me.id),
        nextCursor: rows.length > limit ? notificationCursor(page[page.length - 1]) : null,
      };
    },
    mark_notification_read: ({ notificationId }) => {
      const found = backend.notifications.find((n) => n.id === notificationId && n.userId === backend.me.id);
      if (!found) throw appError("not_found", "No such notification.");
      found.readAt ??= new Date().toISOString();
      return backend.unreadOf(backend.me.id);
    },
    mark_all_notifications_read: () => {
      const now = new Date().toISOString();
      for (const n of backend.notificationsOf(backend.me.id)) n.readAt ??= now;
      return backend.unreadOf(backend.me.id);
    },
  };
}

export const STALE_TICKET = "Someone else changed this ticket; reload it and try again.";
export const STALE_COMMENT = "That comment changed since you opened it.";

/** Throw this from a handler to make the command reject with an AppError. */
export class Reject {
  constructor(value) {
    this.value = value;
  }
}
export const appError = (code, message) => new Reject({ code, message });

const MAX_ATTACHMENT_BYTES = 52_428_800;
const PART_BYTES = 1_048_576;

/** The ticket workflow commands over backend.details, with the backend's version and edit-count checks. */
function workflowHandlers(backend) {
  /** Applies `fn` if `version` is current (else `conflict`, as the backend's optimistic lock does). */
  const change = (ticketId, version, fn) => {
    const d = backend.detail(ticketId);
    if (version !== d.version) throw appError("conflict", STALE_TICKET);
    fn(d);
    return backend.view(ticketId);
  };
  const commentOf = (commentId) => {
    for (const [ticketId, d] of backend.details) {
      const comment = d.comments.find((c) => c.id === commentId);
      if (comment) return { ticketId, d, comment };
    }
    throw appError("not_found", "No such comment.");
  };
  return {
    change_status: ({ change: c }) =>
      change(c.ticketId, c.version, (d) => {
        if (!actionsFor(backend.me, d).transitions.includes(c.to)) throw appError("validation", `Cannot move to ${c.to}.`);
        if (c.to === "RESOLVED" && !c.resolutionNotes?.trim()) throw appError("validation", "Resolution notes are required.");
        const from = d.ticket.status;
        d.ticket = { ...d.ticket, status: c.to };
        if (c.to === "RESOLVED") Object.assign(d, { resolutionNotes: c.resolutionNotes, resolvedAt: new Date().toISOString() });
        const action = { CLOSED: "CLOSED", REOPENED: "REOPENED", ESCALATED: "ESCALATED" }[c.to] ?? "STATUS_CHANGED";
        backend.record(c.ticketId, backend.me, { action, fieldChanged: "status", oldValue: JSON.stringify(from), newValue: JSON.stringify(c.to), reason: c.reason ?? null });
      }),
    assign_ticket: ({ change: c }) =>
      change(c.ticketId, c.version, (d) => {
        const user = c.assigneeId === null ? null : backend.users.find((u) => u.id === c.assigneeId);
        if (user === undefined) throw appError("validation", "No such user.");
        const before = d.ticket.assignee;
        d.ticket = { ...d.ticket, assignee: user ? ref(user) : null };
        backend.record(c.ticketId, backend.me, {
          action: before ? "REASSIGNED" : "ASSIGNED",
          fieldChanged: "assignee_id",
          oldValue: JSON.stringify(before),
          newValue: JSON.stringify(user ? ref(user) : null),
          reason: c.reason ?? null,
        });
      }),
    change_priority: ({ change: c }) =>
      change(c.ticketId, c.version, (d) => {
        const from = d.ticket.priority;
        d.ticket = { ...d.ticket, priority: c.priority };
        backend.record(c.ticketId, backend.me, { action: "PRIORITY_CHANGED", fieldChanged: "priority", oldValue: JSON.stringify(from), newValue: JSON.stringify(c.priority), reason: c.reason ?? null });
      }),
    add_comment: ({ input }) => {
      const d = backend.detail(input.ticketId);
      if (!input.content?.trim()) throw appError("validation", "A comment needs some text.");
      if (!d.comments.some((c) => c.id === input.id)) {
        const now = new Date().toISOString();
        d.comments.push({ id: input.id, author: ref(backend.me), content: input.content, isInternal: input.isInternal, createdAt: now, updatedAt: now, editCount: 0 });
      }
      return backend.view(input.ticketId);
    },
    edit_comment: ({ edit }) => {
      const { ticketId, comment } = commentOf(edit.commentId);
      if (comment.author?.id !== backend.me.id) throw appError("forbidden", "Only its author may edit a comment.");
      if (edit.editCount !== comment.editCount) throw appError("conflict", STALE_COMMENT);
      Object.assign(comment, { content: edit.content, editCount: comment.editCount + 1, updatedAt: new Date().toISOString() });
      return backend.view(ticketId);
    },
    delete_comment: ({ commentId }) => {
      const { ticketId, d, comment } = commentOf(commentId);
      if (comment.author?.id !== backend.me.id) throw appError("forbidden", "Only its author may delete a comment.");
      d.comments = d.comments.filter((c) => c.id !== commentId);
      return backend.view(ticketId);
    },
    /** Args as the harness hands them over: { rawSize, firstByte, headers }. */
    upload_chunk: ({ rawSize, firstByte, headers }) => {
      const id = headers["x-upload-id"];
      const seq = Number(headers["x-seq"]);
      const total = Number(headers["x-total-size"]);
      if (!id || Number.isNaN(seq) || Number.isNaN(total)) throw appError("validation", "Missing upload headers.");
      if (total > MAX_ATTACHMENT_BYTES) throw appError("validation", "Attachments can be at most 50 MB.");
      if (rawSize > PART_BYTES) throw appError("validation", "An upload part can be at most 1 MiB.");
      const upload = backend.uploads.get(id) ?? { total, parts: [] };
      if (seq !== upload.parts.length) throw appError("validation", `Expected part ${upload.parts.length}, got ${seq}.`);
      upload.parts.push({ seq, size: rawSize, firstByte });
      backend.uploads.set(id, upload);
      return null;
    },
    attach_upload: ({ input }) => {
      const upload = backend.uploads.get(input.uploadId);
      if (!upload) throw appError("validation", "No such upload.");
      const received = upload.parts.reduce((sum, p) => sum + p.size, 0);
      if (received !== upload.total) throw appError("validation", `Only ${received} of ${upload.total} bytes arrived.`);
      const d = backend.detail(input.ticketId);
      const attachment = {
        id: `a-${backend.nextId++}`,
        commentId: input.commentId ?? null,
        fileName: input.fileName,
        fileType: input.fileType ?? "application/octet-stream",
        fileSize: upload.total,
        sha256: "0".repeat(64),
        uploadedBy: ref(backend.me),
        uploadedAt: new Date().toISOString(),
      };
      d.attachments.push(attachment);
      backend.history(input.ticketId, { action: "ATTACHMENT_ADDED", newValue: JSON.stringify({ attachmentId: attachment.id, fileName: attachment.fileName, fileSize: attachment.fileSize, commentId: attachment.commentId }) });
      return backend.view(input.ticketId);
    },
    download_attachment: ({ attachmentId }) => {
      for (const d of backend.details.values()) {
        const a = d.attachments.find((x) => x.id === attachmentId);
        if (a) return `/home/${backend.me.username}/Downloads/${a.fileName}`;
      }
      throw appError("not_found", "No such attachment.");
    },
  };
}

/** The forms whose drafts the backend keeps (SPEC §9): anything else is refused. */
const DRAFT_KEY = /^(new-ticket|(comment|resolve|escalate):[^:]+)$/;
export const DRAFT_MAX_BYTES = 256 * 1024;

/**
 * The drafts kept on "this computer", per signed-in account (backend.drafts: user id → key →
 * { body, savedAt }). They live in the backend object, so a page reload (an app restart, a
 * crash) finds them again; sign_out with forgetOfflineData deletes the account's.
 */
function draftHandlers(backend) {
  const mine = () => {
    if (!backend.drafts.has(backend.me.id)) backend.drafts.set(backend.me.id, new Map());
    return backend.drafts.get(backend.me.id);
  };
  const checked = (key) => {
    if (typeof key !== "string" || !DRAFT_KEY.test(key)) throw appError("validation", `unknown draft ${JSON.stringify(key)}`);
    return key;
  };
  return {
    save_draft: ({ key, body }) => {
      checked(key);
      if (JSON.stringify(body ?? null).length > DRAFT_MAX_BYTES) throw appError("validation", "A draft can be at most 256 KB.");
      const savedAt = new Date().toISOString();
      mine().set(key, { body, savedAt });
      return savedAt;
    },
    load_draft: ({ key }) => mine().get(checked(key)) ?? null,
    discard_draft: ({ key }) => {
      mine().delete(checked(key));
      return null;
    },
  };
}

export const OFFLINE = "The ticketdesk database is unavailable. Check your connection and retry.";
export const ON_TOP_NEEDS_SERVER = "Retry on top needs the server; try again when it is back.";

/** The five writes the outbox may keep: command → Work kind, and which argument holds the input. */
const OUTBOX_WRITES = {
  create_ticket: { kind: "createTicket", arg: "input" },
  add_comment: { kind: "addComment", arg: "input" },
  change_status: { kind: "changeStatus", arg: "change" },
  assign_ticket: { kind: "assign", arg: "change" },
  change_priority: { kind: "changePriority", arg: "change" },
};
const CHANGE_KINDS = new Set(["changeStatus", "assign", "changePriority"]);
/** The id a piece of work carries (the ticket's, the comment's or the change's). */
const workId = (work) => (work.kind === "createTicket" || work.kind === "addComment" ? work.input.id : work.input.changeId);
const ticketOf = (work) => (work.kind === "createTicket" ? work.input.id : work.input.ticketId);

/**
 * The offline outbox (backend.outbox: OutboxEntry[], oldest first). While `backend.offline` is
 * set, or while earlier work on the same ticket waits, a write is kept (`{ queued: entry }`);
 * otherwise it is filed (`{ sent: … }`). `backend.sendOutbox()` plays the server coming back;
 * `backend.pushOutbox()` emits the `outbox` event to the page as the backend would.
 * `file` holds the server's own handlers of the five writes (input → answer).
 */
function outboxHandlers(backend, file) {
  const copy = () => structuredClone(backend.outbox);
  const entryOf = (id) => {
    const found = backend.outbox.find((e) => e.id === id);
    if (!found) throw appError("not_found", "No such outbox item.");
    return found;
  };
  /** The ids the desktop fills in for work it keeps. */
  const withIds = (kind, input) => {
    if (kind === "createTicket") return { ...input, id: input.id ?? `t-q-${backend.nextId++}` };
    if (CHANGE_KINDS.has(kind)) return { ...input, changeId: input.changeId ?? `ch-q-${backend.nextId++}` };
    return { ...input };
  };
  backend.enqueue = (kind, input, overrides = {}) => {
    const work = { kind, input: withIds(kind, input) };
    const entry = {
      id: `ob-${backend.nextId++}`,
      ticketId: ticketOf(work),
      state: "pending",
      reason: null,
      createdAt: new Date().toISOString(),
      work,
      ...overrides,
    };
    backend.outbox.push(entry);
    return structuredClone(entry);
  };
  /** The server is back (`offline` off): sends what is pending, in order; a refusal needs the user and holds that ticket's later work. */
  backend.sendOutbox = () => {
    backend.offline = false;
    const held = new Set();
    for (const entry of [...backend.outbox]) {
      if (entry.state !== "pending" || held.has(entry.ticketId)) {
        held.add(entry.ticketId);
        continue;
      }
      try {
        file[entry.work.kind](entry.work.input);
        backend.outbox = backend.outbox.filter((e) => e !== entry);
      } catch (e) {
        if (!(e instanceof Reject)) throw e;
        Object.assign(entry, { state: "needsYou", reason: e.value.message });
        held.add(entry.ticketId);
      }
    }
    return copy();
  };
  /** Marks an item as refused by the server with `reason`. */
  backend.needsYou = (id, reason) => Object.assign(entryOf(id), { state: "needsYou", reason });
  backend.pushOutbox = () => backend.emit("outbox", copy());

  const writes = Object.fromEntries(
    Object.entries(OUTBOX_WRITES).map(([cmd, { kind, arg }]) => [
      cmd,
      (args) => {
        const input = args[arg];
        const waiting = backend.outbox.some((e) => e.ticketId === ticketOf({ kind, input }));
        if (backend.offline || waiting) return { queued: backend.enqueue(kind, input) };
        return { sent: file[kind](input) };
      },
    ]),
  );
  return {
    ...writes,
    list_outbox: () => copy(),
    retry_outbox_item: ({ id, work, onTop }) => {
      const entry = entryOf(id);
      if (work != null) {
        if (work.kind !== entry.work.kind || workId(work) !== workId(entry.work)) {
          throw appError("validation", "An edited item keeps its kind and its id.");
        }
        entry.work = structuredClone(work);
      }
      if (onTop === true) {
        if (!CHANGE_KINDS.has(entry.work.kind)) throw appError("validation", "Only a change can be applied on top.");
        if (backend.offline) throw appError("offline", ON_TOP_NEEDS_SERVER);
        entry.work.input = { ...entry.work.input, version: backend.detail(entry.ticketId).version };
      }
      Object.assign(entry, { state: "pending", reason: null });
      if (!backend.offline) backend.sendOutbox();
      return copy();
    },
    discard_outbox_item: ({ id }) => {
      entryOf(id);
      backend.outbox = backend.outbox.filter((e) => e.id !== id);
      return copy();
    },
  };
}

/** Commands that work without a session; every other one rejects with `unauthenticated` then. */
const OPEN_COMMANDS = new Set(["current_user", "sign_in", "sign_out", "reset_password", "about"]);

/**
 * A fake backend. `handlers` override the defaults per command; each gets (args, backend).
 * Default behaviour is a small consistent world: a session (`me`, null = signed out) that
 * `sign_in` starts and `sign_out` ends, paging over `tickets`, creating tickets, etc.
 */
export function fakeBackend({
  me = USERS[0],
  tickets = sampleTickets(),
  accounts = sampleAccounts(),
  mfa = [],
  notifications = sampleNotifications(),
  escalations = [],
  handlers = {},
} = {}) {
  const backend = {
    me,
    users: USERS,
    tickets,
    /** SLA policies and holiday calendars (list_sla_* / save_sla_*). */
    slaPolicies: sampleSlaPolicies(),
    slaCalendars: sampleSlaCalendars(),
    /** Escalations (see `escalation`); the open ones show in list_escalations and on their ticket. */
    escalations,
    /** What admin_list_users shows; admin commands change it. */
    accounts,
    /** Passwords changed with a reset code, by user id (everyone else has PASSWORD). */
    passwords: new Map(),
    /** Ids of the users with two-factor on: sign_in then needs MFA_CODE. */
    mfa: new Set(mfa),
    /** User id → secret handed out by mfa_begin_enrol and not confirmed yet. */
    pendingMfa: new Map(),
    /** Reset codes issued by admin_issue_reset: code → { userId, used }. */
    resetCodes: new Map(),
    calls: [],
    /** The ticket id a `ticketdesk://` link asked for, until take_ticket_link takes it (null: none). */
    waitingLink: null,
    /** Whether ticketdesk starts at login on this computer (start_at_login / set_start_at_login). */
    startAtLogin: true,
    /** Where the sign-in is kept (sign_in_kept_in): "keyring" or "settingsFile". */
    signInKeptIn: "keyring",
    /** User id → the ticket id they have open (remember_open_ticket / last_open_ticket). */
    openTickets: new Map(),
    /** What the About dialog shows. */
    about: { appVersion: "0.1.0", schemaVersion: "20261209000000", postgresVersion: "15.18" },
    /** In-app notifications of every user (see `notification`); each user sees and reads only theirs. */
    notifications,
    /** User id → their stored preference choices ("KIND:CHANNEL" → enabled); the rest are defaults. */
    preferences: new Map(),
    /** `userId`'s notifications, newest first (the stored objects). */
    notificationsOf: (userId) => backend.notifications.filter((n) => n.userId === userId).sort(newestFirst),
    unreadOf: (userId) => backend.notificationsOf(userId).filter((n) => n.readAt === null).length,
    /**
     * Something happened for `userId`: stores a new unread notification (now) and returns the
     * `notification` event payload the backend would emit to their desktop.
     */
    notify: (userId, fields = {}) => {
      const n = backend.nextId++;
      // Strictly newer than any other, even within one millisecond.
      const latest = Math.max(Date.now(), ...backend.notifications.map((x) => Date.parse(x.createdAt) + 1));
      const created = notification(n, { userId, id: `n-new-${n}`, ...fields, createdAt: new Date(latest).toISOString() });
      backend.notifications.push(created);
      const { id, ticketId, kind, subject, message } = created;
      return { id, ticketId, kind, subject, message };
    },
    /** Ticket id → the full ticket as the backend keeps it (made from the summary on first use). */
    details: new Map(),
    /** User id → their drafts kept on this computer: key → { body, savedAt } (see draftHandlers). */
    drafts: new Map(),
    /** `userId`'s kept draft for `key` ({ body, savedAt }), or undefined. */
    draftOf: (userId, key) => backend.drafts.get(userId)?.get(key),
    /** Upload id → parts received so far ({ seq, size, firstByte }) and the announced total size. */
    uploads: new Map(),
    /** The server cannot be reached: the five writes go to the outbox, reads answer saved copies. */
    offline: false,
    /** When the saved copies that offline reads answer were made. */
    cachedAt: new Date(Date.now() - 7 * MIN).toISOString(),
    /** The offline outbox (see outboxHandlers). */
    outbox: [],
    /** Emits a backend event to the page; the harness sets it when the page opens. */
    emit: async () => {
      throw new Error("no page is open");
    },
    nextNumber: 100,
    nextId: 1,
    nextAccount: 1,
    /** Hands out a reset code as if an admin had issued it (for sign-in screen tests). */
    issueResetCode: (userId, code = `RST-${backend.resetCodes.size + 1}-${userId}`) => {
      backend.resetCodes.set(code, { userId, used: false });
      return code;
    },
    callsOf: (cmd) => backend.calls.filter((c) => c.cmd === cmd).map((c) => c.args),
    /** The stored full ticket. */
    detail: (ticketId) => {
      if (!backend.details.has(ticketId)) {
        const summary = backend.tickets.find((x) => x.id === ticketId);
        if (!summary) throw appError("not_found", `Ticket ${ticketId} not found`);
        backend.details.set(ticketId, detailFor(summary));
      }
      return backend.details.get(ticketId);
    },
    /** The ticket as `me` gets it: with their actions, without internal comments for requestors. */
    view: (ticketId) => {
      const d = backend.detail(ticketId);
      const staff = backend.me.role !== "END_USER";
      const open = backend.escalations.find((e) => e.ticketId === ticketId && OPEN_ESCALATION.has(e.status));
      return {
        ...d,
        comments: d.comments.filter((c) => staff || !c.isInternal),
        actions: actionsFor(backend.me, d),
        // Requestors never see the ladder.
        escalation: staff && open ? { ...open } : null,
      };
    },
    /** Records a change as made by `actor` now: a history row, a new version, a fresh updatedAt. */
    record: (ticketId, actor, row) => {
      const d = backend.detail(ticketId);
      const at = new Date().toISOString();
      d.history.push({ id: `h-new-${backend.nextId++}`, actor: ref(actor), fieldChanged: null, oldValue: null, newValue: null, reason: null, ...row, at });
      d.version++;
      d.ticket = { ...d.ticket, updatedAt: at };
      backend.tickets = backend.tickets.map((t) => (t.id === ticketId ? d.ticket : t));
      return d;
    },
    /** A history row that does not change the ticket's version (attachments). */
    history: (ticketId, row) => {
      backend.detail(ticketId).history.push({ id: `h-new-${backend.nextId++}`, actor: ref(backend.me), fieldChanged: null, oldValue: null, newValue: null, reason: null, ...row, at: new Date().toISOString() });
    },
    /** Someone else (on another desktop) changes the ticket's summary fields: the version moves on. */
    changeElsewhere: (ticketId, actor, change, reason = null) => {
      const d = backend.detail(ticketId);
      for (const [field, value] of Object.entries(change)) {
        const action = { status: "STATUS_CHANGED", priority: "PRIORITY_CHANGED", assignee: "REASSIGNED" }[field];
        const oldValue = JSON.stringify(d.ticket[field] ?? null);
        d.ticket = { ...d.ticket, [field]: value };
        backend.record(ticketId, actor, { action, fieldChanged: field === "assignee" ? "assignee_id" : field, oldValue, newValue: JSON.stringify(value), reason });
      }
      return d;
    },
    /** The session expires (e.g. refresh token revoked): the next commands reject `unauthenticated`. */
    endSession: () => {
      backend.me = null;
    },
  };
  const defaults = {
    current_user: () => backend.me,
    sign_in: ({ login, password, mfaCode }) => {
      if (mfaCode !== null && typeof mfaCode !== "string") throw appError("validation", "mfaCode must be a string or null.");
      if (typeof login !== "string" || typeof password !== "string" || !login.trim() || !password) {
        throw appError("validation", "Username and password are required.");
      }
      const name = login.trim().toLowerCase();
      const user = backend.users.find((u) => u.username === name || `${u.username}@example.test` === name);
      if (
        !user ||
        password !== (backend.passwords.get(user.id) ?? PASSWORD) ||
        (backend.mfa.has(user.id) && mfaCode !== MFA_CODE)
      ) {
        throw appError("unauthenticated", SIGN_IN_FAILED);
      }
      backend.me = user;
      return user;
    },
    sign_out: ({ forgetOfflineData }) => {
      if (forgetOfflineData === true && backend.me) {
        backend.drafts.delete(backend.me.id);
        backend.outbox = [];
      }
      backend.me = null;
      return null;
    },
    list_users: () => backend.users,
    mfa_status: () => backend.mfa.has(backend.me.id),
    mfa_begin_enrol: () => {
      if (backend.mfa.has(backend.me.id)) throw appError("conflict", "Two-factor is already on.");
      backend.pendingMfa.set(backend.me.id, MFA_SECRET);
      return { secret: MFA_SECRET, uri: MFA_URI };
    },
    mfa_confirm: ({ code }) => {
      if (!backend.pendingMfa.has(backend.me.id)) throw appError("validation", "Start turning on two-factor first.");
      if (code !== MFA_CODE) throw appError("validation", MFA_CODE_WRONG);
      backend.pendingMfa.delete(backend.me.id);
      backend.mfa.add(backend.me.id);
      return null;
    },
    mfa_disable: ({ code }) => {
      if (!backend.mfa.has(backend.me.id)) throw appError("validation", "Two-factor is not on.");
      if (code !== MFA_CODE) throw appError("validation", MFA_CODE_WRONG);
      backend.mfa.delete(backend.me.id);
      return null;
    },
    list_queue: ({ query }) => {
      // Offline only a first page has a saved copy.
      if (backend.offline && query.after) throw appError("offline", OFFLINE);
      const limit = query.limit ?? 50;
      const start = query.after ? backend.tickets.findIndex((t) => t.id === query.after) + 1 : 0;
      const page = backend.tickets.slice(start, start + limit);
      const more = start + limit < backend.tickets.length;
      const answer = { tickets: page, nextCursor: more ? page[page.length - 1].id : null };
      return backend.offline ? { ...answer, cachedAt: backend.cachedAt } : answer;
    },
    get_ticket: ({ ticketId }) => (backend.offline ? { ...backend.view(ticketId), cachedAt: backend.cachedAt } : backend.view(ticketId)),
    // --- SLA policies and holiday calendars (issue 14, item 7), as the server answers them:
    // managers and admins only, the end hour after the start hour, optimistic on updated_at.
    list_sla_policies: () => backend.slaPolicies,
    save_sla_policy: ({ policy }) => {
      if (!["MANAGER", "ADMIN"].includes(backend.me.role)) throw appError("forbidden", "Only managers and admins may change SLA policies and calendars.");
      if (policy.business_end_hour <= policy.business_start_hour)
        throw appError("validation", `The end hour (${policy.business_end_hour}) must be after the start hour (${policy.business_start_hour}).`);
      const stamp = new Date(Date.now() + backend.nextId++).toISOString();
      const calendar_name = backend.slaCalendars.find((c) => c.id === policy.calendar_id)?.name ?? null;
      if (policy.id === null) {
        backend.slaPolicies.push({ ...policy, id: `p-new-${backend.nextId++}`, calendar_name, updated_at: stamp });
      } else {
        const i = backend.slaPolicies.findIndex((p) => p.id === policy.id);
        if (i === -1) throw appError("validation", "No such policy.");
        if (backend.slaPolicies[i].updated_at !== policy.updated_at) throw appError("conflict", "Someone else changed this policy; reload it and try again.");
        backend.slaPolicies[i] = { ...policy, calendar_name, updated_at: stamp };
      }
      return backend.slaPolicies;
    },
    list_sla_calendars: () => backend.slaCalendars,
    save_sla_calendar: ({ calendar }) => {
      if (!["MANAGER", "ADMIN"].includes(backend.me.role)) throw appError("forbidden", "Only managers and admins may change SLA policies and calendars.");
      const stamp = new Date(Date.now() + backend.nextId++).toISOString();
      if (calendar.id === null) backend.slaCalendars.push({ ...calendar, id: `cal-${backend.nextId++}`, updated_at: stamp });
      else {
        const i = backend.slaCalendars.findIndex((c) => c.id === calendar.id);
        if (i === -1) throw appError("validation", "No such calendar.");
        if (backend.slaCalendars[i].updated_at !== calendar.updated_at) throw appError("conflict", "Someone else changed this calendar; reload it and try again.");
        backend.slaCalendars[i] = { ...calendar, updated_at: stamp };
        // A renamed calendar reads under its new name in the policies that use it.
        for (const p of backend.slaPolicies) if (p.calendar_id === calendar.id) p.calendar_name = calendar.name;
      }
      return backend.slaCalendars;
    },
    // --- SLA "why" (issue 14): the explanation the backend words from the server's walk.
    about: (_args, b) => b.about,
    start_at_login: (_args, b) => b.startAtLogin,
    sign_in_kept_in: (_args, b) => b.signInKeptIn,
    remember_open_ticket: ({ ticketId }, b) => {
      if (ticketId) b.openTickets.set(b.me.id, ticketId);
      else b.openTickets.delete(b.me.id);
      return null;
    },
    last_open_ticket: (_args, b) => b.openTickets.get(b.me.id) ?? null,
    set_start_at_login: ({ on }, b) => (b.startAtLogin = on),
    take_ticket_link: (_args, b) => {
      const id = b.waitingLink;
      b.waitingLink = null;
      return id;
    },
    get_ticket_sla: ({ ticketId }) => {
      backend.view(ticketId);
      return backend.slaExplanations?.get(ticketId) ?? null;
    },
    ...workflowHandlers(backend),
    ...notificationHandlers(backend),
    ...escalationHandlers(backend),
    ...draftHandlers(backend),
    create_ticket: ({ input }) => {
      // A client id files the ticket once however often it is sent.
      const again = input.id && backend.tickets.find((t) => t.id === input.id);
      if (again) return again;
      const n = backend.nextNumber++;
      const assignee = backend.users.find((u) => u.id === input.assigneeId);
      const created = ticket(n, {
        title: input.title,
        priority: input.priority,
        category: input.category,
        environment: input.environment,
        status: "NEW",
        requestor: ref(backend.me),
        assignee: assignee ? ref(assignee) : null,
        ageMinutes: 0,
        ...(input.id ? { id: input.id } : {}),
      });
      backend.tickets = [created, ...backend.tickets];
      return created;
    },
  };
  /** Every admin_* command checks the session's role first, as the backend does. */
  const adminOnly = (fn) => (args, b) => {
    if (b.me.role !== "ADMIN") throw appError("forbidden", ONLY_ADMINS);
    return fn(args, b);
  };
  const accountOf = (userId) => {
    const found = backend.accounts.find((a) => a.id === userId);
    if (!found) throw appError("not_found", "No such user.");
    return found;
  };
  const admin = {
    reset_password: ({ code, newPassword }) => {
      const entry = backend.resetCodes.get(typeof code === "string" ? code.trim() : "");
      if ([...(newPassword ?? "")].length < 8) throw appError("validation", PASSWORD_TOO_SHORT);
      if (!entry || entry.used) throw appError("validation", RESET_CODE_INVALID);
      entry.used = true;
      backend.passwords.set(entry.userId, newPassword);
      return null;
    },
    admin_list_users: adminOnly(() => backend.accounts.map((a) => ({ ...a }))),
    admin_create_user: adminOnly(({ input }) => {
      if (backend.accounts.some((a) => a.username === input.username.trim())) throw appError("conflict", USERNAME_TAKEN);
      if (backend.accounts.some((a) => a.email === input.email.trim())) {
        throw appError("conflict", "That email address already has an account.");
      }
      if ([...input.password].length < 8) throw appError("validation", PASSWORD_TOO_SHORT);
      const created = {
        id: `u-new-${backend.nextAccount++}`,
        username: input.username.trim(),
        email: input.email.trim(),
        displayName: `${input.firstName.trim()} ${input.lastName.trim()}`,
        role: input.role,
        department: input.department?.trim() || null,
        isActive: true,
        lockedUntil: null,
        failedSignIns: 0,
        emailVerified: false,
        mfaEnabled: false,
      };
      backend.accounts = [...backend.accounts, created];
      return { ...created };
    }),
    admin_update_user: adminOnly(({ userId, change }, b) => {
      const target = accountOf(userId);
      if (userId === b.me.id && (change.role !== "ADMIN" || !change.isActive)) {
        throw appError("validation", NO_SELF_DEMOTION);
      }
      Object.assign(target, { role: change.role, department: change.department?.trim() || null, isActive: change.isActive });
      return null;
    }),
    admin_unlock: adminOnly(({ userId }) => {
      Object.assign(accountOf(userId), { lockedUntil: null, failedSignIns: 0 });
      return null;
    }),
    admin_issue_reset: adminOnly(({ userId }) => {
      const target = accountOf(userId);
      return backend.issueResetCode(target.id, `RST-${String(backend.resetCodes.size + 1).padStart(4, "0")}-${target.username}`);
    }),
  };
  /** What the server does with each of the five writes (the outbox sends through these). */
  const file = Object.fromEntries(
    Object.entries(OUTBOX_WRITES).map(([cmd, { kind, arg }]) => [kind, (input) => defaults[cmd]({ [arg]: input }, backend)]),
  );
  /** The default handlers, for overrides that wrap them (e.g. hold a command until the test says so). */
  backend.defaults = { ...defaults, ...admin, ...outboxHandlers(backend, file) };
  const all = { ...backend.defaults, ...handlers };

  /** Exposed to the page as window.__ipc; replies { ok } or { err }. */
  backend.handle = async (cmd, args) => {
    backend.calls.push({ cmd, args });
    const handler = all[cmd];
    if (!handler) return { err: `command ${cmd} not found` };
    if (backend.me === null && !OPEN_COMMANDS.has(cmd)) {
      return { err: { code: "unauthenticated", message: "Not signed in" } };
    }
    try {
      return { ok: (await handler(args, backend)) ?? null };
    } catch (e) {
      if (e instanceof Reject) return { err: e.value };
      throw e;
    }
  };
  return backend;
}
