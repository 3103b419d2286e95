/**
 * The queue message for an accepted delivery: a JSON envelope around the raw body (or, for a
 * body over `maxInlineBodyBytes`, around a pointer to it in the payload bucket), plus the
 * message attributes consumers filter on and the FIFO ids. Pure code: the SQS adapter sends
 * what this builds, and the S3 adapter (body-objects.ts) keeps the bodies it points to.
 */

import { createHash } from 'node:crypto';
import { isCredentialHeader } from '../config/headers.ts';
import {
  envelopeReserveBytes,
  maxBodySizeBytes,
  maxInlineBodyBytes,
  queueMaxMessageBytes,
} from '../config/limits.ts';
import { HeaderMap } from '../verify/headers.ts';
import { schemes } from '../verify/schemes/index.ts';
import type { HeaderInput } from '../verify/types.ts';
import { deliveryMessageIds } from './deduplication.ts';
import {
  BodyInBucketError,
  BodyObjectMismatchError,
  BodyTooLargeError,
  EnvelopeInputError,
  InvalidEnvelopeError,
} from './errors.ts';

/** How an inline body travels: as text, or base64 when it is not UTF-8 or would not fit as text. */
export type BodyEncoding = 'utf8' | 'base64';

/** `s3`: the body is not in the message but in the payload bucket, at `bodyObject`. */
export type BodyPlacement = BodyEncoding | 's3';

/** Where a body too large for the message is kept: a claim check. */
export interface BodyObject {
  readonly bucket: string;
  readonly key: string;
  /** The body's length in bytes, exactly as received. */
  readonly sizeBytes: number;
  /** SHA-256 of the body, 64 lowercase hex digits. */
  readonly sha256: string;
}

/**
 * What `signed` may name: the envelope's fields a provider's signature can cover.
 * - `body`: the body's bytes are signed;
 * - `eventId`, `eventType`: that field's value is among the signed bytes (a signed header, or
 *   a field of a signed body);
 * - `timestamp`: a time the provider signed was within the scheme's tolerance of our clock on
 *   arrival, so the delivery cannot be replayed as is after it. The time itself travels as
 *   the provider sent it, in a copied header or in the body.
 */
export const signedFieldNames = ['body', 'eventId', 'eventType', 'timestamp'] as const;

export type SignedField = (typeof signedFieldNames)[number];

