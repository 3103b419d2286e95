/**
 * The live CloudTrail trail the access-trail control cites: whether it is logging
 * (cloudtrail:GetTrailStatus), validates and encrypts its log files (cloudtrail:GetTrail) and
 * which events it takes (cloudtrail:GetEventSelectors). Read by `webhooks compliance report`
 * only (live-resources.ts).
 */
import {
  type CloudTrailClient,
  GetEventSelectorsCommand,
  GetTrailCommand,
  GetTrailStatusCommand,
} from '@aws-sdk/client-cloudtrail';
import { type Observed, observe } from './observed.ts';

/** One field selector of an advanced event selector, as CloudTrail holds it. */
export interface LiveFieldSelector {
  readonly field: string;
  readonly equals: readonly string[];
  readonly startsWith: readonly string[];
}

export interface LiveTrail {
  readonly isLogging: boolean;
  readonly logFileValidation: boolean;
  readonly kmsKeyId: string | undefined;
  /** Each advanced event selector's field selectors. */
  readonly selectors: readonly (readonly LiveFieldSelector[])[];
}

/** The trail's settings; one failed call makes the whole reading unavailable, with its action. */
export async function readTrail(
  cloudTrail: CloudTrailClient,
  name: string,
): Promise<Observed<LiveTrail>> {
  const [trail, status, selectors] = await Promise.all([
    observe('cloudtrail:GetTrail', async () => {
      const { Trail } = await cloudTrail.send(new GetTrailCommand({ Name: name }));
      return {
        logFileValidation: Trail?.LogFileValidationEnabled === true,
        kmsKeyId: Trail?.KmsKeyId,
      };
    }),
    observe('cloudtrail:GetTrailStatus', async () => {
      const { IsLogging } = await cloudTrail.send(new GetTrailStatusCommand({ Name: name }));
      return IsLogging === true;
    }),
    observe('cloudtrail:GetEventSelectors', async () => {
      const { AdvancedEventSelectors } = await cloudTrail.send(
        new GetEventSelectorsCommand({ TrailName: name }),
      );
      return (AdvancedEventSelectors ?? []).map((selector) =>
        (selector.FieldSelectors ?? []).map((field) => ({
          field: field.Field ?? '',
          equals: field.Equals ?? [],
          startsWith: field.StartsWith ?? [],
        })),
      );
    }),
  ]);
  const readAt = [trail.readAt, status.readAt, selectors.readAt]
    .filter((t) => t !== undefined)
    .sort()
    .at(-1);
  const at = readAt === undefined ? {} : { readAt };
  if (!('value' in trail)) return trail;
  if (!('value' in status)) return status;
  if (!('value' in selectors)) return selectors;
  return { value: { ...trail.value, isLogging: status.value, selectors: selectors.value }, ...at };
}
