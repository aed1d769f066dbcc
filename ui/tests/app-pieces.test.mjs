// The pieces App.svelte is composed of (issue 17), unit-tested on their own: the keyboard
// shortcuts (a pure mapping from a key press and what is on screen to an action), the session
// transitions (who is signed in, what is forgotten on the way) and the event subscriptions.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { importTs } from "./helpers/ts.mjs";

let shortcuts;
let session;
let events;
before(async () => {
  shortcuts = await importTs("src/app/shortcuts.ts");
  session = await importTs("src/app/sessionState.ts");
  events = await importTs("src/app/events.ts");
});

// --- Shortcuts ---------------------------------------------------------------------------

const press = (key, extra = {}) => ({ key, ctrlKey: false, metaKey: false, altKey: false, defaultPrevented: false, ...extra });
const ctx = (extra = {}) => ({
  queueHasKeys: true,
  typing: false,
  onPage: true,
  selectedId: null,
  openId: null,
  pendingOpen: false,
  ...extra,
});

test("shortcuts: each key of the keymap maps to its action", () => {
  const { shortcutFor } = shortcuts;
  assert.deepEqual(shortcutFor(press("j"), ctx()), { kind: "move", delta: 1 });
  assert.deepEqual(shortcutFor(press("k"), ctx()), { kind: "move", delta: -1 });
  assert.deepEqual(shortcutFor(press("c"), ctx()), { kind: "create" });
  assert.deepEqual(shortcutFor(press("/"), ctx()), { kind: "search" });
  assert.deepEqual(shortcutFor(press("Enter"), ctx({ selectedId: "t-2" })), { kind: "open", ticketId: "t-2" });
  assert.deepEqual(shortcutFor(press("a"), ctx({ openId: "t-1" })), { kind: "acknowledge" });
  assert.deepEqual(shortcutFor(press("Escape"), ctx({ openId: "t-1" })), { kind: "closeDetail" });
  assert.deepEqual(shortcutFor(press("Escape"), ctx({ pendingOpen: true })), { kind: "closePending" });
  assert.deepEqual(shortcutFor(press("Escape"), ctx({ openId: "t-1", pendingOpen: true })), { kind: "closeDetail" }, "the ticket first");
  assert.deepEqual(
    shortcuts.KEYMAP.map((b) => b.key),
    ["j", "k", "Enter", "c", "a", "/", "Escape"],
    "the keymap is data, one row a key",
  );
});

test("shortcuts: keys that have nothing to act on are not shortcuts", () => {
  const { shortcutFor } = shortcuts;
  assert.equal(shortcutFor(press("Enter"), ctx()), null, "Enter with nothing selected");
  assert.equal(shortcutFor(press("Enter"), ctx({ selectedId: "t-2", onPage: false })), null, "a row or button handles its own Enter");
  assert.equal(shortcutFor(press("a"), ctx()), null, "a without an open ticket");
  assert.equal(shortcutFor(press("Escape"), ctx()), null, "Escape with nothing open");
  assert.equal(shortcutFor(press("x"), ctx()), null, "not in the keymap");
  assert.equal(shortcutFor(press("J"), ctx()), null, "keys are case-sensitive");
  assert.equal(shortcutFor(press("toString"), ctx()), null, "no prototype keys");
});

test("shortcuts: nothing fires while typing, with a modifier, when handled, or when the queue does not have the keys", () => {
  const { shortcutFor } = shortcuts;
  const all = ["j", "k", "Enter", "c", "a", "/", "Escape"];
  const open = { selectedId: "t-1", openId: "t-1" };
  for (const key of all) {
    assert.notEqual(shortcutFor(press(key), ctx(open)), null, `${key} fires in the plain case`);
    assert.equal(shortcutFor(press(key), ctx({ ...open, typing: true })), null, `${key} while typing`);
    assert.equal(shortcutFor(press(key), ctx({ ...open, queueHasKeys: false })), null, `${key} behind a dialog or on another screen`);
    assert.equal(shortcutFor(press(key, { defaultPrevented: true }), ctx(open)), null, `${key} already handled`);
    for (const modifier of ["ctrlKey", "metaKey", "altKey"]) {
      assert.equal(shortcutFor(press(key, { [modifier]: true }), ctx(open)), null, `${modifier}+${key}`);
    }
  }
});

