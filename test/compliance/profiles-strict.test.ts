/**
 * The profiles that require VPC placement (and, for pci-dss, a WAF and so a REST API; hipaa
 * stays on an HTTP API), alone and combined with every other profile, held to every security
 * property (deployment-checks.ts).
 */
import { complianceProfileNames } from '../../compliance/profiles.ts';
import { describeDeployment } from './deployment-checks.ts';

describeDeployment(
  'pci-dss',
  { profiles: 'pci-dss' },
  { profiles: ['pci-dss'], front: 'rest', waf: true, tracing: false, vpc: true },
);

describeDeployment(
  'hipaa',
  { profiles: 'hipaa' },
  { profiles: ['hipaa'], front: 'http', waf: false, tracing: false, vpc: true },
);

describeDeployment(
  'all-profiles',
  { profiles: complianceProfileNames.join(',') },
  { profiles: complianceProfileNames, front: 'rest', waf: true, tracing: false, vpc: true },
);
