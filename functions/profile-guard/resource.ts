/**
 * The compliance profile guard's custom resource as both sides see it: infra/profile-guard.ts
 * writes these properties into the template, functions/profile-guard/handler.ts reads them from
 * CloudFormation's requests. CloudFormation hands every property value over as a string (a list
 * as a list of strings), so the flag is written as one.
 */

/** The resource's type in the template. */
export const profileGuardResourceType = 'Custom::ComplianceProfileGuard';

/**
 * How long CloudFormation waits for the function's answer (the resource's ServiceTimeout) before
 * it fails the resource: minutes, not CloudFormation's default hour.
 */
export const profileGuardTimeoutSeconds = 300;

/** The properties the guard compares between the stack and the deploy. */
export const profileGuardProperties = {
  /** The deploy's compliance profiles, sorted: a list of names. */
  profiles: 'Profiles',
  /** `'true'` lets this deploy drop profiles the stack follows; `'false'` otherwise. */
  allowDowngrade: 'AllowProfileDowngrade',
  /**
   * The stack output naming the profiles, for a named instance (its key is prefixed by its
   * name: infra/output-names.ts). @default - {@link complianceProfilesOutputKey}
   */
  outputKey: 'ProfilesOutputKey',
} as const;

/**
 * The stack output that names the profiles a deployment follows (infra/output-names.ts has the
 * same key): where the guard finds the profiles of a stack deployed before it existed.
 */
export const complianceProfilesOutputKey = 'ComplianceProfiles';

/**
 * The profile that cites no regulation (compliance/profiles.ts): a deploy that leaves it for a
 * named one drops defaults, not an obligation. (Leaving it for gdpr shortens the logs' 90 days
 * to 30, which is what gdpr asks for.)
 */
export const obligationFreeProfiles: readonly string[] = ['baseline'];

/** The CloudFormation custom resource request, as far as the guard reads it. */
export interface GuardRequest {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  /** Absent on Create. */
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Readonly<Record<string, unknown>>;
  /** On Update only: the properties the stack had. */
  readonly OldResourceProperties?: Readonly<Record<string, unknown>>;
}
