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
  "Sign-in failed: wrong username, password or authentication code, or the account is locked for a while.";
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
    ...rest,
  };
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
    }),
    ticket(2, { title: "Need VPN access", status: "NEW", priority: "P4_LOW", category: "ACCESS_REQUEST", ageMinutes: 180 }),
    ticket(1, { title: "Disk almost full on db-02", status: "ESCALATED", priority: "P2_HIGH", assignee: ref(USERS[1]), ageMinutes: 2 * 24 * 60 }),
  ];
}

export function detailFor(summary) {
  const t0 = Date.parse(summary.createdAt);
  return {
    ticket: summary,
    description: `Description of ${summary.title}.\nSecond line.`,
    resolutionNotes: null,
    dueDate: "2030-01-15T12:00:00Z",
    tags: ["infra", "urgent"],
    version: 3,
    comments: [
      { id: "c1", author: ref(USERS[3]), content: "Public comment: still broken", isInternal: false, createdAt: new Date(t0 + MIN).toISOString() },
      { id: "c2", author: ref(USERS[2]), content: "Internal note: check the hypervisor", isInternal: true, createdAt: new Date(t0 + 2 * MIN).toISOString() },
    ],
    history: [
      { id: "h1", actor: ref(USERS[3]), action: "CREATED", fieldChanged: null, oldValue: null, newValue: null, reason: null, at: summary.createdAt },
      // Values are JSON text, as ticket_history stores them.
      { id: "h2", actor: ref(USERS[2]), action: "STATUS_CHANGED", fieldChanged: "status", oldValue: '"OPEN"', newValue: '"IN_PROGRESS"', reason: "Picked up", at: new Date(t0 + 3 * MIN).toISOString() },
      { id: "h3", actor: ref(USERS[3]), action: "ASSIGNED", fieldChanged: "assignee_id", oldValue: null, newValue: JSON.stringify({ id: USERS[2].id, displayName: USERS[2].displayName }), reason: null, at: new Date(t0 + 4 * MIN).toISOString() },
    ],
  };
}

/** Throw this from a handler to make the command reject with an AppError. */
export class Reject {
  constructor(value) {
    this.value = value;
  }
}
export const appError = (code, message) => new Reject({ code, message });

/** Commands that work without a session; every other one rejects with `unauthenticated` then. */
const OPEN_COMMANDS = new Set(["current_user", "sign_in", "sign_out", "reset_password"]);

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
  handlers = {},
} = {}) {
  const backend = {
    me,
    users: USERS,
    tickets,
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
    nextNumber: 100,
    nextAccount: 1,
    /** Hands out a reset code as if an admin had issued it (for sign-in screen tests). */
    issueResetCode: (userId, code = `RST-${backend.resetCodes.size + 1}-${userId}`) => {
      backend.resetCodes.set(code, { userId, used: false });
      return code;
    },
    callsOf: (cmd) => backend.calls.filter((c) => c.cmd === cmd).map((c) => c.args),
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
    sign_out: () => {
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
      const limit = query.limit ?? 50;
      const start = query.after ? backend.tickets.findIndex((t) => t.id === query.after) + 1 : 0;
      const page = backend.tickets.slice(start, start + limit);
      const more = start + limit < backend.tickets.length;
      return { tickets: page, nextCursor: more ? page[page.length - 1].id : null };
    },
    get_ticket: ({ ticketId }) => {
      const t = backend.tickets.find((x) => x.id === ticketId);
      if (!t) throw appError("not_found", `Ticket ${ticketId} not found`);
      return detailFor(t);
    },
    create_ticket: ({ input }) => {
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
  const all = { ...defaults, ...admin, ...handlers };

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
