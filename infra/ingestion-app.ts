/**
 * The CDK app: one stack holding the WebhookIngestion construct, configured by CDK context
 * (infra/context.ts) and checked by the cdk-nag packs when it synthesizes. `cdk synth` runs it
 * through infra/app.ts; `npm run synth` builds one per compliance profile in one process.
 */
import { App, type AppProps, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as sns from 'aws-cdk-lib/aws-sns';
import { registerNagPacks } from '../compliance/nag.ts';
import { type CustomDomainContext, readAppContext } from './context.ts';
import type { CustomDomainOptions } from './custom-domain.ts';
import { WebhookIngestion } from './webhook-ingestion.ts';

export interface IngestionApp {
  readonly app: App;
  readonly stack: Stack;
  readonly ingestion: WebhookIngestion;
}

/** The app, its stack and construct; `props.context` adds to the context the CLI passes. */
export function buildIngestionApp(props: AppProps = {}): IngestionApp {
  const app = new App(props);
  const {
    stackName,
    props: ingestionProps,
    customDomain,
    alarmTopicArn,
  } = readAppContext((key) => app.node.tryGetContext(key));
  const stack = new Stack(app, stackName, {
    stackName,
    description: 'webhook-ingestion: verified, audited third-party webhooks into SQS',
    // No `env`: an environment-agnostic stack synthesizes offline (no AZ lookups) and deploys
    // to the account and region of the CLI's credentials.
  });
  const ingestion = new WebhookIngestion(stack, 'WebhookIngestion', {
    ...ingestionProps,
    ...(customDomain === undefined
      ? {}
      : { customDomain: importedCustomDomain(stack, customDomain) }),
    // An existing topic (`-c alarmTopicArn=…`): imported, so synthesis looks nothing up.
    ...(alarmTopicArn === undefined
      ? {}
      : { alarmTopic: sns.Topic.fromTopicArn(stack, 'AlarmTopic', alarmTopicArn) }),
  });
  registerNagPacks(app);
  return { app, stack, ingestion };
}

/** The context's custom domain as the construct's prop: its certificate and zone imported. */
function importedCustomDomain(stack: Stack, domain: CustomDomainContext): CustomDomainOptions {
  return {
    domainName: domain.domainName,
    ...(domain.certificateArn === undefined
      ? {}
      : {
          certificate: acm.Certificate.fromCertificateArn(
            stack,
            'CustomDomainCertificate',
            domain.certificateArn,
          ),
        }),
    ...(domain.hostedZone === undefined
      ? {}
      : {
          hostedZone: route53.HostedZone.fromHostedZoneAttributes(
            stack,
            'CustomDomainZone',
            domain.hostedZone,
          ),
        }),
  };
}
