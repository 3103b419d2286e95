/**
 * A value read from a live stack, or why it could not be read, with when it was asked: the
 * shape every live reading of the report takes (live.ts, live-resources.ts), and how a failed
 * call is named.
 */

/**
 * A value read from the stack, or why it could not be read (the action and the error), with
 * when it was asked: each piece of live evidence carries its own time.
 */
export type Observed<T> =
  | { readonly value: T; readonly readAt?: string }
  | { readonly unavailable: string; readonly readAt?: string };

/** The value `read` gives, stamped with when it was asked, or why it could not be read. */
export async function observe<T>(action: string, read: () => Promise<T>): Promise<Observed<T>> {
  const readAt = new Date().toISOString();
  try {
    return { value: await read(), readAt };
  } catch (error) {
    return { unavailable: failure(action, error), readAt };
  }
}

/**
 * `permission missing: <action> (AccessDeniedException)`, or `<action> failed (<name>: <message>)`:
 * how the report, and the self-audit's checks that could not run, name a failed call.
 */
export function failure(action: string, error: unknown): string {
  const name = error instanceof Error ? error.name : 'unknown error';
  return /AccessDenied|Unauthorized|NotAuthorized|Forbidden/i.test(name)
    ? `permission missing: ${action} (${name})`
    : `${action} failed (${name}${error instanceof Error && error.message ? `: ${error.message}` : ''})`;
}
