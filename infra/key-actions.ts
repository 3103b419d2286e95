/**
 * KMS actions by what they do with a key, defined once for the key policies that grant them
 * (key-policies.ts) and the compliance rule that judges those grants. Plain data with no CDK
 * import, so compliance/ may read it.
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/kms-api-permissions-reference.html
 */

/** What a service needs of a symmetric key to keep data under it, and to read it back. */
export const symmetricDataActions = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
] as const;

/** Every action that uses a key on data, as opposed to managing it. */
export const keyDataActions = [
  ...symmetricDataActions,
  'kms:GenerateDataKeyPair',
  'kms:GenerateDataKeyPairWithoutPlaintext',
] as const;
