/**
 * `webhooks audit public-key`: the digest signing key's public half as PEM, so that an auditor
 * checks each digest's signature offline with plain openssl (docs/audit-integrity.md):
 *
 *   openssl dgst -sha256 -verify digests.pem -signature <digest>.json.sig <digest>.json
 *
 * The key's ARN goes to stderr, to compare with each digest's `signingKey`.
 */
import { createPublicKey } from 'node:crypto';
import type { Command } from 'commander';
import { reportingDeniedAccess } from '../../errors.ts';
import { digestAccessOf } from '../../integrity.ts';
import { type ExitCode, exitCodes, type Io } from '../../io.ts';
import { addTargetOptions, type TargetFlags, withTarget } from '../../target.ts';

export async function printPublicKey(flags: TargetFlags, io: Io): Promise<ExitCode> {
  return reportingDeniedAccess(io, () =>
    withTarget(flags, io, async (target) => {
      const { keyArn, der } = await digestAccessOf(target).store.publicKey();
      const pem = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }).export({
        type: 'spki',
        format: 'pem',
      });
      io.stdout(String(pem));
      io.stderr(`signing key ${keyArn}\n`);
      return exitCodes.ok;
    }),
  );
}

/** Registers `audit public-key` under `audit`. */
export function addAuditPublicKeyCommand(
  audit: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
  addTargetOptions(
    audit
      .command('public-key')
      .description("print the audit digests' signing key (public half, PEM) for offline checks"),
  )
    .addHelpText(
      'after',
      [
        '',
        'Example:',
        '  $ webhooks audit public-key --stack webhook-ingestion > digests.pem',
        '  $ openssl dgst -sha256 -verify digests.pem -signature d.json.sig d.json',
      ].join('\n'),
    )
    .action(async (flags: TargetFlags) => finish(await printPublicKey(flags, io)));
}
