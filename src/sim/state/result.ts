/** What a state change returns: the kernel's (or the tool's) refusal is a value, never a throw. */
export type Result<T = undefined> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly message: string };

export const ok = <T = undefined>(value?: T): Result<T> => ({ ok: true, value: value as T });
export const fail = (message: string): { readonly ok: false; readonly message: string } => ({
  ok: false,
  message,
});