/** The fields every envelope has, whatever carries its body. Header names are lower case. */
interface EnvelopeFields {
  readonly envelopeVersion: 1;
  /**
   * Our id for the delivery, what consumers de-duplicate on: the provider's id only where its
   * signature covers it, else `sha256:<hex>` of the body, so that an unsigned id cannot make
   * a replay look new.
   */
  readonly deliveryId: string;
  readonly providerId: string;
  readonly scheme: string;
  /**
   * The provider's id for the event or delivery, as it named it (a header, else the body),
   * whether or not its signature covers it: information, e.g. GitHub's X-GitHub-Delivery.
   * @default - absent when the delivery names none
   */
  readonly eventId?: string;
  /** The provider's event type, signed or not. @default - absent when the delivery names none */
  readonly eventType?: string;
  /**
   * Which of these fields the provider's signature covers ({@link signedFieldNames}), in that
   * order; a field it leaves out may have been changed by whoever replayed the delivery. Added
   * within version 1: a reader that predates it ignores it.
   * @default - absent: not known (a message written before it, or by `webhooks replay`); read
   * it as nothing signed
   */
  readonly signed?: readonly SignedField[];
  /** ISO 8601, UTC, to the millisecond. */
  readonly receivedAt: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** The JSON message body, field by field: the body inline, or a pointer to it. */
export type EnvelopeDocument = EnvelopeFields &
  (
    | { readonly bodyEncoding: BodyEncoding; readonly body: string }
    | { readonly bodyEncoding: 's3'; readonly bodyObject: BodyObject }
  );

/** An envelope as a consumer reads it: the body back as the exact bytes received. */
export interface Envelope extends EnvelopeFields {
  readonly bodyEncoding: BodyPlacement;
  readonly body: Buffer;
  /** Where the body was fetched from. @default - absent: the body was in the message */
  readonly bodyObject?: BodyObject;
}

/** A message attribute as SQS's `SendMessage` takes it. */
export interface StringAttribute {
  readonly DataType: 'String';
  readonly StringValue: string;
}

/** What the SQS adapter sends: `MessageBody`, `MessageAttributes` and the FIFO ids. */
export interface QueueMessage {
  readonly body: string;
  readonly attributes: Readonly<Record<string, StringAttribute>>;
  /** `MessageGroupId`: the delivery's own group (deduplication.ts). */
  readonly groupId: string;
  /** `MessageDeduplicationId`: the same for every attempt at one delivery. */
  readonly deduplicationId: string;
}

export interface EnvelopeInput {
  /** Our id for the delivery: 1 to {@link maxIdentifierChars} characters. */
  readonly deliveryId: string;
  /** 1 to {@link maxIdentifierChars} characters. */
  readonly providerId: string;
  /** The scheme that verified the delivery, e.g. `stripe`. Same length rule as deliveryId. */
  readonly scheme: string;
  /** Cut to {@link maxIdentifierChars}. @default - none; an empty string counts as none */
  readonly eventId?: string | undefined;
  /** Cut to {@link maxIdentifierChars}. @default - none; an empty string counts as none */
  readonly eventType?: string | undefined;
  /**
   * What the provider's signature covers. `eventId` or `eventType` is kept only while the
   * envelope carries that field whole (not absent, not cut).
   * @default - not known: the envelope has no `signed`
   */
  readonly signed?: readonly SignedField[] | undefined;
  /** When the delivery arrived, in milliseconds since the Unix epoch (from the injected clock). */
  readonly receivedAtMs: number;
  /** The request headers as received, any letter case. */
  readonly headers: HeaderInput;
  /**
   * The request body as received: at most `maxBodySizeBytes`, and at most
   * `maxInlineBodyBytes` unless it is kept in the payload bucket (`bodyObject`).
   */
  readonly body: Uint8Array;
  /**
   * Names of the headers to copy, any case. A name that looks like a credential is never
   * copied, even when listed here (see {@link isCredentialHeader}).
   * @default - defaultSelectedHeaders(scheme)
   */
  readonly selectedHeaders?: readonly string[];
}

/**
 * Longest id, provider, scheme, event id or type kept, in UTF-16 code units. Our own ids longer
 * than this are refused; the provider's event id and type are cut to it, so that an odd header
 * can never make us refuse a genuine delivery.
 */
export const maxIdentifierChars = 256;

/**
 * Longest header value copied, in UTF-16 code units; longer values are cut. Headers are then
 * copied in the order selected while the envelope stays within `envelopeReserveBytes`; one that
 * would not fit is left out. With the ids at their longest, about 6 KB of headers always fit.
 */
export const maxHeaderValueChars = 1_024;

/**
 * The headers copied when the caller selects none: the scheme's own headers (ids, event types,
 * timestamps) except its credentials, then `content-type` and `user-agent`. The generic `hmac`
 * scheme's headers are configured per provider, so the caller must select them.
 */
export function defaultSelectedHeaders(scheme: string): string[] {
  const schemeHeaders = Object.hasOwn(schemes, scheme)
    ? schemes[scheme as keyof typeof schemes].headers
    : [];
  const names = [...schemeHeaders, 'content-type', 'user-agent'].map((name) => name.toLowerCase());
  return [...new Set(names)].filter((name) => !isCredentialHeader(name));
}

/** Refuses a body larger than `maxBodySizeBytes`; the HTTP edge answers 413. */
export function checkBodySize(byteLength: number): void {
  if (byteLength > maxBodySizeBytes) throw new BodyTooLargeError(byteLength, maxBodySizeBytes);
}

/** Whether a body of this length must travel in the payload bucket rather than the message. */
export function needsBodyObject(byteLength: number): boolean {
  return byteLength > maxInlineBodyBytes;
}

/** SHA-256 of a body, in hex: what a body object's key and the envelope's `sha256` carry. */
export function bodySha256(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

/** Bytes SQS counts against its size limit: the body and each attribute's name, type and value. */
export function messageSizeBytes(message: Pick<QueueMessage, 'body' | 'attributes'>): number {
  let size = Buffer.byteLength(message.body);
  for (const [name, attribute] of Object.entries(message.attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(attribute.DataType);
    size += Buffer.byteLength(attribute.StringValue);
  }
  return size;
}

/**
 * Builds the queue message for an accepted delivery. With `bodyObject`, the message points to
 * the body kept there (`bodyEncoding: "s3"`). Without, the body travels as text when it is
 * valid UTF-8 and the message still fits `queueMaxMessageBytes`, otherwise as base64; either
 * way {@link readEnvelope} gives back the exact bytes.
 *
 * @throws BodyTooLargeError when the body is over `maxBodySizeBytes`.
 * @throws EnvelopeInputError when a body over `maxInlineBodyBytes` comes without its object.
 * @example
 * const message = buildEnvelope({ deliveryId, providerId: 'acme', scheme: 'stripe',
 *   eventType: 'invoice.paid', receivedAtMs: clock(), headers, body });
 * await new QueueSender({ sqs, queueUrl }).send(message);
 */
export function buildEnvelope(input: EnvelopeInput, bodyObject?: BodyObject): QueueMessage {
  checkBodySize(input.body.byteLength);
  if (bodyObject === undefined && needsBodyObject(input.body.byteLength)) {
    throw new EnvelopeInputError(
      `a body of ${input.body.byteLength} bytes is over maxInlineBodyBytes (${maxInlineBodyBytes}): keep it in the payload bucket and pass its object`,
    );
  }
  const eventId = optionalIdentifier(input.eventId);
  const eventType = optionalIdentifier(input.eventType);
  const signed = input.signed && signedList(input.signed, input, { eventId, eventType });
  const fields: EnvelopeFields = {
    envelopeVersion: 1,
    deliveryId: requiredIdentifier('deliveryId', input.deliveryId),
    providerId: requiredIdentifier('providerId', input.providerId),
    scheme: requiredIdentifier('scheme', input.scheme),
    ...(eventId === undefined ? {} : { eventId }),
    ...(eventType === undefined ? {} : { eventType }),
    ...(signed === undefined ? {} : { signed }),
    receivedAt: isoTime(input.receivedAtMs),
    headers: {},
  };
  // Measured as base64, the longer name, so that the budget holds for either encoding; a
  // pointer to a body object is a few hundred bytes more, far within the message.
  const frame = { ...fields, bodyEncoding: 'base64', body: '' } as const;
  const attributes = messageAttributes(fields);
  const attributeBytes = messageSizeBytes({ body: '', attributes });
  const headerBudget = envelopeReserveBytes - attributeBytes - messageJsonBytes(frame);
  const selection = input.selectedHeaders ?? defaultSelectedHeaders(input.scheme);
  const headers = copyHeaders(input.headers, selection, headerBudget);
  const ids = deliveryMessageIds(fields.providerId, fields.deliveryId);
  const message = (document: EnvelopeDocument): QueueMessage => ({
    body: messageJson(document),
    attributes,
    ...ids,
  });

  if (bodyObject !== undefined) {
    if (bodyObject.sizeBytes !== input.body.byteLength) {
      throw new EnvelopeInputError(
        `bodyObject.sizeBytes is ${bodyObject.sizeBytes} but the body has ${input.body.byteLength} bytes`,
      );
    }
    return message({ ...fields, headers, bodyEncoding: 's3', bodyObject });
  }
  const text = strictUtf8(input.body);
  if (text !== undefined) {
    const inline = message({ ...frame, headers, bodyEncoding: 'utf8', body: text });
    if (Buffer.byteLength(inline.body) + attributeBytes <= queueMaxMessageBytes) return inline;
  }
  return message({ ...frame, headers, body: asBuffer(input.body).toString('base64') });
}

/**
 * Reads a queue message body back into an envelope, with the body as the bytes received. Only
 * for a body in the message: {@link openEnvelope} reads any.
 * @throws InvalidEnvelopeError when the message is not a version 1 envelope.
 * @throws BodyInBucketError when the body is in the payload bucket.
 */
export function readEnvelope(json: string): Envelope {
  const { fields, body } = parseEnvelope(json);
  if ('bodyObject' in body) throw new BodyInBucketError(body.bodyObject);
  return { ...fields, ...body };
}

/**
 * Reads a queue message body back into an envelope, fetching a body kept in the payload bucket
 * with `fetchBody` (`BodyObjects.get`) and checking its length and SHA-256 against the message.
 * @throws InvalidEnvelopeError when the message is not a version 1 envelope.
 * @throws BodyObjectMismatchError when the fetched bytes are not the body the message names.
 * @example
 * const envelope = await openEnvelope(message.Body, (object) => bodies.get(object));
 */
export async function openEnvelope(
  json: string,
  fetchBody: (object: BodyObject) => Promise<Uint8Array>,
): Promise<Envelope> {
  const { fields, body } = parseEnvelope(json);
  if (!('bodyObject' in body)) return { ...fields, ...body };
  const { bodyObject } = body;
  const bytes = asBuffer(await fetchBody(bodyObject));
  const sha256 = bodySha256(bytes);
  if (bytes.byteLength !== bodyObject.sizeBytes || sha256 !== bodyObject.sha256) {
    throw new BodyObjectMismatchError(bodyObject, bytes.byteLength, sha256);
  }
  return { ...fields, bodyEncoding: 's3', body: bytes, bodyObject };
}

type ParsedBody =
  | { readonly bodyEncoding: BodyEncoding; readonly body: Buffer }
  | { readonly bodyObject: BodyObject };

function parseEnvelope(json: string): { fields: EnvelopeFields; body: ParsedBody } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (cause) {
    throw new InvalidEnvelopeError('message body is not JSON', { cause });
  }
  if (!isRecord(parsed)) throw new InvalidEnvelopeError('envelope is not a JSON object');
  if (parsed.envelopeVersion !== 1) {
    throw new InvalidEnvelopeError(
      `envelopeVersion ${JSON.stringify(parsed.envelopeVersion)} is not supported; expected 1`,
    );
  }
  const eventId = optionalText(parsed, 'eventId');
  const eventType = optionalText(parsed, 'eventType');
  const signed = readSigned(parsed.signed, { eventId, eventType });
  const bodyEncoding = parsed.bodyEncoding;
  if (bodyEncoding !== 'utf8' && bodyEncoding !== 'base64' && bodyEncoding !== 's3') {
    throw new InvalidEnvelopeError('bodyEncoding must be "utf8", "base64" or "s3"');
  }
  const fields: EnvelopeFields = {
    envelopeVersion: 1,
    deliveryId: requiredText(parsed, 'deliveryId'),
    providerId: requiredText(parsed, 'providerId'),
    scheme: requiredText(parsed, 'scheme'),
    ...(eventId === undefined ? {} : { eventId }),
    ...(eventType === undefined ? {} : { eventType }),
    ...(signed === undefined ? {} : { signed }),
    receivedAt: requiredText(parsed, 'receivedAt'),
    headers: headerRecord(parsed.headers),
  };
  const body: ParsedBody =
    bodyEncoding === 's3'
      ? { bodyObject: readBodyObject(parsed.bodyObject) }
      : { bodyEncoding, body: decodeBody(parsed.body, bodyEncoding) };
  return { fields, body };
}

const sha256Hex = /^[0-9a-f]{64}$/;

function readBodyObject(value: unknown): BodyObject {
  if (!isRecord(value)) throw new InvalidEnvelopeError('bodyObject must be an object');
  const { sizeBytes, sha256 } = value;
  if (!Number.isSafeInteger(sizeBytes) || (sizeBytes as number) < 0) {
    throw new InvalidEnvelopeError('bodyObject.sizeBytes must be a whole number of bytes');
  }
  if (typeof sha256 !== 'string' || !sha256Hex.test(sha256)) {
    throw new InvalidEnvelopeError('bodyObject.sha256 must be 64 lowercase hex digits');
  }
  return {
    bucket: requiredText(value, 'bucket'),
    key: requiredText(value, 'key'),
    sizeBytes: sizeBytes as number,
    sha256,
  };
}

type CarriedIds = {
  readonly eventId?: string | undefined;
  readonly eventType?: string | undefined;
};

/**
 * The names the builder was given, in {@link signedFieldNames} order, each once; `eventId`
 * and `eventType` only where the envelope carries the value given whole, since a cut value is
 * not the one signed. EnvelopeInputError for a name that is not a field `signed` may list.
 */
function signedList(
  names: readonly SignedField[],
  given: CarriedIds,
  carried: CarriedIds,
): SignedField[] {
  for (const name of names) {
    if (!(signedFieldNames as readonly string[]).includes(name)) {
      throw new EnvelopeInputError(
        `signed may list ${signedFieldNames.join(', ')}; received ${JSON.stringify(name)}`,
      );
    }
  }
  return standingSigned(
    names,
    (name) => carried[name] !== undefined && carried[name] === given[name],
  );
}

/**
 * `signed` as a message holds it: a list of names, else InvalidEnvelopeError. A name this
 * reader does not know (one a later writer added), or an id field the envelope lacks, is left
 * out rather than refused: reading it as not signed is the safe side.
 */
function readSigned(value: unknown, carried: CarriedIds): SignedField[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((name) => typeof name !== 'string')) {
    throw new InvalidEnvelopeError('signed must be a list of field names');
  }
  return standingSigned(value, (name) => carried[name] !== undefined);
}

/**
 * The names of `listed` that stand, each once, in {@link signedFieldNames} order: `body` and
 * `timestamp` always, `eventId` and `eventType` where `carries` says the envelope holds the
 * value that was signed.
 */
function standingSigned(
  listed: readonly string[],
  carries: (field: keyof CarriedIds) => boolean,
): SignedField[] {
  return signedFieldNames.filter(
    (name) => listed.includes(name) && (name === 'body' || name === 'timestamp' || carries(name)),
  );
}

function requiredIdentifier(field: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxIdentifierChars) {
    const received = typeof value === 'string' ? `${value.length} characters` : typeof value;
    throw new EnvelopeInputError(
      `${field} must be 1 to ${maxIdentifierChars} characters; received ${received}`,
    );
  }
  return value;
}

