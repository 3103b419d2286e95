/**
 * `webhooks audit verify`: the audit trail checked against its signed digests
 * (ops/integrity/trail-verifier.ts). It reports the digests checked and whether their
 * signatures and chain hold, the records verified, redacted by an erasure and expired by their
 * retention, and names every finding; any finding exits 1. Reading the trail is an admin
 * action, recorded like `audit list`. docs/audit-integrity.md says what each finding means.
 */
import type { Command } from 'commander';
import { isProviderId } from '../../../functions/registry/provider.ts';
import { SealChecker } from '../../../ops/integrity/seal-check.ts';
import { type TrailVerification, verifyTrail } from '../../../ops/integrity/trail-verifier.ts';
import { reportingDeniedAccess } from '../../errors.ts';
import { runAudited } from '../../identity.ts';
import { digestAccessOf } from '../../integrity.ts';
import { type ExitCode, exitCodes, type Io, UsageError } from '../../io.ts';
import { timeRange } from '../../parse.ts';
import { alignedTable, iso } from '../../table.ts';
import { addTargetOptions, type TargetFlags, withTarget } from '../../target.ts';

export interface AuditVerifyFlags extends TargetFlags {
  readonly provider?: string;
  readonly since?: string;
  readonly until?: string;
  readonly json?: boolean;
}

/** How far back `verify` checks without `--since`. */
export const defaultVerifySince = '24h';

/** `verify`'s text form: the summary, then one line per finding. */
export function formatVerification(result: TrailVerification): string {
  const chain = result.chainIntact ? 'intact' : 'BROKEN';
  const lines = [
    `digests    ${result.digests} checked, ${result.signaturesValid} signatures valid, chain ${chain}`,
    `covered    ${result.covered === undefined ? 'nothing in the range' : `${result.covered.from} to ${result.covered.to}`}`,
    `signed by  ${result.signingKey}`,
    `records    ${result.verified} verified, ${result.redacted} redacted by an erasure, ${result.expired} expired`,
    `seals      ${result.sealsValid} valid, of which ${result.undigested} on items no digest covers yet`,
    `findings   ${result.findings.length}`,
  ];
  const findings =
    result.findings.length === 0
      ? ''
      : alignedTable([
          ['KIND', 'RECORD OR DIGEST', 'WHY'],
          ...result.findings.map((finding) => [finding.kind, finding.id, finding.detail]),
        ]);
  return `${lines.join('\n')}\n${findings}`;
}

export async function verifyAudit(flags: AuditVerifyFlags, io: Io): Promise<ExitCode> {
  return reportingDeniedAccess(io, () =>
    withTarget(flags, io, async (target) => {
      const range = timeRange(flags, Date.now(), { since: defaultVerifySince });
      if (flags.provider !== undefined && !isProviderId(flags.provider)) {
        throw new UsageError(`--provider: '${flags.provider}' is not a provider id`);
      }
      const { store, timing } = digestAccessOf(target);
      return runAudited(
        { target, flags, io },
        'audit.verify',
        flags.provider ?? '*',
        async (detail) => {
          Object.assign(detail, { since: iso(range.sinceMs), until: iso(range.untilMs) });
          const result = await verifyTrail(
            {
              dynamodb: target.dynamodb,
              auditTableName: target.names.auditTableName,
              registryTableName: target.names.registryTableName,
              store,
              seals: new SealChecker({ kms: target.kms, keyId: target.names.auditKeyId }),
              timing,
            },
            { ...range, ...(flags.provider === undefined ? {} : { providerId: flags.provider }) },
          );
          detail.recordsVerified = String(result.verified);
          detail.findings = String(result.findings.length);
          return {
            code: result.findings.length === 0 ? exitCodes.ok : exitCodes.rejected,
            stdout: flags.json ? `${JSON.stringify(result)}\n` : formatVerification(result),
          };
        },
      );
    }),
  );
}

/** Registers `audit verify` under `audit`. */
export function addAuditVerifyCommand(
  audit: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
  addTargetOptions(
    audit
      .command('verify')
      .description('check the audit trail against its signed digests; exit 1 on any finding')
      .option('--provider <id>', "only this provider's delivery records")
      .option(
        '--since <when>',
        `how far back: a duration or an ISO date (default: ${defaultVerifySince})`,
      )
      .option('--until <when>', 'end, in the same forms (default: now)')
      .option('--json', 'print the result as one JSON object'),
  )
    .addHelpText(
      'after',
      [
        '',
        'Findings: altered, missing, unexpected, unreadable (records); bad_signature,',
        'broken_chain, malformed_digest, not_digested, overwritten_digest (digests).',
        'See docs/audit-integrity.md.',
        '',
        'Example:',
        '  $ webhooks audit verify --since 7d --stack webhook-ingestion',
      ].join('\n'),
    )
    .action(async (flags: AuditVerifyFlags) => finish(await verifyAudit(flags, io)));
}
