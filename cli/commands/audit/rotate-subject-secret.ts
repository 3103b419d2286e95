/**
 * `webhooks audit rotate-subject-secret`: a new version of the deployment's subject-index
 * secret (functions/audit/subject-index-secret.ts), at the end of its cryptoperiod (the
 * periodic review flags it: ops/review/subject-index-cryptoperiod.ts) or when it may have
 * been exposed. New records are indexed under the new version once running functions re-read
 * the secret (within `secretCacheSeconds`); the version it replaces is kept, so that
 * `audit erase --subject` still finds the subjects it indexed, and dropped by a later rotation
 * once no record it indexed can be left (functions/audit/subject-index-versions.ts).
 *
 * A conditional put on the version read: of two operators rotating at once one succeeds and
 * the other is refused (exit 1), and no version is lost. Either way an admin record says so.
 */
import type { Command } from 'commander';
import { SubjectIndexSecretMissingError } from '../../../functions/audit/errors.ts';
import {
  type SubjectIndexRotation,
  SubjectIndexRotationConflictError,
  SubjectIndexSecret,
} from '../../../functions/audit/subject-index-secret.ts';
import { versionKeptUntilMs } from '../../../functions/audit/subject-index-versions.ts';
import { secretCacheSeconds } from '../../../functions/config/limits.ts';
import type { Clock } from '../../../functions/verify/types.ts';
import { denialNamed } from '../../erasure.ts';
import { reportingDeniedAccess } from '../../errors.ts';
import { type AdminActionResult, runAudited } from '../../identity.ts';
import { type ExitCode, exitCodes, type Io } from '../../io.ts';
import { fieldList, iso } from '../../table.ts';
import { addTargetOptions, type Target, type TargetFlags, withTarget } from '../../target.ts';

export interface RotateSubjectSecretFlags extends TargetFlags {
  readonly json?: boolean;
}

/** What the command reaches outside itself; a test sets the clock to age the versions. */
export interface RotateSubjectSecretDependencies {
  /** @default Date.now */
  readonly now?: Clock;
}

/** What the admin record names as the action's target: the secret, not a provider. */
export const subjectSecretTarget = 'subject-index-secret';

/** The rotation as text: the new version, each kept one and until when, and what was dropped. */
export function formatRotation(rotation: SubjectIndexRotation): string {
  const { current, kept, dropped } = rotation;
  return fieldList(
    [
      [
        'current',
        `v${current.version}, created ${iso(current.createdAtMs)}: new records are indexed under it once running functions re-read the secret (within ${secretCacheSeconds} s)`,
      ],
      ...kept.map((version): [string, string] => [
        'kept',
        `v${version.version}, retired ${iso(version.retiredAtMs as number)}, until ${iso(versionKeptUntilMs(version) as number)}: erasure still looks subjects up under it`,
      ]),
      ['dropped', dropped.length === 0 ? 'none' : dropped.map((v) => `v${v}`).join(', ')],
    ],
    8,
  );
}

/** The rotation as JSON: times as ISO text. */
function rotationView({ current, kept, dropped }: SubjectIndexRotation) {
  return {
    current: { version: current.version, createdAt: iso(current.createdAtMs) },
    kept: kept.map((version) => ({
      version: version.version,
      createdAt: iso(version.createdAtMs),
      retiredAt: iso(version.retiredAtMs as number),
      keptUntil: iso(versionKeptUntilMs(version) as number),
    })),
    dropped,
  };
}

export async function rotateSubjectSecret(
  flags: RotateSubjectSecretFlags,
  io: Io,
  dependencies: RotateSubjectSecretDependencies = {},
): Promise<ExitCode> {
  return reportingDeniedAccess(io, () =>
    withTarget(flags, io, (target) =>
      runAudited(
        { target, flags, io },
        'audit.rotate-subject-secret',
        subjectSecretTarget,
        async (detail): Promise<AdminActionResult> => {
          const secret = subjectSecretOf(target, dependencies);
          let rotation: SubjectIndexRotation;
          try {
            rotation = await denialNamed(
              target,
              () => secret.rotate(),
              target.names.registryTableName,
            );
          } catch (error) {
            const refusal = refusalOf(error);
            if (refusal === undefined) throw error;
            return { code: exitCodes.rejected, stdout: '', ...refusal };
          } finally {
            secret.clear();
          }
          Object.assign(detail, {
            keyVersion: String(rotation.current.version),
            subjectIndexVersions: [rotation.current, ...rotation.kept]
              .map((version) => `v${version.version}`)
              .join(','),
            subjectIndexVersionsDropped:
              rotation.dropped.length === 0
                ? 'none'
                : rotation.dropped.map((version) => `v${version}`).join(','),
          });
          return {
            code: exitCodes.ok,
            stdout: flags.json
              ? `${JSON.stringify(rotationView(rotation))}\n`
              : formatRotation(rotation),
          };
        },
      ),
    ),
  );
}

/** The target's secret, on the command's clock. */
const subjectSecretOf = (target: Target, { now }: RotateSubjectSecretDependencies) =>
  new SubjectIndexSecret({
    dynamodb: target.dynamodb,
    kms: target.kms,
    registryTableName: target.names.registryTableName,
    auditKeyId: target.names.auditKeyId,
    ...(now === undefined ? {} : { now }),
  });

/** A rotation the deployment refused, as the command reports it: exit 1, and why. */
function refusalOf(
  error: unknown,
): Pick<AdminActionResult, 'stderr' | 'refusedReason'> | undefined {
  if (error instanceof SubjectIndexRotationConflictError) {
    return {
      stderr: `error: ${error.message}; nothing was written. Run again if a further rotation is wanted\n`,
      refusedReason: error.code,
    };
  }
  if (error instanceof SubjectIndexSecretMissingError) {
    return {
      stderr:
        'error: there is no subject-index secret to rotate yet: the first `webhooks providers add --subject-key` creates it\n',
      refusedReason: error.code,
    };
  }
  return undefined;
}

/** Registers `audit rotate-subject-secret` under `audit`. */
export function addAuditRotateSubjectSecretCommand(
  audit: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
  addTargetOptions(
    audit
      .command('rotate-subject-secret')
      .description(
        "replace the subject-index secret that keys subjects' hashes; erasure still finds subjects indexed before",
      )
      .option('--json', 'print the versions as one JSON line'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ webhooks audit rotate-subject-secret --local\n  $ webhooks audit rotate-subject-secret --json --stack webhook-ingestion',
    )
    .action(async (flags: RotateSubjectSecretFlags) =>
      finish(await rotateSubjectSecret(flags, io)),
    );
}
