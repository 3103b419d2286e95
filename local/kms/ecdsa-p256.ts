/**
 * ECDSA on P-256 over a digest the caller already computed (Sign and Verify with MessageType
 * DIGEST). node:crypto cannot do this: its sign and verify always hash their input, and a null
 * algorithm means SHA-256 for an EC key, so a digest would be hashed twice. The curve
 * arithmetic is therefore done here with BigInt, on affine points (SEC 1, section 4.1).
 * It is not constant-time, which is acceptable only because the stand-in serves loopback with
 * throwaway keys; signatures are DER, as KMS returns them and OpenSSL reads them.
 */
import type { KeyObject } from 'node:crypto';

/** P-256's field prime, group order and base point (SEC 2, section 2.4.2); the curve's a is -3. */
const p = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const base: Point = {
  x: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  y: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
};
const scalarBytes = 32;

interface Point {
  readonly x: bigint;
  readonly y: bigint;
}

/** `undefined` is the point at infinity. */
type CurvePoint = Point | undefined;

/** The DER signature of `digest` (32 bytes) under the P-256 private key. */
export function signDigest(
  privateKey: KeyObject,
  digest: Buffer,
  randomBytes: (size: number) => Buffer,
): Buffer {
  const d = jwkScalar(privateKey.export({ format: 'jwk' }).d);
  const e = toBigInt(digest);
  for (;;) {
    const k = toBigInt(randomBytes(scalarBytes));
    // Rejection sampling keeps k uniform in [1, n - 1]; n is so close to 2^256 this rarely loops.
    if (k === 0n || k >= n) continue;
    const point = multiply(k, base);
    const r = point ? point.x % n : 0n;
    const s = (inverse(k, n) * (e + r * d)) % n;
    if (r !== 0n && s !== 0n) return derSignature(r, s);
  }
}

/** Whether `signature` (DER) is the P-256 public key's signature of `digest` (32 bytes). */
export function verifyDigest(publicKey: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const parsed = parseDerSignature(signature);
  if (!parsed) return false;
  const { r, s } = parsed;
  const jwk = publicKey.export({ format: 'jwk' });
  const q = { x: jwkScalar(jwk.x), y: jwkScalar(jwk.y) };
  const w = inverse(s, n);
  const point = add(multiply((toBigInt(digest) * w) % n, base), multiply((r * w) % n, q));
  return point !== undefined && point.x % n === r;
}

function add(a: CurvePoint, b: CurvePoint): CurvePoint {
  if (!a) return b;
  if (!b) return a;
  if (a.x === b.x) return mod(a.y + b.y, p) === 0n ? undefined : double(a);
  const slope = mod((b.y - a.y) * inverse(mod(b.x - a.x, p), p), p);
  return line(slope, a, b.x);
}

function double(a: Point): CurvePoint {
  if (a.y === 0n) return undefined;
  const slope = mod((3n * a.x * a.x - 3n) * inverse(mod(2n * a.y, p), p), p);
  return line(slope, a, a.x);
}

/** The third point on the line of `slope` through `a` and a point at `otherX`, reflected. */
function line(slope: bigint, a: Point, otherX: bigint): Point {
  const x = mod(slope * slope - a.x - otherX, p);
  return { x, y: mod(slope * (a.x - x) - a.y, p) };
}

/** `scalar` times `point`, by double-and-add from the top bit. */
function multiply(scalar: bigint, point: Point): CurvePoint {
  let result: CurvePoint;
  for (let bit = BigInt(scalar.toString(2).length - 1); bit >= 0n; bit--) {
    result = result && double(result);
    if ((scalar >> bit) & 1n) result = add(result, point);
  }
  return result;
}

function mod(value: bigint, modulus: bigint): bigint {
  const rest = value % modulus;
  return rest < 0n ? rest + modulus : rest;
}

/** The inverse of `value` modulo the prime `modulus`, by the extended Euclidean algorithm. */
function inverse(value: bigint, modulus: bigint): bigint {
  let [oldR, r] = [mod(value, modulus), modulus];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const quotient = oldR / r;
    [oldR, r] = [r, oldR - quotient * r];
    [oldS, s] = [s, oldS - quotient * s];
  }
  return mod(oldS, modulus);
}

function toBigInt(bytes: Buffer): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`);
}

function jwkScalar(value: string | undefined): bigint {
  if (value === undefined) throw new Error('the key has no P-256 coordinates');
  return toBigInt(Buffer.from(value, 'base64url'));
}

/** ECDSA-Sig-Value (RFC 3279): SEQUENCE { r INTEGER, s INTEGER }, each minimal and positive. */
function derSignature(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  // At most 2 * 35 bytes, so the length always fits DER's one-byte short form.
  return Buffer.concat([Buffer.of(0x30, body.length), body]);
}

function derInteger(value: bigint): Buffer {
  const hex = value.toString(16);
  const bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  // A leading 0x00 keeps a value whose top bit is set from reading as negative.
  const content = (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.of(0), bytes]) : bytes;
  return Buffer.concat([Buffer.of(0x02, content.length), content]);
}

/** r and s from a DER signature, or undefined unless it is strict DER with both in [1, n - 1]. */
function parseDerSignature(signature: Buffer): { r: bigint; s: bigint } | undefined {
  if (signature[0] !== 0x30 || signature[1] !== signature.length - 2) return undefined;
  const r = readDerInteger(signature, 2);
  const s = r && readDerInteger(signature, r.end);
  if (!r || !s || s.end !== signature.length) return undefined;
  const inRange = (value: bigint) => value > 0n && value < n;
  return inRange(r.value) && inRange(s.value) ? { r: r.value, s: s.value } : undefined;
}

function readDerInteger(bytes: Buffer, at: number): { value: bigint; end: number } | undefined {
  const length = bytes[at + 1] ?? 0;
  const content = bytes.subarray(at + 2, at + 2 + length);
  const [first = 0, second = 0] = content;
  if (bytes[at] !== 0x02 || length === 0 || length > 33 || content.length !== length) {
    return undefined;
  }
  // Negative, or padded with a zero byte it did not need: not DER.
  if (first & 0x80 || (first === 0 && length > 1 && !(second & 0x80))) return undefined;
  return { value: toBigInt(content), end: at + 2 + length };
}
