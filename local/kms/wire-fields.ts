/**
 * Fields as AWS JSON 1.1 carries them: member names in PascalCase, blobs as base64 strings,
 * timestamps as epoch seconds. A message names the field, never its value: the value may be
 * plaintext or ciphertext.
 */
import type { EncryptionContext } from './ciphertext.ts';
import { SerializationError, UnsupportedOperationError, ValidationError } from './errors.ts';

/** A request body: the parsed JSON object. */
export type RequestFields = Readonly<Record<string, unknown>>;

/** The field's string, or undefined when absent. */
export function optionalString(fields: RequestFields, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new SerializationError(`'${name}' must be a string`);
  return value;
}

export function requiredString(fields: RequestFields, name: string): string {
  const value = optionalString(fields, name);
  if (value === undefined || value === '') throw new ValidationError(`'${name}' is required`);
  return value;
}

/** The field's whole number in `[min, max]`, or undefined when absent. */
export function optionalInteger(
  fields: RequestFields,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new SerializationError(`'${name}' must be an integer`);
  }
  if (value < min || value > max) {
    throw new ValidationError(`'${name}' must be between ${min} and ${max}`);
  }
  return value;
}

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A blob field's bytes; its decoded length must be 1 to `maxBytes`, as KMS constrains it. */
export function requiredBlob(fields: RequestFields, name: string, maxBytes: number): Buffer {
  const encoded = requiredString(fields, name);
  // Buffer.from skips characters it does not know; KMS refuses them, so check first.
  if (!base64Pattern.test(encoded)) throw new SerializationError(`'${name}' is not valid base64`);
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length > maxBytes) {
    throw new ValidationError(`'${name}' must be at most ${maxBytes} bytes; got ${bytes.length}`);
  }
  return bytes;
}

/** The field's encryption context; absent and `{}` both mean none, as in KMS. */
export function encryptionContext(fields: RequestFields, name: string): EncryptionContext {
  const value = fields[name];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new SerializationError(`'${name}' must be a map of strings`);
  }
  const entries = Object.entries(value);
  if (entries.some(([, entry]) => typeof entry !== 'string')) {
    throw new SerializationError(`every value of '${name}' must be a string`);
  }
  return Object.fromEntries(entries) as EncryptionContext;
}

/** Rejects a value outside `allowed` for a field whose other values the stand-in lacks. */
export function onlyValue(fields: RequestFields, name: string, allowed: string): void {
  const value = optionalString(fields, name);
  if (value !== undefined && value !== allowed) {
    throw new UnsupportedOperationError(
      `${name} '${value}' is not supported by the KMS stand-in; only ${allowed} is`,
    );
  }
}

/** A timestamp as AWS JSON 1.1 sends it: seconds since the epoch, with a fraction. */
export function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}
