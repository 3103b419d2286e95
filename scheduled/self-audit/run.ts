/**
 * One self-audit run: every check of `selfAuditCheckNames` (functions/config/self-audit.ts),
 * each passed, failed or not run. What the scheduled function (handler.ts) runs daily and
 * `webhooks compliance audit` runs from an operator's machine, the same code against the same
 * deployment (`--local`: the local stack's stand-ins). Writing the run's record is the
 * caller's (ops/review/run-store.ts `recordSelfAuditRun`).
 *
 * A check that throws (a denied or throttled call, a stand-in that lacks the API) is not run,
 * with the failed call's action and error as its reason; the others still run. None is ever
 * passed without having looked.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';
import { SubjectIndexItemMalformedError } from '../../functions/audit/subject-index-versions.ts';
import type { DigestTiming } from '../../functions/config/audit-digests.ts';
import { type SelfAuditCheckName, selfAuditCheckNames } from '../../functions/config/self-audit.ts';
import type { ProviderListing } from '../../functions/registry/registry-store.ts';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import type { Clock } from '../../functions/verify/types.ts';
import type { DigestStore } from '../../ops/integrity/digest-store.ts';
import { SealChecker } from '../../ops/integrity/seal-check.ts';
import { verifyTrail } from '../../ops/integrity/trail-verifier.ts';
import {
  accessChanges,
  type PrincipalSets,
  principalCount,
} from '../../ops/review/access-changes.ts';
import { idleProviders } from '../../ops/review/idle-providers.ts';
import { keysPastCryptoperiod } from '../../ops/review/key-cryptoperiod.ts';
import { keysPastGrace } from '../../ops/review/key-grace-overdue.ts';
import { lastAcceptedDeliveries } from '../../ops/review/last-delivery.ts';
import { isoTime } from '../../ops/review/review-finding.ts';
import type { SelfAuditCheck, SelfAuditRun } from '../../ops/review/run-record.ts';
import { SelfAuditHistory } from '../../ops/review/run-store.ts';
import { readSubjectIndexAge } from '../../ops/review/subject-index-age.ts';
import { subjectIndexSecretPastCryptoperiod } from '../../ops/review/subject-index-cryptoperiod.ts';
import { type AccessResources, readPrincipalSets } from './access.ts';
import { notRunReason } from './call.ts';
import type { SelfAuditSettings } from './settings.ts';
import {
  type CheckOutcome,
  checkTemplateControls,
  type SelfAuditStack,
} from './template-controls.ts';

export type { SelfAuditStack } from './template-controls.ts';

/** The reason `template-controls` gives where there is no CloudFormation stack. */
export const noLocalTemplate = 'no CloudFormation stack: the local stack has no template';

/** The deployment a run checks. */
export interface SelfAuditTarget {
  readonly dynamodb: DynamoDBClient;
  readonly kms: KMSClient;
  readonly registryTableName: string;
  readonly auditTableName: string;
  /** The audit key: the seals `audit-integrity` checks are under it. */
  readonly auditKeyId: string;
  /** The keys and tables whose resource policies `access-changes` reads. */
  readonly access: AccessResources;
  /**
   * The digest store and its timing. @default - none: a deployment from before audit digests,
   * whose `audit-integrity` is not run
   */
  readonly digests?: { readonly store: DigestStore; readonly timing: DigestTiming };
  /** The CloudFormation stack. @default - none: `template-controls` is not run */
  readonly stack?: SelfAuditStack;
  /** Why there is no stack. @default noLocalTemplate */
  readonly noStackReason?: string;
}

export interface SelfAuditOptions {
  /** The run's clock: now, for ages, idle days and the integrity window. @default Date.now */
  readonly now?: Clock;
  /** @default crypto.randomUUID */
  readonly runId?: () => string;
}

