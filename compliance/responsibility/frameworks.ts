/**
 * Which profile has a responsibility matrix. PCI DSS and HIPAA are assessed requirement by
 * requirement, so an assessor needs every one assigned; GDPR and CCPA duties are the
 * controller's and business's, recorded in docs/gdpr-article-30.md instead.
 */
import type { RegulatedProfileName } from '../controls.ts';
import type { ComplianceProfileName } from '../profiles.ts';
import { hipaaResponsibility } from './hipaa.ts';
import type { ResponsibilityMatrix } from './matrix.ts';
import { pciDssResponsibility } from './pci-dss.ts';

export const responsibilityMatrices: Readonly<
  Partial<Record<RegulatedProfileName, ResponsibilityMatrix>>
> = {
  'pci-dss': pciDssResponsibility,
  hipaa: hipaaResponsibility,
};

/** The matrix of `profile`, if it has one. */
export function responsibilityMatrixOf(
  profile: ComplianceProfileName,
): ResponsibilityMatrix | undefined {
  return profile === 'baseline' ? undefined : responsibilityMatrices[profile];
}
