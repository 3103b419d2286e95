/**
 * A provider's new key as `providers add` and `providers rotate` take it: from stdin or a
 * file only, never from argv (argv shows in `ps` and shell history), checked against the
 * scheme's key kind before it is read.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { KeyKind } from '../functions/registry/provider.ts';
import type { Scheme } from '../functions/verify/scheme.ts';
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
  return { kind, value };
}

async function readKeyFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`cannot read key file '${path}' (${code})`);
  }
}
