/** The backend's rule for a new password (domain/password.rs), checked here first to save a round trip. */
export const PASSWORD_MIN_CHARS = 8;
export const PASSWORD_MAX_CHARS = 1024;

/** What is wrong with a new password, or null; counts characters the way Rust's `chars()` does. */
export function newPasswordProblem(password: string): string | null {
  const chars = [...password].length;
  if (chars < PASSWORD_MIN_CHARS) return `A password needs at least ${PASSWORD_MIN_CHARS} characters.`;
  if (chars > PASSWORD_MAX_CHARS) return `A password may have at most ${PASSWORD_MAX_CHARS} characters.`;
  return null;
}