function optionalIdentifier(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : cut(value, maxIdentifierChars);
}

function isoTime(ms: number): string {
  const time = new Date(ms);
  if (Number.isNaN(time.getTime())) {
    throw new EnvelopeInputError(`receivedAtMs must be a time; received ${ms}`);
  }
  return time.toISOString();
}

/** Cuts text to at most `maxChars` UTF-16 code units without splitting a surrogate pair. */
function cut(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const last = text.charCodeAt(maxChars - 1);
  const end = last >= 0xd800 && last <= 0xdbff ? maxChars - 1 : maxChars;
  return text.slice(0, end);
}

/**
 * SQS accepts only XML's characters in a message (#x9 | #xA | #xD | #x20–#xD7FF |
 * #xE000–#xFFFD | #x10000–#x10FFFF); others it refuses or, as its docs now say, silently
 * replaces with U+FFFD
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html).
 * JSON.stringify already escapes controls and lone surrogates; this escapes U+FFFE and U+FFFF
 * too, and every surrogate pair, since fauxqs, the local stand-in, refuses any surrogate. The
 * result is JSON that parses to the same value. Escapes only occur inside strings, and the
 * JSON structure itself is ASCII.
 */
function messageJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\ud800-\udfff\ufffe\uffff]/g, unicodeEscape);
}

