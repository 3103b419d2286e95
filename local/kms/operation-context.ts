/** What every KMS stand-in operation receives and returns, apart from the operations table. */
import type { KeyStore } from './key-store.ts';

export interface OperationContext {
  readonly store: KeyStore;
  /** Cryptographically random bytes, for key material, IVs and data keys. */
  readonly randomBytes: (size: number) => Buffer;
  /** A fresh UUID for a new key. */
  readonly newKeyId: () => string;
  readonly now: () => Date;
}

export type ResponseFields = Record<string, unknown>;
