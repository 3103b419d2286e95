/**
 * Audit logs protected from modification (PCI DSS 10.3.2), integrity controls (HIPAA
 * §164.312(c)(1)): a scheduled function signs a digest of every period's records with an
 * asymmetric KMS key and keeps it in a bucket under Object Lock in compliance mode for at
 * least the delivery audit retention (docs/audit-integrity.md). With `--stack`, the function's
 * bucket variable, the key's spec and usage (kms:DescribeKey), the bucket's Object Lock and the
 * schedule (events:DescribeRule) are read as they run.
 */
import { auditDigests } from '../../functions/config/audit-digests.ts';
import { auditDays } from '../profiles.ts';
import {
  describeValue,
  environmentOf,
  property,
  referencedId,
  resourcesOfType,
  valueAt,
} from '../report/template.ts';
import {
  compliantUnless,
  type Evidence,
  type Finding,
  finding,
  liveBucket,
  livePhysicalId,
  liveResource,
  notApplicable,
  type TemplateRule,
} from './rule.ts';

export const auditDigestsSignedAndLocked: TemplateRule<'audit-digests-signed-and-locked'> = {
  name: 'audit-digests-signed-and-locked',
  summary:
    'A scheduled function signs digests of the audit trail with an asymmetric KMS key into a bucket whose Object Lock (compliance mode) keeps them at least as long as delivery audit records.',
  evaluate(context) {
    const { template, requirements } = context;
    const days = auditDays(requirements.deliveryAuditFloor);
    const writer = resourcesOfType(template, 'AWS::Lambda::Function').find(
      ({ resource }) => environmentOf(resource)[auditDigests.bucketVariable] !== undefined,
    );
    if (writer === undefined) return notApplicable('the template has no digest function');
    const environment = environmentOf(writer.resource);
    const findings: Finding[] = [];
    const evidence: Evidence[] = [
      {
        resource: writer.id,
        type: writer.resource.Type,
        property: `Environment.Variables.${auditDigests.bucketVariable}`,
        value: describeValue(environment[auditDigests.bucketVariable]),
        ...liveResource(context, 'functions', writer.id, ({ settings }) => {
          const name = settings[auditDigests.bucketVariable];
          const wanted = livePhysicalId(
            context,
            referencedId(environment[auditDigests.bucketVariable]),
          );
          return [name !== undefined && name === wanted, name ?? '(not set)'];
        }),
      },
    ];

    const keyId = referencedId(environment[auditDigests.signingKeyVariable]);
    const key = keyId === undefined ? undefined : template.Resources[keyId];
    const spec = key === undefined ? undefined : property(key, 'KeySpec');
    const usage = key === undefined ? undefined : property(key, 'KeyUsage');
    evidence.push({
      resource: keyId ?? writer.id,
      type: key?.Type ?? writer.resource.Type,
      property: 'KeySpec, KeyUsage',
      value: `${describeValue(spec)}, ${describeValue(usage)}`,
      ...(keyId === undefined
        ? {}
        : liveResource(context, 'keyDescriptions', keyId, (live) => [
            live.enabled && live.keySpec === spec && live.keyUsage === usage,
            `${live.keySpec ?? '(no spec)'}, ${live.keyUsage ?? '(no usage)'}${live.enabled ? '' : ', disabled'}`,
          ])),
    });
    if (key?.Type !== 'AWS::KMS::Key' || usage !== 'SIGN_VERIFY' || typeof spec !== 'string') {
      findings.push(
        finding('the digest function signs with no asymmetric KMS signing key', writer.id),
      );
    }

    const bucketId = referencedId(environment[auditDigests.bucketVariable]);
    const bucket = bucketId === undefined ? undefined : template.Resources[bucketId];
    const lock = bucket === undefined ? undefined : property(bucket, 'ObjectLockConfiguration');
    const mode = valueAt(lock, 'Rule.DefaultRetention.Mode');
    const lockDays = valueAt(lock, 'Rule.DefaultRetention.Days');
    const years = valueAt(lock, 'Rule.DefaultRetention.Years');
    const keptDays = typeof years === 'number' ? years * 365 : lockDays;
    evidence.push({
      resource: bucketId ?? writer.id,
      type: bucket?.Type ?? writer.resource.Type,
      property: 'ObjectLockConfiguration.Rule.DefaultRetention',
      value: `${describeValue(mode)}, ${describeValue(keptDays)} days`,
      ...(bucketId === undefined
        ? {}
        : liveBucket(context, bucketId, 'objectLock', (live) => [
            live.enabled && live.mode === mode && live.days === keptDays,
            live.enabled
              ? `${live.mode ?? 'no mode'}, ${live.days ?? 'no'} days`
              : 'no Object Lock',
          ])),
    });
    if (
      bucket?.Type !== 'AWS::S3::Bucket' ||
      property(bucket, 'ObjectLockEnabled') !== true ||
      mode !== 'COMPLIANCE' ||
      typeof keptDays !== 'number' ||
      keptDays < days
    ) {
      findings.push(
        finding(
          `the digest bucket is not under Object Lock in compliance mode for at least ${days} days`,
          bucketId ?? writer.id,
        ),
      );
    }

    const schedules = resourcesOfType(template, 'AWS::Events::Rule').filter(
      ({ resource }) =>
        typeof property(resource, 'ScheduleExpression') === 'string' &&
        JSON.stringify(property(resource, 'Targets') ?? null).includes(`"${writer.id}"`),
    );
    for (const schedule of schedules) {
      evidence.push({
        resource: schedule.id,
        type: schedule.resource.Type,
        property: 'ScheduleExpression',
        value: describeValue(property(schedule.resource, 'ScheduleExpression')),
        ...liveResource(context, 'eventRules', schedule.id, ({ scheduleExpression, state }) => [
          scheduleExpression === property(schedule.resource, 'ScheduleExpression') &&
            state === 'ENABLED',
          `${scheduleExpression ?? '(no schedule)'}, ${state ?? '(no state)'}`,
        ]),
      });
    }
    if (schedules.length === 0) {
      findings.push(finding('no schedule runs the digest function', writer.id));
    }
    return compliantUnless(findings, evidence);
  },
};