function unicodeEscape(unit: string): string {
  return `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

function messageJsonBytes(value: unknown): number {
  return Buffer.byteLength(messageJson(value));
}

/** The selected headers present in the request, each costed exactly as it serialises. */
function copyHeaders(
  requestHeaders: HeaderInput,
  selection: readonly string[],
  budgetBytes: number,
): Record<string, string> {
  const received = new HeaderMap(requestHeaders);
  const copied = new Map<string, string>();
  let remaining = budgetBytes;
  for (const name of new Set(selection.map((selected) => selected.toLowerCase()))) {
    if (isCredentialHeader(name)) continue;
    const value = received.get(name);
    if (value === undefined) continue;
    const text = cut(value, maxHeaderValueChars);
    // `"name":"value",`: the quoted name and value, a colon and (but for the first) a comma.
    const cost = messageJsonBytes(name) + messageJsonBytes(text) + 2;
    if (cost > remaining) continue;
    copied.set(name, text);
    remaining -= cost;
  }
  // fromEntries defines own properties, so even a header named `__proto__` is kept as data.
  return Object.fromEntries(copied);
}

const notSqsCharacter = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/**
 * providerId, scheme and eventType, for filtering without parsing the body: the envelope's
 * values, so at most {@link maxIdentifierChars} long, with characters SQS does not allow
 * turned into U+FFFD. An unknown event type is left out, since SQS refuses an empty value.
 */
function messageAttributes(document: EnvelopeFields): Record<string, StringAttribute> {
  const attributes: Record<string, StringAttribute> = {};
  const values = {
    providerId: document.providerId,
    scheme: document.scheme,
    eventType: document.eventType,
  };
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    attributes[name] = {
      DataType: 'String',
      StringValue: value.replace(notSqsCharacter, '\ufffd'),
    };
  }
  return attributes;
}

// ignoreBOM keeps a leading byte-order mark as text, so that it survives the round trip.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The body as text if it is strictly valid UTF-8, else undefined. */
function strictUtf8(body: Uint8Array): string | undefined {
  try {
    return utf8Decoder.decode(body);
  } catch {
    return undefined;
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requiredText(document: Record<string, unknown>, field: string): string {
  const value = document[field];
  if (typeof value !== 'string' || value === '') {
    throw new InvalidEnvelopeError(`${field} must be a non-empty string`);
  }
  return value;
}

function optionalText(document: Record<string, unknown>, field: string): string | undefined {
  return document[field] === undefined ? undefined : requiredText(document, field);
}

function headerRecord(value: unknown): Record<string, string> {
  if (!isRecord(value)) throw new InvalidEnvelopeError('headers must be an object');
  const entries = Object.entries(value);
  for (const [name, text] of entries) {
    if (typeof text !== 'string') throw new InvalidEnvelopeError(`header ${name} is not a string`);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

function decodeBody(value: unknown, encoding: BodyEncoding): Buffer {
  if (typeof value !== 'string') throw new InvalidEnvelopeError('body must be a string');
  if (encoding === 'utf8') {
    // A lone surrogate would silently become U+FFFD, so it cannot be bytes we sent.
    if (/\p{Cs}/u.test(value)) throw new InvalidEnvelopeError('utf8 body is not well-formed text');
    return Buffer.from(value, 'utf8');
  }
  const bytes = Buffer.from(value, 'base64');
  // Buffer.from skips characters outside the alphabet; only canonical base64 is ours.
  if (bytes.toString('base64') !== value) {
    throw new InvalidEnvelopeError('base64 body is not canonical base64');
  }
  return bytes;
}
