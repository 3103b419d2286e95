/**
 * Retention classes as the retention rules name and judge them: the class the ingest Lambda's
 * environment names, against the class a profile asks for.
 */

import { isRetentionClassName, type RetentionClassName } from '../../functions/config/retention.ts';
import { auditTable } from '../../functions/config/tables.ts';
import { auditDays, payloadDays } from '../profiles.ts';
import { describeValue, environmentOf, ingestFunction } from '../report/template.ts';
import {
  compliantUnless,
  finding,
  liveResource,
  notApplicable,
  type RuleContext,
  type RuleOutcome,
} from './rule.ts';

/** `standard (400 days)` */
export const describeAuditClass = (name: RetentionClassName) => `${name} (${auditDays(name)} days)`;

/** `minimal (no copy)` or `standard (7 days)` */
export function describePayloadClass(name: RetentionClassName): string {
  const days = payloadDays(name);
  return `${name} (${days === 0 ? 'no copy' : `${days} days`})`;
}

/**
 * The retention class the ingest Lambda's `variable` names, judged by `shortfall` (which says
 * how it falls short of the profile, if it does); one evidence row.
 */
export function lambdaRetentionClass(
  context: RuleContext,
  variable: string,
  describe: (name: RetentionClassName) => string,
  shortfall: (deployed: RetentionClassName) => string | undefined,
): RuleOutcome {
  const ingest = ingestFunction(context.template, auditTable.nameVariable);
  if (ingest === undefined) {
    return notApplicable('the template has no ingest Lambda (no function names the audit table)');
  }
  const value = environmentOf(ingest.resource)[variable];
  const why = !isRetentionClassName(value)
    ? `the ingest Lambda's ${variable} is ${describeValue(value)}, not a retention class`
    : shortfall(value);
  return compliantUnless(why === undefined ? [] : [finding(why, ingest.id)], [
    {
      resource: ingest.id,
      type: ingest.resource.Type,
      property: `Environment.Variables.${variable}`,
      value: isRetentionClassName(value) ? describe(value) : describeValue(value),
      ...liveResource(context, 'functions', ingest.id, ({ settings }) => [
        settings[variable] === value,
        settings[variable] ?? '(not set)',
      ]),
    },
  ]);
}
