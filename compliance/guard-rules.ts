/**
 * The ids of Control Tower's proactive controls as CDK's validation names them, without the
 * validator itself: the construct (through compliance/acknowledgements.ts) acknowledges them in
 * every app, and only the project's own synth (compliance/guard.ts) loads the validator, a
 * development dependency with a native binary.
 */

/** The plugin's name, which CDK uses as the namespace of its rule ids. */
export const guardPluginName = 'cdk-validator-cfnguard';

/** The Control Tower rules a deployment of this construct keeps a finding of, by cfn-guard name. */
export type GuardRuleName =
  | 'api_gw_v2_authorization_type_configured_check'
  | 'api_gw_xray_enabled_check'
  | 'cloudwatch_log_group_retention_period_check'
  | 'lambda_function_public_access_prohibited_check'
  | 'lambda_inside_vpc_check'
  | 's3_bucket_logging_enabled_check'
  | 's3_bucket_object_lock_enabled_check'
  | 's3_bucket_versioning_enabled_check'
  | 's3_event_notifications_enabled_check';

/** A rule's id as `Validations.acknowledge` takes it and CDK's validation report names it. */
export function guardRule(name: GuardRuleName): string {
  return `${guardPluginName}::${name}`;
}
