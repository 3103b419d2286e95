/**
 * Automatic key rotation at least yearly: PCI DSS 3.7.4 (cryptoperiod), HIPAA. It judges the
 * symmetric keys, which encrypt data: KMS rotates no asymmetric key, and the one this product
 * has signs audit digests (docs/audit-integrity.md), which must stay verifiable under it.
 */
import { describeKey, describeValue, property } from '../report/template.ts';
import { eachResourceOfType, observation, type TemplateRule, withLive } from './rule.ts';

const symmetric = (spec: unknown) => spec === undefined || spec === 'SYMMETRIC_DEFAULT';

/** KMS rotates a key every 365 days unless `RotationPeriodInDays` says otherwise. */
const defaultRotationDays = 365;

export const keysRotateYearly: TemplateRule<'keys-rotate-yearly'> = {
  name: 'keys-rotate-yearly',
  summary: 'Every symmetric KMS key rotates automatically, at least once a year.',
  evaluate: (context) =>
    eachResourceOfType(
      {
        ...context,
        template: {
          ...context.template,
          Resources: Object.fromEntries(
            Object.entries(context.template.Resources).filter(
              ([, resource]) =>
                resource.Type !== 'AWS::KMS::Key' || symmetric(property(resource, 'KeySpec')),
            ),
          ),
        },
      },
      'AWS::KMS::Key',
      'the template has no symmetric KMS key',
      (key) => {
        const enabled = property(key.resource, 'EnableKeyRotation');
        const period = property(key.resource, 'RotationPeriodInDays');
        const yearly =
          period === undefined || (typeof period === 'number' && period <= defaultRotationDays);
        return {
          why:
            enabled === true && yearly
              ? undefined
              : `key ${key.id} does not rotate yearly (EnableKeyRotation ${describeValue(enabled)}, RotationPeriodInDays ${describeValue(period)})`,
          evidence: {
            resource: describeKey(context.template, key.id),
            type: key.resource.Type,
            property: 'EnableKeyRotation',
            value: `${describeValue(enabled)} (every ${period === undefined ? defaultRotationDays : describeValue(period)} days)`,
            ...withLive(context, (live) =>
              // A key no output names (the access trail's) is read with the stack's resources.
              observation(
                live.keys.get(key.id)?.rotation ?? live.resources?.keyRotations.get(key.id),
                (rotation) => {
                  const days = rotation.periodInDays ?? defaultRotationDays;
                  return [
                    rotation.enabled && days <= defaultRotationDays,
                    rotation.enabled ? `enabled (every ${days} days)` : 'disabled',
                  ];
                },
              ),
            ),
          },
        };
      },
    ),
};
