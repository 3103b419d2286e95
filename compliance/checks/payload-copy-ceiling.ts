/**
 * Payload copies kept no longer than the profile allows (GDPR 5(1)(e) storage limitation, and
 * none at all under gdpr), through the Lambda's ceiling.
 */
import { payloadCopyCeilingVariable } from '../../functions/config/retention.ts';
import { payloadDays } from '../profiles.ts';
import { describePayloadClass, lambdaRetentionClass } from './retention-class.ts';
import type { TemplateRule } from './rule.ts';

export const payloadCopyCeiling: TemplateRule<'payload-copy-ceiling'> = {
  name: 'payload-copy-ceiling',
  summary:
    "A redacted payload copy is kept no longer than the profile's payload ceiling allows (none at all under gdpr).",
  evaluate(context) {
    const ceiling = context.requirements.payloadCopyCeiling;
    return lambdaRetentionClass(
      context,
      payloadCopyCeilingVariable,
      describePayloadClass,
      (deployed) =>
        payloadDays(deployed) > payloadDays(ceiling)
          ? `payload copies keep ${describePayloadClass(deployed)}, longer than ${describePayloadClass(ceiling)}`
          : undefined,
    );
  },
};
