/** Errors for misuse of the core. A forged or malformed delivery is a rejection, never an error. */

/** The named scheme is not in the registry. */
export class UnknownSchemeError extends Error {
  override readonly name = 'UnknownSchemeError';
  readonly code = 'unknown_scheme';
  constructor(
    readonly scheme: string,
    options?: ErrorOptions,
  ) {
    super(`unknown scheme '${scheme}'`, options);
  }
}

/** A scheme option is missing, unknown or out of range. The message names the option, not its value when secret. */
export class SchemeOptionsError extends Error {
  override readonly name = 'SchemeOptionsError';
  readonly code = 'invalid_options';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A synchronous verification was asked of a scheme that must look keys up asynchronously. */
export class AsyncSchemeError extends Error {
  override readonly name = 'AsyncSchemeError';
  readonly code = 'async_scheme';
  constructor(readonly scheme: string) {
    super(`scheme '${scheme}' resolves keys asynchronously; use verifyDelivery`);
  }
}
