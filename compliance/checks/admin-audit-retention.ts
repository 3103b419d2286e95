/**
 * Admin records (who changed a provider, who read the trail) kept as long as the profile asks
 * (PCI DSS 10.5.1, HIPAA §164.316(b)(2), CCPA 11 CCR §7101). The class is set in code, not in
 * the template, so the evidence names the source file.
 */
import { adminRetentionClass } from '../../functions/config/retention.ts';
import { auditDays } from '../profiles.ts';
import { describeAuditClass } from './retention-class.ts';
import { compliantUnless, finding, type TemplateRule } from './rule.ts';

const adminRecordSource = 'functions/config/retention.ts';

export const adminAuditRetention: TemplateRule<'admin-audit-retention'> = {
  name: 'admin-audit-retention',
  summary:
    "Every admin action's record (who changed a provider or read the trail) is kept at least as long as the profile asks.",
  evaluate(context) {
    const floor = context.requirements.adminAuditFloor;
    const short = auditDays(adminRetentionClass) < auditDays(floor);
    return compliantUnless(
      short
        ? [
            finding(
              `admin records keep ${describeAuditClass(adminRetentionClass)}, less than ${describeAuditClass(floor)}`,
              adminRecordSource,
            ),
          ]
        : [],
      [
        {
          resource: adminRecordSource,
          type: 'code',
          property: 'adminRetentionClass',
          value: describeAuditClass(adminRetentionClass),
        },
      ],
    );
  },
};
