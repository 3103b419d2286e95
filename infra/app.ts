/**
 * The `cdk` entry (cdk.json runs it from dist/infra-app.mjs):
 *
 *   npx cdk synth -c profiles=pci-dss,hipaa -c alarmEmail=ops@example.com
 *   npx cdk deploy -c stackName=webhooks-prod -c profiles=gdpr \
 *     -c alarmTopicArn=arn:aws:sns:eu-west-1:111122223333:ops-alarms \
 *     -c alarmTopicEncryptedAndTlsOnly=true
 *   npx cdk deploy -c customDomain=hooks.example.com -c customDomainHostedZoneId=Z0123456789ABC \
 *     -c customDomainHostedZoneName=example.com
 *
 * Every profile but baseline needs an alarm destination (`alarmEmail` or `alarmTopicArn`). The
 * CLI synthesizes the app when this process exits; cdk-nag findings fail it.
 */
import { AppContextError } from './context.ts';
import { CustomDomainError } from './custom-domain.ts';
import { buildIngestionApp } from './ingestion-app.ts';
import { DeploymentSettingsError } from './settings.ts';

try {
  buildIngestionApp();
} catch (error) {
  // A configuration mistake is the operator's to fix: say what, without a stack trace.
  if (
    !(
      error instanceof AppContextError ||
      error instanceof DeploymentSettingsError ||
      error instanceof CustomDomainError
    )
  ) {
    throw error;
  }
  console.error(error.message);
  process.exit(1);
}
