/**
 * The stock app's template in every compliance profile, and in all of them at once, passes
 * cfn-lint: the templates `npm run synth` writes and `npm run lint:templates` lints, here in
 * `npm test` too. What every profile carries is linted here once rather than in each feature's
 * tests: the audit digests, the audit backups (pci-dss, hipaa), the profile guard, the source
 * range refresher, the access trail and the self-audit where the profile turns them on.
 */
import { expect, it } from 'vitest';
import { complianceProfileNames } from '../../compliance/profiles.ts';
import { cfnLint, cleanRun, hasCfnLint } from './cfn-lint.ts';
import { deployment } from './deployment.ts';

const syntheses = {
  ...Object.fromEntries(complianceProfileNames.map((profile) => [profile, profile])),
  'all-profiles': complianceProfileNames.join(','),
};

it.runIf(hasCfnLint || process.env.CI)(
  'every profile, and all profiles at once, synthesize a template cfn-lint finds nothing in',
  () => {
    const templates = Object.fromEntries(
      Object.entries(syntheses).map(([name, profiles]) => [
        name,
        deployment({ profiles }).template,
      ]),
    );
    const run = cfnLint(templates);
    expect(run.output).toContain(cleanRun(Object.keys(templates).length));
    expect(run.status).toBe(0);
  },
  240_000,
);
