/**
 * `npm run synth`: the app synthesized once per compliance profile and once with all of them,
 * each into cdk.out/<name>, in one process (the same app `cdk synth` runs). The cdk-nag packs
 * and AWS Control Tower's proactive controls (compliance/guard.ts) run in every synthesis, and
 * any finding left unacknowledged, error or warning, fails it.
 * Offline: the stack is environment-agnostic and the Lambda is the bundle the build made
 * (dist/lambda/ingest).
 */
import { registerGuard } from '../compliance/guard.ts';
import { complianceProfileNames } from '../compliance/profiles.ts';
import { contextKeys } from './context.ts';
import { buildIngestionApp } from './ingestion-app.ts';

const syntheses: ReadonlyArray<readonly [name: string, profiles: string]> = [
  ...complianceProfileNames.map((name) => [name, name] as const),
  ['all-profiles', complianceProfileNames.join(',')],
];

for (const [name, profiles] of syntheses) {
  const started = Date.now();
  const { app } = buildIngestionApp({
    outdir: `cdk.out/${name}`,
    context: {
      [contextKeys.profiles]: profiles,
      [contextKeys.stackName]: `webhook-ingestion-${name}`,
    },
  });
  registerGuard(app);
  app.synth();
  console.log(`synthesized ${name} (${profiles}) in ${Date.now() - started} ms: cdk.out/${name}`);
}
