/**
 * How SQS, S3 and KMS bill the calls the meter recorded: SQS by each 64 KB chunk of a request's
 * payload (body and attributes), S3 by request class, KMS by call.
 */
import type { SdkCall } from './sdk-meter.ts';

/** SQS bills each 64 KB chunk of a request's payload as one request. */
export const sqsChunkBytes = 65_536;

/** Requests SQS bills for one call; 0 for anything but a send. */
export function sqsRequests(call: SdkCall): number {
  if (call.service !== 'SQS') return 0;
  const payload = sqsPayloadBytes(call);
  return payload === undefined ? 1 : Math.max(1, Math.ceil(payload / sqsChunkBytes));
}

/**
 * The payload of a send: message bodies and their attributes (names, types and values), summed
 * over a batch's entries. Undefined for calls that carry no message (each is one request).
 */
export function sqsPayloadBytes(call: SdkCall): number | undefined {
  if (call.command === 'SendMessage') return messageBytes(call.input);
  if (call.command === 'SendMessageBatch') {
    const entries = (call.input.Entries ?? []) as Readonly<Record<string, unknown>>[];
    return entries.reduce((sum, entry) => sum + messageBytes(entry), 0);
  }
  return undefined;
}

function messageBytes(message: Readonly<Record<string, unknown>>): number {
  return (
    Buffer.byteLength(String(message.MessageBody ?? '')) +
    attributeBytes(message.MessageAttributes) +
    attributeBytes(message.MessageSystemAttributes)
  );
}

interface MessageAttribute {
  readonly DataType?: string;
  readonly StringValue?: string;
  readonly BinaryValue?: Uint8Array;
}

function attributeBytes(attributes: unknown): number {
  return Object.entries((attributes ?? {}) as Record<string, MessageAttribute>).reduce(
    (sum, [name, value]) =>
      sum +
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType ?? '') +
      Buffer.byteLength(value.StringValue ?? '') +
      (value.BinaryValue?.byteLength ?? 0),
    0,
  );
}

const s3PutClass = [
  'PutObject',
  'CopyObject',
  'PostObject',
  'ListObjects',
  'ListObjectsV2',
  'CreateMultipartUpload',
  'UploadPart',
  'CompleteMultipartUpload',
];
const s3GetClass = ['GetObject', 'HeadObject', 'SelectObjectContent'];

/** The S3 request class a call is billed in; undefined for free ones (a delete) and other services. */
export function s3RequestClass(call: SdkCall): 'put' | 'get' | undefined {
  if (call.service !== 'S3') return undefined;
  if (s3PutClass.includes(call.command)) return 'put';
  if (s3GetClass.includes(call.command)) return 'get';
  return undefined;
}