/** Runs every check against `target`; see the module's comment. Never throws for a check. */
export async function runSelfAudit(
  target: SelfAuditTarget,
  settings: SelfAuditSettings,
  options: SelfAuditOptions = {},
): Promise<SelfAuditRun> {
  const now = options.now ?? Date.now;
  const runId = (options.runId ?? randomUUID)();
  const startedMs = now();
  let templateSha256: string | undefined;
  let principals: { readonly sets: PrincipalSets; readonly readAtMs: number } | undefined;
  const listing = once(() =>
    new ProviderRegistryStore({
      dynamodb: target.dynamodb,
      tableName: target.registryTableName,
    }).list(),
  );
  const history = new SelfAuditHistory({
    dynamodb: target.dynamodb,
    tableName: target.auditTableName,
    now,
  });
  const previousPrincipals = once(() => history.latestPrincipals());
  // An item that cannot be read is a finding, as an unreadable provider is; a failed Scan is not.
  const subjectIndexAge = () =>
    readSubjectIndexAge({ dynamodb: target.dynamodb, tableName: target.registryTableName }).then(
      (age) => ({ age }),
      (error: unknown) => {
        if (error instanceof SubjectIndexItemMalformedError) return { unreadable: error.message };
        throw error;
      },
    );
  const checks: Record<SelfAuditCheckName, () => Promise<CheckOutcome>> = {
    'template-controls': async () => {
      if (target.stack === undefined) {
        return { status: 'not_run', reason: target.noStackReason ?? noLocalTemplate, findings: [] };
      }
      return checkTemplateControls(target.stack, target, settings.profiles, (sha256) => {
        templateSha256 = sha256;
      });
    },
    'key-cryptoperiod': async () => {
      const [{ providers, malformed }, subjectIndex] = await Promise.all([
        listing(),
        subjectIndexAge(),
      ]);
      const keys = providers.reduce((sum, provider) => sum + provider.keys.length, 0);
      return judged(
        [
          ...unreadable(malformed),
          ...keysPastCryptoperiod(providers, settings.cryptoperiodDays, startedMs).map(text),
          ...('unreadable' in subjectIndex
            ? [`subject-index secret not readable, its age not checked: ${subjectIndex.unreadable}`]
            : subjectIndexSecretPastCryptoperiod(
                subjectIndex.age,
                settings.cryptoperiodDays,
                startedMs,
              ).map(text)),
        ],
        `${keys} keys of ${providers.length} providers${'age' in subjectIndex && subjectIndex.age === undefined ? '' : ' and the subject-index secret'} against a ${settings.cryptoperiodDays}-day cryptoperiod`,
      );
    },
    'key-grace-overdue': async () => {
      const { providers, malformed } = await listing();
      const graced = providers.flatMap((p) => p.keys).filter((k) => k.notAfterMs !== undefined);
      return judged(
        [...unreadable(malformed), ...keysPastGrace(providers, startedMs).map(text)],
        `${graced.length} keys with a rotation grace, of ${providers.length} providers`,
      );
    },
    'idle-providers': async () => {
      const { providers, malformed } = await listing();
      const enabled = providers.filter((provider) => provider.enabled);
      const last = await lastAcceptedDeliveries(
        { dynamodb: target.dynamodb, tableName: target.auditTableName },
        enabled.map((provider) => provider.providerId),
      );
      return judged(
        [
          ...unreadable(malformed),
          ...idleProviders(enabled, last, settings.idleProviderDays, startedMs).map(text),
        ],
        `${enabled.length} enabled providers' last accepted deliveries against ${settings.idleProviderDays} idle days`,
      );
    },
    'audit-integrity': async () => {
      if (target.digests === undefined) {
        return {
          status: 'not_run',
          reason: 'this deployment keeps no audit digests (it predates them)',
          findings: [],
        };
      }
      const sinceMs = startedMs - settings.integrityWindowSeconds * 1000;
      const seals = new SealChecker({ kms: target.kms, keyId: target.auditKeyId });
      try {
        const result = await verifyTrail(
          {
            dynamodb: target.dynamodb,
            auditTableName: target.auditTableName,
            registryTableName: target.registryTableName,
            store: target.digests.store,
            seals,
            timing: target.digests.timing,
            now,
          },
          { sinceMs, untilMs: startedMs },
        );
        return judged(
          result.findings.map((finding) => `${finding.kind} ${finding.id}: ${finding.detail}`),
          `${isoTime(sinceMs)} to ${isoTime(startedMs)}: ${result.digests} digests (${result.signaturesValid} signatures valid, chain ${result.chainIntact ? 'intact' : 'broken'}), ${result.verified} records verified, ${result.sealsValid} seals valid`,
        );
      } finally {
        seals.clear();
      }
    },
    'access-changes': async () => {
      const [current, previous] = await Promise.all([
        readPrincipalSets(target, target.access),
        previousPrincipals(),
      ]);
      principals = { sets: current, readAtMs: startedMs };
      const { principals: count, resources } = principalCount(current);
      if (previous === undefined) {
        return {
          status: 'passed',
          summary: `first reading: ${count} principals on ${resources} resources recorded as the baseline`,
          findings: [],
        };
      }
      return judged(
        accessChanges(previous.principals, current, previous.readAtMs).map(text),
        `${count} principals on ${resources} resources, compared with the reading of ${isoTime(previous.readAtMs)}`,
      );
    },
  };
  const results = await Promise.all(
    selfAuditCheckNames.map(async (name): Promise<SelfAuditCheck> => {
      let outcome: CheckOutcome;
      try {
        outcome = await checks[name]();
      } catch (error) {
        outcome = { status: 'not_run', reason: notRunReason(error), findings: [] };
      }
      return { name, ...outcome };
    }),
  );
  // Carried over when this run could not read them, so the next run compares with the last reading.
  const baseline =
    principals ??
    (await previousPrincipals().then(
      (found) =>
        found === undefined ? undefined : { sets: found.principals, readAtMs: found.readAtMs },
      () => undefined,
    ));
  return {
    runId,
    startedAt: isoTime(startedMs),
    finishedAt: isoTime(Math.max(startedMs, now())),
    ...(target.stack === undefined ? {} : { stack: target.stack.name }),
    ...(templateSha256 === undefined ? {} : { templateSha256 }),
    profiles: settings.profiles,
    settings: {
      cryptoperiodDays: settings.cryptoperiodDays,
      idleProviderDays: settings.idleProviderDays,
      integrityWindowSeconds: settings.integrityWindowSeconds,
    },
    checks: results,
    ...(baseline === undefined
      ? {}
      : { principals: baseline.sets, principalsReadAt: isoTime(baseline.readAtMs) }),
  };
}

/** Failed with any finding, else passed. */
function judged(findings: readonly string[], summary: string): CheckOutcome {
  return { status: findings.length === 0 ? 'passed' : 'failed', summary, findings };
}

const text = (finding: { readonly text: string }) => finding.text;

/** Registry items that could not be read: their keys could not be checked, which is a finding. */
function unreadable(malformed: ProviderListing['malformed']): string[] {
  return malformed.map(
    (error) => `registry item not readable, its keys not checked: ${error.message}`,
  );
}

/** `load`, called once, its promise shared. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load();
    return loaded;
  };
}