test("shortcuts: j/k step through the list and stop at its ends", () => {
  const { stepSelection } = shortcuts;
  const ids = ["t-3", "t-2", "t-1"];
  assert.equal(stepSelection(ids, null, 1), "t-3", "the first row when none is selected");
  assert.equal(stepSelection(ids, null, -1), "t-3");
  assert.equal(stepSelection(ids, "t-3", 1), "t-2");
  assert.equal(stepSelection(ids, "t-1", 1), "t-1", "stays on the last row");
  assert.equal(stepSelection(ids, "t-3", -1), "t-3", "stays on the first row");
  assert.equal(stepSelection(ids, "gone", -1), "t-3", "a selection no longer listed starts over");
  assert.equal(stepSelection([], "t-1", 1), null, "an empty queue");
});

// --- Session transitions -------------------------------------------------------------------

const ADA = { id: "u-ada", username: "ada", displayName: "Ada Admin", role: "ADMIN" };
const DORA = { id: "u-dora", username: "dora", displayName: "Dora DevOps", role: "DEVOPS_ENGINEER" };

test("session: the first sign-in enters the app afresh", () => {
  const { INITIAL_SESSION, signedIn, noSession } = session;
  assert.deepEqual(INITIAL_SESSION, { phase: "connecting", me: null, signInNote: null, previousUserId: null });
  assert.deepEqual(noSession(INITIAL_SESSION), { ...INITIAL_SESSION, phase: "sign-in" });
  const step = signedIn(noSession(INITIAL_SESSION), ADA);
  assert.deepEqual(step, {
    forgetView: true,
    dropData: false,
    state: { phase: "app", me: ADA, signInNote: null, previousUserId: "u-ada" },
  });
});

test("session: after the session ends the same user gets their view back, someone else does not", () => {
  const { INITIAL_SESSION, signedIn, sessionEnded, SESSION_ENDED } = session;
  const inApp = signedIn(INITIAL_SESSION, ADA).state;
  const ended = sessionEnded(inApp);
  assert.deepEqual(ended, {
    forgetView: false,
    dropData: true,
    state: { phase: "sign-in", me: null, signInNote: SESSION_ENDED, previousUserId: "u-ada" },
  });
  assert.equal(SESSION_ENDED, "Your session has ended; sign in again.");

  const again = signedIn(ended.state, ADA);
  assert.equal(again.forgetView, false, "Ada's view and draft come back");
  assert.equal(again.state.signInNote, null, "the note goes");
  assert.equal(signedIn(ended.state, DORA).forgetView, true, "Dora does not see Ada's view");
});

test("session: the session ending outside the app changes nothing", () => {
  const { INITIAL_SESSION, noSession, sessionEnded } = session;
  assert.equal(sessionEnded(INITIAL_SESSION), null, "while connecting");
  assert.equal(sessionEnded(noSession(INITIAL_SESSION)), null, "on the sign-in screen");
});

test("session: signing out forgets everything, so even the same user starts afresh", () => {
  const { signedIn, signedOut } = session;
  const out = signedOut();
  assert.deepEqual(out, { forgetView: true, dropData: true, state: { phase: "sign-in", me: null, signInNote: null, previousUserId: null } });
  assert.equal(signedIn(out.state, ADA).forgetView, true);
});

test("session: each screen for the roles that may see it", () => {
  const { mayView, viewFor } = session;
  const roles = ["END_USER", "DEVOPS_ENGINEER", "SENIOR_ENGINEER", "TEAM_LEAD", "MANAGER", "ADMIN"];
  const seen = (view) => roles.filter((role) => mayView(role, view));
  assert.deepEqual(seen("queue"), roles);
  assert.deepEqual(seen("admin"), ["ADMIN"]);
  assert.deepEqual(seen("sla"), ["MANAGER", "ADMIN"]);
  assert.deepEqual(seen("escalations"), ["TEAM_LEAD", "MANAGER", "ADMIN"]);
  assert.equal(mayView(undefined, "queue"), false, "no one signed in");
  assert.equal(viewFor("ADMIN", "admin"), "admin");
  assert.equal(viewFor("MANAGER", "admin"), "queue", "a role changed while signed out");
  assert.equal(viewFor("TEAM_LEAD", "escalations"), "escalations");
  assert.equal(viewFor("END_USER", "sla"), "queue");
});

