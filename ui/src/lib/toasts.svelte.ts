export type ToastKind = "info" | "success" | "error";
export interface Toast {
  id: number;
  kind: ToastKind;
  title: string | null;
  message: string;
  action: { label: string; run: () => void } | null;
}

export const TOAST_MS = 6000;
let nextId = 1;
const timers = new Map<number, ReturnType<typeof setTimeout>>();

export const toasts = $state<{ items: Toast[] }>({ items: [] });

export function dismissToast(id: number): void {
  clearTimeout(timers.get(id));
  timers.delete(id);
  toasts.items = toasts.items.filter((t) => t.id !== id);
}

export function showToast(
  message: string,
  opts: { kind?: ToastKind; title?: string | null; action?: Toast["action"] } = {},
): number {
  const id = nextId++;
  const toast: Toast = {
    id,
    kind: opts.kind ?? "info",
    title: opts.title ?? null,
    message,
    action: opts.action ?? null,
  };
  // Newest last; keep at most five on screen.
  toasts.items = [...toasts.items, toast].slice(-5);
  timers.set(id, setTimeout(() => dismissToast(id), TOAST_MS));
  return id;
}
