/**
 * The cdk-nag packs every deployment is checked against, whatever its profiles: a reviewer
 * sees the same checks for every configuration, and what a profile does not need is
 * acknowledged in compliance/acknowledgements.ts with its reason rather than left unchecked.
 */
import { type App, Validations } from 'aws-cdk-lib';
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  type NagPack,
  NIST80053R5Checks,
  PCIDSS321Checks,
  ServerlessChecks,
} from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** One instance of each pack; cdk-nag 3 reports through CDK's policy validation. */
export function nagPacks(scope?: IConstruct): NagPack[] {
  return [
    new AwsSolutionsChecks(scope),
    new HIPAASecurityChecks(scope),
    new PCIDSS321Checks(scope),
    new NIST80053R5Checks(scope),
    new ServerlessChecks(scope),
  ];
}

/** Registers the packs with the app: synthesis fails on any unacknowledged error. */
export function registerNagPacks(app: App): void {
  Validations.of(app).addPlugins(...nagPacks(app));
}