test("session: forgetting offline data asks once for each count of unsent items", () => {
  const { forgetClick } = session;
  assert.deepEqual(forgetClick(0, 0), { confirming: 0, signOut: true }, "nothing unsent: at once");
  assert.deepEqual(forgetClick(0, 2), { confirming: 2, signOut: false }, "first click says how many");
  assert.deepEqual(forgetClick(2, 2), { confirming: 0, signOut: true }, "second click signs out");
  assert.deepEqual(forgetClick(2, 3), { confirming: 3, signOut: false }, "a new count asks again");
});

// --- Event subscriptions ------------------------------------------------------------------

function fakeSources({ failing = [] } = {}) {
  const slots = { sessionEnded: null, outboxSent: null };
  const listeners = {};
  const stopped = [];
  const listen = (name) => (handler) => {
    if (failing.includes(name)) return Promise.reject(new Error(`no ${name}`));
    listeners[name] = handler;
    return Promise.resolve(() => {
      stopped.push(name);
      delete listeners[name];
    });
  };
  return {
    slots,
    listeners,
    stopped,
    sources: {
      sessionEnded: (h) => (slots.sessionEnded = h),
      outboxSent: (h) => (slots.outboxSent = h),
      outbox: listen("outbox"),
      notification: listen("notification"),
      ticketsChanged: listen("ticketsChanged"),
      connection: listen("connection"),
      openTicket: listen("openTicket"),
      linkOpened: listen("linkOpened"),
    },
  };
}

function recordingHandlers() {
  const calls = [];
  const names = ["sessionEnded", "outboxSent", "outbox", "notification", "ticketsChanged", "connection", "openTicket", "linkOpened"];
  return { calls, handlers: Object.fromEntries(names.map((n) => [n, (...args) => calls.push([n, ...args])])) };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test("events: every event reaches its handler, and one call stops them all", async () => {
  const fake = fakeSources();
  const { calls, handlers } = recordingHandlers();
  const failures = [];
  const stop = events.subscribeAll(fake.sources, handlers, (e) => failures.push(e));
  await settle();

  fake.slots.sessionEnded();
  fake.slots.outboxSent([{ id: "o-1" }]);
  fake.listeners.outbox([]);
  fake.listeners.notification({ message: "hi" });
  fake.listeners.ticketsChanged(null);
  fake.listeners.connection(false);
  fake.listeners.openTicket("t-1");
  fake.listeners.linkOpened();
  assert.deepEqual(calls, [
    ["sessionEnded"],
    ["outboxSent", [{ id: "o-1" }]],
    ["outbox", []],
    ["notification", { message: "hi" }],
    ["ticketsChanged", null],
    ["connection", false],
    ["openTicket", "t-1"],
    ["linkOpened"],
  ]);
  assert.deepEqual(failures, []);

  stop();
  await settle();
  assert.deepEqual(fake.slots, { sessionEnded: null, outboxSent: null }, "the callback slots are cleared");
  assert.deepEqual(fake.stopped.sort(), ["connection", "linkOpened", "notification", "openTicket", "outbox", "ticketsChanged"]);
  assert.deepEqual(Object.keys(fake.listeners), []);
});

test("events: a subscription that fails is reported and the others still work", async () => {
  const fake = fakeSources({ failing: ["notification"] });
  const { calls, handlers } = recordingHandlers();
  const failures = [];
  const stop = events.subscribeAll(fake.sources, handlers, (e) => failures.push(e.message));
  await settle();
  assert.deepEqual(failures, ["no notification"]);
  fake.listeners.connection(true);
  assert.deepEqual(calls, [["connection", true]]);
  stop();
  await settle();
  assert.equal(fake.stopped.length, 5, "the failed one has nothing to stop");
});
