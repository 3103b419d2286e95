/**
 * The profiles that require VPC placement (and, for pci-dss, a WAF), alone and combined with
 * every other profile, held to every security property (deployment-checks.ts).
 */
import { complianceProfileNames } from '../../compliance/profiles.ts';
import { describeDeployment } from './deployment-checks.ts';

describeDeployment(
  'pci-dss',
  { profiles: 'pci-dss' },
  {
    profiles: ['pci-dss'],
    waf: true,
    vpc: true,
  },
);

describeDeployment('hipaa', { profiles: 'hipaa' }, { profiles: ['hipaa'], waf: true, vpc: true });

describeDeployment(
  'all-profiles',
  { profiles: complianceProfileNames.join(',') },
  {
    profiles: complianceProfileNames,
    waf: true,
    vpc: true,
  },
);
