/**
 * Each class of data under a key of its own (PCI DSS 3.6.1: a key serves one purpose), so one
 * key policy decides who reads one class and no other.
 */
import { stackOutputKeys } from '../../infra/output-names.ts';
import { type Resource, resourceOfOutput, resourcesOfType } from '../report/template.ts';
import { type Evidence, type Finding, finding, ruleOutcome, type TemplateRule } from './rule.ts';
import { stackKeyAt } from './stack-key.ts';

export const oneKeyPerDataClass: TemplateRule<'one-key-per-data-class'> = {
  name: 'one-key-per-data-class',
  summary:
    'Provider secrets (registry table), the audit trail (audit table) and queued deliveries (queues) each have a key of their own.',
  evaluate(context) {
    const { template } = context;
    const table = (outputKey: string) =>
      resourceOfOutput(template, outputKey, 'AWS::DynamoDB::Table');
    const tableKey = 'SSESpecification.KMSMasterKeyId';
    const holders: Array<readonly [string, Resource | undefined, string]> = [
      ['provider secrets', table(stackOutputKeys.registryTableName), tableKey],
      ['audit trail', table(stackOutputKeys.auditTableName), tableKey],
      ...resourcesOfType(template, 'AWS::SQS::Queue').map(
        (queue) => ['queued deliveries', queue, 'KmsMasterKeyId'] as const,
      ),
    ];
    const findings: Finding[] = [];
    const usesByKey = new Map<string, { classes: Set<string>; holders: string[] }>();
    const evidence: Evidence[] = [];
    for (const [dataClass, holder, path] of holders) {
      if (holder === undefined) {
        findings.push(finding(`the template's outputs name no table for ${dataClass}`));
        continue;
      }
      const key = stackKeyAt(context, holder, path);
      const uses = usesByKey.get(key.text) ?? { classes: new Set(), holders: [] };
      uses.classes.add(dataClass);
      uses.holders.push(holder.id);
      usesByKey.set(key.text, uses);
      evidence.push({
        resource: holder.id,
        type: holder.resource.Type,
        property: `${path} (${dataClass})`,
        value: key.text,
      });
    }
    for (const [key, { classes, holders: ids }] of usesByKey) {
      if (classes.size > 1) {
        findings.push(finding(`${[...classes].join(' and ')} share the key ${key}`, ...ids));
      }
    }
    return ruleOutcome(evidence, findings, 'the template has no table or queue');
  },
};
