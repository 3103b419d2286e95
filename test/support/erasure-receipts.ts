/** Erasure receipts for the integrity tests: one that erased a single record, as asked. */
import type { ErasureReceipt } from '../../ops/erasure/erasure-receipt.ts';

/** A receipt of one record erased by delivery id; `overrides` set the rest. */
export function erasureReceipt(
  overrides: Partial<ErasureReceipt> & Pick<ErasureReceipt, 'requestedAtMs' | 'respondedAtMs'>,
): ErasureReceipt {
  return {
    receiptId: 'rcpt-1',
    actor: 'local:ops',
    request: { kind: 'delivery', deliveryId: 'evt_1' },
    response: 'erased',
    done: {
      recordsErased: 1,
      recordsAlreadyErased: 0,
      recordsNotFound: 0,
      payloadCopiesDeleted: 0,
      bodyObjectsDeleted: 0,
    },
    retained: [],
    notReached: [],
    ...overrides,
  };
}
