/**
 * `npm run synth`: the app synthesized once per compliance profile and once with all of them,
 * and with a custom domain on each API front (infra/custom-domain.ts), each into
 * cdk.out/<name>, in one process (the same app `cdk synth` runs). The cdk-nag packs
 * and AWS Control Tower's proactive controls (compliance/guard.ts) run in every synthesis, and
 * any finding left unacknowledged, error or warning, fails it. Every profile but baseline
 * requires an alarm destination: those syntheses subscribe the placeholder address
 * (`placeholderAlarmEmail`), which names no one; a deployment gives its own.
 * Offline: the stack is environment-agnostic and the Lambda is the bundle the build made
 * (dist/lambda/ingest).
 */
import { registerGuard } from '../compliance/guard.ts';
import { complianceProfileNames } from '../compliance/profiles.ts';
import { contextKeys, withPlaceholderAlarmEmail } from './context.ts';
import { buildIngestionApp } from './ingestion-app.ts';

/** Placeholders for the custom domain's syntheses: imported, so nothing is looked up. */
const customDomain = {
  [contextKeys.customDomain]: 'hooks.example.com',
  [contextKeys.customDomainHostedZoneId]: 'Z0123456789ABCDEFGHIJ',
  [contextKeys.customDomainHostedZoneName]: 'example.com',
};
const customDomainCertificate = {
  [contextKeys.customDomain]: 'hooks.example.com',
  [contextKeys.customDomainCertificateArn]:
    'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789',
};

const syntheses: ReadonlyArray<
  readonly [name: string, profiles: string, context?: Readonly<Record<string, string>>]
> = [
  ...complianceProfileNames.map((name) => [name, name] as const),
  ['all-profiles', complianceProfileNames.join(',')],
  // Front 'rest' with its WAF, the certificate and records made from the hosted zone.
  ['custom-domain', 'pci-dss,hipaa', customDomain],
  // Front 'http' with a certificate of the operator's and no zone.
  ['custom-domain-http', 'baseline', { [contextKeys.front]: 'http', ...customDomainCertificate }],
];

for (const [name, profiles, extra = {}] of syntheses) {
  const started = Date.now();
  const { app } = buildIngestionApp({
    outdir: `cdk.out/${name}`,
    context: withPlaceholderAlarmEmail({
      ...extra,
      [contextKeys.profiles]: profiles,
      [contextKeys.stackName]: `webhook-ingestion-${name}`,
    }),
  });
  registerGuard(app);
  app.synth();
  console.log(`synthesized ${name} (${profiles}) in ${Date.now() - started} ms: cdk.out/${name}`);
}
