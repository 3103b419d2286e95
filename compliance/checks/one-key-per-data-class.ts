/**
 * Each class of data under a key of its own (PCI DSS 3.6.1: a key serves one purpose), so one
 * key policy decides who reads one class and no other. With `--stack`, the key each table and
 * queue uses as it runs (the DynamoDB and SQS readings of live.ts) is the template's, and no
 * other class uses it.
 */
import { stackOutputKeys } from '../../infra/output-names.ts';
import type { Observed } from '../report/observed.ts';
import { type Resource, resourceOfOutput, resourcesOfType } from '../report/template.ts';
import {
  type Evidence,
  type Finding,
  finding,
  observation,
  type RuleContext,
  ruleOutcome,
  type TemplateRule,
  withLive,
} from './rule.ts';
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
    const liveKeys = holders.flatMap(([dataClass, holder]) => {
      const read = holder === undefined ? undefined : liveKeyOf(context, holder);
      return read !== undefined && 'value' in read && read.value !== undefined
        ? [{ dataClass, key: keyIdOf(read.value) }]
        : [];
    });
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
        ...withLive(context, (live) => {
          // DynamoDB gives the key's ARN, SQS the key as it was set: compare by key id.
          const known = key.keyId === undefined ? undefined : live.keys.get(key.keyId);
          const expected = [known?.arn, known?.keyId].flatMap((k) =>
            k === undefined ? [] : [keyIdOf(k)],
          );
          return observation(liveKeyOf(context, holder), (liveKey) => {
            const id = liveKey === undefined ? undefined : keyIdOf(liveKey);
            const shared = liveKeys.filter(
              (other) => other.dataClass !== dataClass && other.key === id,
            );
            return [
              id !== undefined &&
                (expected.length === 0 || expected.includes(id)) &&
                shared.length === 0,
              id === undefined
                ? 'no KMS key'
                : shared.length > 0
                  ? `${liveKey}, shared with ${[...new Set(shared.map((o) => o.dataClass))].join(', ')}`
                  : (liveKey ?? 'no KMS key'),
            ];
          });
        }),
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

/** The key a table or queue uses as it runs (live.ts's readings), as DynamoDB or SQS gives it. */
function liveKeyOf(
  context: RuleContext,
  { id, resource }: Resource,
): Observed<string | undefined> | undefined {
  const reading =
    resource.Type === 'AWS::DynamoDB::Table'
      ? context.live?.tables.get(id)?.description
      : context.live?.queues.get(id)?.attributes;
  if (reading === undefined || !('value' in reading)) return reading;
  const value = reading.value;
  const key = 'kmsKeyArn' in value ? value.kmsKeyArn : value.kmsMasterKeyId;
  return { value: key, ...(reading.readAt === undefined ? {} : { readAt: reading.readAt }) };
}

/** A key ARN's or id's key id, so that an ARN and an id of one key compare equal. */
const keyIdOf = (key: string) => key.split('/').at(-1) ?? key;
