import type { ApiError } from "./api";

/** The one error shown outside of forms, with an optional way to try again. */
export const banner = $state<{ error: ApiError | null; retry: (() => void) | null }>({
  error: null,
  retry: null,
});

export function showError(error: ApiError, retry: (() => void) | null = null): void {
  banner.error = error;
  banner.retry = retry;
}

export function clearError(): void {
  banner.error = null;
  banner.retry = null;
}
