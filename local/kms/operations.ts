/**
 * The KMS operations the stand-in implements, by the name after `TrentService.` in
 * `X-Amz-Target`. Each is a function of a key store and a request body that returns the
 * response body. No I/O: randomness and the clock come in through the context, and the server
 * persists the store after an operation marked `mutates`.
 * Shapes follow the KMS API reference: https://docs.aws.amazon.com/kms/latest/APIReference/
 */
import { createAlias, listAliases } from './alias-operations.ts';
import {
  decrypt,
  encrypt,
  generateDataKey,
  generateDataKeyWithoutPlaintext,
  reEncrypt,
} from './crypto-operations.ts';
import {
  createKey,
  describeKey,
  disableKey,
  disableKeyRotation,
  enableKey,
  enableKeyRotation,
  getKeyRotationStatus,
  scheduleKeyDeletion,
} from './key-operations.ts';
import type { OperationContext, ResponseFields } from './operation-context.ts';
import { getPublicKey, sign, verify } from './signing-operations.ts';
import type { RequestFields } from './wire-fields.ts';

export interface Operation {
  /** Whether the operation changes the store, so the server must persist it before answering. */
  readonly mutates: boolean;
  readonly run: (context: OperationContext, fields: RequestFields) => ResponseFields;
}

export const operations: Readonly<Record<string, Operation>> = {
  CreateKey: { mutates: true, run: createKey },
  DescribeKey: { mutates: false, run: describeKey },
  EnableKey: { mutates: true, run: enableKey },
  DisableKey: { mutates: true, run: disableKey },
  ScheduleKeyDeletion: { mutates: true, run: scheduleKeyDeletion },
  EnableKeyRotation: { mutates: true, run: enableKeyRotation },
  DisableKeyRotation: { mutates: true, run: disableKeyRotation },
  GetKeyRotationStatus: { mutates: false, run: getKeyRotationStatus },
  CreateAlias: { mutates: true, run: createAlias },
  ListAliases: { mutates: false, run: listAliases },
  Encrypt: { mutates: false, run: encrypt },
  Decrypt: { mutates: false, run: decrypt },
  GenerateDataKey: { mutates: false, run: generateDataKey },
  GenerateDataKeyWithoutPlaintext: { mutates: false, run: generateDataKeyWithoutPlaintext },
  ReEncrypt: { mutates: false, run: reEncrypt },
  Sign: { mutates: false, run: sign },
  Verify: { mutates: false, run: verify },
  GetPublicKey: { mutates: false, run: getPublicKey },
};

/** The operation named `name`, or undefined; never a property of Object.prototype. */
export function findOperation(name: string): Operation | undefined {
  return Object.hasOwn(operations, name) ? operations[name] : undefined;
}
