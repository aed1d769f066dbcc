// Test-only entry: installs a fake Tauri IPC that forwards every command to the
// Node test (window.__ipc, exposed with page.exposeFunction), then boots the real app.
// Never part of the production bundle (it is built separately by tests/helpers/build.mjs).
import { Channel, type InvokeArgs, type InvokeOptions } from "@tauri-apps/api/core";
import { emit } from "@tauri-apps/api/event";
import { mockIPC } from "@tauri-apps/api/mocks";

type Reply = { ok: unknown } | { err: unknown };

interface Internals {
  invoke: (cmd: string, args?: InvokeArgs, options?: InvokeOptions) => Promise<unknown>;
  runCallback: (id: number, data: unknown) => void;
}

declare global {
  interface Window {
    __ipc: (cmd: string, args: unknown) => Promise<Reply>;
    __emit: (event: string, payload: unknown) => Promise<void>;
    /** Sends `message` on the Channel with this id, as the Rust side of a command would. */
    __channelSend: (id: number, message: unknown) => void;
    __TAURI_INTERNALS__: Internals;
  }
}

/**
 * What crosses to Node: a raw body (upload_chunk) becomes its size, first byte and the
 * request headers; a Channel becomes `{ channel: id }` that a test can send on.
 */
function toWire(args: InvokeArgs | undefined, options: InvokeOptions | undefined): unknown {
  if (args instanceof Uint8Array || args instanceof ArrayBuffer || Array.isArray(args)) {
    const bytes = args instanceof ArrayBuffer ? new Uint8Array(args) : args;
    return { rawSize: bytes.length, firstByte: bytes.length > 0 ? bytes[0] : null, headers: Object.fromEntries(new Headers(options?.headers)) };
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args ?? {})) out[key] = value instanceof Channel ? { channel: value.id } : value;
  // Through JSON, as Tauri sends it: absent optional fields (undefined) disappear.
  return JSON.parse(JSON.stringify(out));
}

mockIPC(
  async (cmd, args) => {
    const reply = await window.__ipc(cmd, args ?? {});
    if ("err" in reply) throw reply.err;
    return reply.ok;
  },
  { shouldMockEvents: true },
);

// mockIPC drops invoke's options and hands Channels over as objects: forward both in a form Node can read.
const internals = window.__TAURI_INTERNALS__;
const mockedInvoke = internals.invoke;
internals.invoke = (cmd, args, options) =>
  cmd.startsWith("plugin:") ? mockedInvoke(cmd, args, options) : mockedInvoke(cmd, toWire(args, options) as InvokeArgs, options);

const channelIndex = new Map<number, number>();
window.__channelSend = (id, message) => {
  const index = channelIndex.get(id) ?? 0;
  channelIndex.set(id, index + 1);
  internals.runCallback(id, { index, message });
};

window.__emit = (event, payload) => emit(event, payload);

void import("../../src/main");
