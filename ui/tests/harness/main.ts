// Test-only entry: installs a fake Tauri IPC that forwards every command to the
// Node test (window.__ipc, exposed with page.exposeFunction), then boots the real app.
// Never part of the production bundle (it is built separately by tests/helpers/build.mjs).
import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";

type Reply = { ok: unknown } | { err: unknown };

declare global {
  interface Window {
    __ipc: (cmd: string, args: unknown) => Promise<Reply>;
    __emit: (event: string, payload: unknown) => Promise<void>;
  }
}

mockIPC(
  async (cmd, args) => {
    const reply = await window.__ipc(cmd, args ?? {});
    if ("err" in reply) throw reply.err;
    return reply.ok;
  },
  { shouldMockEvents: true },
);

window.__emit = (event, payload) => emit(event, payload);

void import("../../src/main");
