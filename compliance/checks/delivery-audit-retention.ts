/**
 * Delivery audit records kept as long as the profile asks (PCI DSS 10.5.1: 12 months; HIPAA
 * §164.316(b)(2): six years; CCPA 11 CCR §7101: 24 months), through the Lambda's floor.
 */
import { retentionFloorVariable } from '../../functions/config/retention.ts';
import { auditDays } from '../profiles.ts';
import { describeAuditClass, lambdaRetentionClass } from './retention-class.ts';
import type { TemplateRule } from './rule.ts';

export const deliveryAuditRetention: TemplateRule<'delivery-audit-retention'> = {
  name: 'delivery-audit-retention',
  summary:
    "Every delivery audit record is kept at least as long as the profile's delivery audit class (the Lambda's retention floor).",
  evaluate(context) {
    const floor = context.requirements.deliveryAuditFloor;
    return lambdaRetentionClass(context, retentionFloorVariable, describeAuditClass, (deployed) =>
      auditDays(deployed) < auditDays(floor)
        ? `delivery audit records keep ${describeAuditClass(deployed)}, less than ${describeAuditClass(floor)}`
        : undefined,
    );
  },
};
