/**
 * A provider's new key as `providers add` and `providers rotate` take it: from stdin or a
 * file only, never from argv (argv shows in `ps` and shell history), checked against the
 * scheme's key kind before it is read, and a public key refused when it is weak.
 */

import type { JsonWebKey, JsonWebKeyInput, PublicKeyInput } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { KeyKind } from '../functions/registry/provider.ts';
import { canonicalBase64 } from '../functions/verify/base64.ts';
import { ed25519KeyInput, readPublicKey } from '../functions/verify/public-keys.ts';
import type { Scheme } from '../functions/verify/scheme.ts';
import type { SchemeName } from '../functions/verify/schemes/index.ts';
import { standardWebhooksKeyPrefixes } from '../functions/verify/schemes/standard-webhooks.ts';
import { type Io, UsageError } from './io.ts';
import { keyFromFile } from './parse.ts';

/** Where a new key comes from: exactly one of these. */
export interface KeySourceFlags {
  readonly secretStdin?: boolean;
  readonly secretFile?: string;
  readonly publicKeyFile?: string;
}

/** Adds the key-source options of {@link KeySourceFlags} to a command. */
export const addKeySourceOptions = (command: Command): Command =>
  command
    .option('--secret-stdin', 'read the shared secret from standard input')
    .option('--secret-file <file>', 'read the shared secret from a file')
    .option('--public-key-file <file>', "read the provider's public key from a file");

/** The one key source given, checked against the scheme's key kind, then read. */
export async function readNewKey(
  flags: KeySourceFlags,
  io: Io,
  schemeName: string,
  scheme: Scheme<unknown>,
): Promise<{ kind: KeyKind; value: string }> {
  const given = [
    ...(flags.secretStdin ? ['--secret-stdin'] : []),
    ...(flags.secretFile === undefined ? [] : ['--secret-file']),
    ...(flags.publicKeyFile === undefined ? [] : ['--public-key-file']),
  ];
  if (given.length !== 1) {
    throw new UsageError(
      'give exactly one of --secret-stdin, --secret-file <file>, --public-key-file <file>',
    );
  }
  const kind: KeyKind = flags.publicKeyFile === undefined ? 'secret' : 'public-key';
  if (kind !== scheme.keyKind) {
    throw new UsageError(
      scheme.keyKind === 'secret'
        ? `scheme '${schemeName}' verifies with a shared secret: use --secret-stdin or --secret-file`
        : `scheme '${schemeName}' verifies with a public key: use --public-key-file`,
    );
  }
  const path = flags.secretFile ?? flags.publicKeyFile;
  const value = keyFromFile(
    path === undefined
      ? await io.readSecret(`secret for scheme '${schemeName}' (input hidden): `)
      : await readKeyFile(path),
  );
  if (value === '') throw new UsageError(`the key from ${given[0]} is empty`);
  const problem = publicKeyProblemOf(schemeName, value);
  if (problem !== undefined) {
    throw new UsageError(
      `the key from ${given[0]} ${problem}: scheme '${schemeName}' would refuse it, so it is not registered`,
    );
  }
  return { kind, value };
}

type KeyInput = PublicKeyInput | JsonWebKeyInput;

/** How a public-key scheme writes its keys. */
interface PublicKeyFormat {
  /** node:crypto's name for the type of key the scheme verifies with. */
  readonly type: 'ed25519' | 'ec';
  /**
   * The key the text spells, read the way the scheme's verifier reads it
   * (functions/verify/schemes/<name>.ts), or why it spells none. `undefined` when the text is
   * not written as a key of the scheme at all (a placeholder, or a Standard Webhooks secret):
   * left to the verifier, which refuses a key it cannot read as `invalid_key`.
   */
  read(text: string): KeyInput | string | undefined;
}

const HEX_32_BYTES = /^[0-9a-fA-F]{64}$/;

/** A key text's JSON object, else `undefined`. */
function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const publicKeyFormats: { readonly [Name in SchemeName]?: PublicKeyFormat } = {
  // 64 hex characters, either case: the key's 32 raw bytes.
  discord: {
    type: 'ed25519',
    read: (text) =>
      HEX_32_BYTES.test(text) ? ed25519KeyInput(Buffer.from(text, 'hex')) : undefined,
  },
  // `whpk_` and base64 (its padding may have been lost) of 32 raw bytes; secrets otherwise.
  'standard-webhooks': {
    type: 'ed25519',
    read(text) {
      const prefix = standardWebhooksKeyPrefixes.publicKey;
      if (!text.startsWith(prefix)) return undefined;
      const base64 = text.slice(prefix.length);
      const raw = canonicalBase64(base64.padEnd(Math.ceil(base64.length / 4) * 4, '='));
      return raw?.length === 32
        ? ed25519KeyInput(raw)
        : `is not ${prefix} followed by the base64 of 32 bytes`;
    },
  },
  // Base64 of the key's 32 raw bytes, as Mission Control shows it.
  telnyx: {
    type: 'ed25519',
    read(text) {
      const raw = canonicalBase64(text.trim());
      return raw?.length === 32 ? ed25519KeyInput(raw) : 'is not the base64 of 32 bytes';
    },
  },
  // Base64 of a DER SubjectPublicKeyInfo.
  sendgrid: {
    type: 'ec',
    read(text) {
      const der = canonicalBase64(text.trim());
      return der && { key: der, format: 'der', type: 'spki' };
    },
  },
  // A JWK's JSON text; Plaid's verifier reads the EC P-256 ones (by their kid) and no other.
  plaid: {
    type: 'ec',
    read(text) {
      const { kty, crv, x, y } = (jsonObject(text) ?? {}) as JsonWebKey;
      if (kty !== 'EC' || crv !== 'P-256') return undefined;
      return typeof x === 'string' && typeof y === 'string'
        ? { key: { kty, crv, x, y }, format: 'jwk' }
        : 'is a P-256 JWK without x and y';
    },
  },
};

/**
 * Why the scheme's verifier would refuse `value` as a public key, or `undefined`. The check is
 * the one it makes when it loads the key (functions/verify/public-keys.ts `readPublicKey`), so
 * a weak key (a small-order or non-canonical Ed25519 point, a P-256 point at infinity or off
 * the curve) is refused here rather than registered to verify signatures no one made.
 */
export function publicKeyProblemOf(schemeName: string, value: string): string | undefined {
  if (!Object.hasOwn(publicKeyFormats, schemeName)) return undefined;
  const format = publicKeyFormats[schemeName as SchemeName] as PublicKeyFormat;
  const input = format.read(value);
  if (input === undefined || typeof input === 'string') return input;
  const key = readPublicKey(input);
  if (typeof key === 'string') return key;
  if (key.asymmetricKeyType === format.type) return undefined;
  return `is not an ${format.type === 'ec' ? 'EC P-256' : 'Ed25519'} public key`;
}

async function readKeyFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`cannot read key file '${path}' (${code})`);
  }
}
