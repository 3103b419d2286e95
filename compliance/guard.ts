/**
 * AWS Control Tower's proactive controls, run at synth as the cdk-nag packs are
 * (compliance/nag.ts). Organizations under Control Tower turn these controls on as
 * CloudFormation hooks, and a hook refuses at deploy a stack that breaks one: running the same
 * cfn-guard rules (the ones @cdklabs/cdk-validator-cfnguard ships, with the cfn-guard binary)
 * at synth says so before a deploy is tried.
 *
 * A finding is acknowledged like a cdk-nag one, with its reason, in
 * compliance/acknowledgements.ts, by its id in the plugin's namespace
 * (compliance/guard-rules.ts). An acknowledgement only quiets the synth: a hook enforcing that
 * control knows nothing of it and still refuses the resource (docs/compliance.md lists them).
 *
 * A development dependency, loaded only by the project's own synth and tests: the construct's
 * users do not install it, and its binary exists for Linux and macOS only.
 */
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { type App, Validations } from 'aws-cdk-lib';

/**
 * One validator with every bundled Control Tower rule. cfn-guard's report on the all-profiles
 * template is about 200 KB, a fifth of Node's default 1 MiB for a child's output, past which
 * the plugin fails as an error of its own instead of reporting findings: headroom for a stack
 * with a consumer or several instances.
 */
export function guardValidator(): CfnGuardValidator {
  return new CfnGuardValidator({ maxBuffer: 16 * 1024 * 1024 });
}

/** Registers the validator with the app: synthesis fails on any unacknowledged finding. */
export function registerGuard(app: App): void {
  Validations.of(app).addPlugins(guardValidator());
}
