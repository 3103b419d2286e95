/**
 * The security properties every deployment must have, as one suite run per configuration.
 * What a template rule judges (encryption, rotation, TLS-only, PITR, TTL, retention at least
 * the profiles', no wildcard permissions, no secrets, logs without bodies) is asserted by
 * running that rule of compliance/checks/, the one the compliance report runs; the tests here
 * add what is particular to this construct (which key, which alias, which limits) and zero
 * cdk-nag findings.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { accessTrailLogsDataAccess } from '../../compliance/checks/access-trail-logs-data-access.ts';
import { auditBackupsInLockedVault } from '../../compliance/checks/audit-backups-in-locked-vault.ts';
import { auditEvidenceRetainedOnStackDeletion } from '../../compliance/checks/audit-evidence-retained-on-stack-deletion.ts';
import { auditRecordsExpireByTtl } from '../../compliance/checks/audit-records-expire-by-ttl.ts';
import { deliveryAuditRetention } from '../../compliance/checks/delivery-audit-retention.ts';
import { keyUseBoundWithoutWildcards } from '../../compliance/checks/key-use-bound-without-wildcards.ts';
import { keysRotateYearly } from '../../compliance/checks/keys-rotate-yearly.ts';
import { lambdaInIsolatedNetwork } from '../../compliance/checks/lambda-in-isolated-network.ts';
import { logGroupsEncrypted } from '../../compliance/checks/log-groups-encrypted.ts';
import { logRetention } from '../../compliance/checks/log-retention.ts';
import { noSecretsInTemplate } from '../../compliance/checks/no-secrets-in-template.ts';
import { oneKeyPerDataClass } from '../../compliance/checks/one-key-per-data-class.ts';
import { type TemplateCheckName, templateRules } from '../../compliance/checks/pack.ts';
import { payloadCopyCeiling } from '../../compliance/checks/payload-copy-ceiling.ts';
import { queuesAndTopicsRequireTls } from '../../compliance/checks/queues-and-topics-require-tls.ts';
import { queuesEncrypted } from '../../compliance/checks/queues-encrypted-with-customer-managed-key.ts';
import type { RuleOutcome, TemplateRule } from '../../compliance/checks/rule.ts';
import { tablesDeletionProtected } from '../../compliance/checks/tables-deletion-protected.ts';
import { tablesEncrypted } from '../../compliance/checks/tables-encrypted-with-customer-managed-keys.ts';
import { tablesPointInTimeRecovery } from '../../compliance/checks/tables-point-in-time-recovery.ts';
import { wafInFrontOfApi } from '../../compliance/checks/waf-in-front-of-api.ts';
import { type ComplianceProfileName, combineProfiles } from '../../compliance/profiles.ts';
import {
  actionsOf,
  policyStatements,
  property,
  referencedId,
  resourceOfOutput,
  resourcesOfType,
  valueAt,
} from '../../compliance/report/template.ts';
import { auditFieldsKmsContext } from '../../functions/audit/data-key-cache.ts';
import { auditIntegrityPurpose } from '../../functions/audit/record-seal.ts';
import { subjectIndexKmsContext } from '../../functions/audit/subject-index.ts';
import { payloadBucket } from '../../functions/config/buckets.ts';
import { kmsKeys } from '../../functions/config/keys.ts';
import { queueMaxMessageBytes } from '../../functions/config/limits.ts';
import { deliveryQueue } from '../../functions/config/queues.ts';
import {
  payloadCopyCeilingVariable,
  retentionFloorVariable,
} from '../../functions/config/retention.ts';
import { auditTable, registryTable } from '../../functions/config/tables.ts';
import { providerSecretPurpose } from '../../functions/registry/secrets.ts';
import type { IngestFrontName } from '../../infra/front.ts';
import { operatorOutputKeys, stackOutputKeys } from '../../infra/output-names.ts';
import {
  type Deployment,
  deployment,
  ingestLambda,
  nagFindings,
  outputRef,
  propertyOf,
} from '../infra/deployment.ts';
import {
  expectAccessLogAndThrottling,
  expectFunctionUrlLimits,
  expectModernTls,
  expectWebhookRoute,
} from './front-checks.ts';
import { expectEgressToEndpointsOnly, expectReadOnlyPrefixListLookup } from './network-checks.ts';

export interface Expectations {
  readonly profiles: readonly ComplianceProfileName[];
  readonly front: IngestFrontName;
  readonly waf: boolean;
  readonly tracing: boolean;
  readonly vpc: boolean;
}

/** The part of a web ACL rule these tests read. */
interface WebAclRule {
  readonly Statement?: {
    readonly RateBasedStatement?: { readonly AggregateKeyType?: string };
    readonly ManagedRuleGroupStatement?: {
      readonly RuleActionOverrides?: ReadonlyArray<{ Name: string; ActionToUse: unknown }>;
    };
  };
}

const compliant = { kind: 'compliant' } as const;

/** Registers the suite for the deployment synthesized from `context`. */
export function describeDeployment(
  label: string,
  context: Readonly<Record<string, unknown>>,
  expected: Expectations,
): void {
  describe(`a ${label} deployment`, () => {
    let d: Deployment;
    const requirements = combineProfiles(expected.profiles);
    const front = { ...expected, accessLogRequired: requirements.accessLogRequired };
    beforeAll(() => {
      d = deployment(context);
    }, 180_000);

    /** A rule's outcome on this deployment, against the combined profiles' requirements. */
    const outcome = (rule: TemplateRule): RuleOutcome =>
      rule.evaluate({ template: d.cloudFormation, requirements });
    const verdictOf = (rule: TemplateRule) => outcome(rule).verdict;
    const keyId = (output: string) => outputRef(d.cloudFormation, output);
    const keyStatements = (output: string) =>
      propertyOf<{ Statement: Record<string, unknown>[] }>(
        resourceOfOutput(d.cloudFormation, output, 'AWS::KMS::Key'),
        'KeyPolicy',
      ).Statement;
    const table = (output: string) =>
      resourceOfOutput(d.cloudFormation, output, 'AWS::DynamoDB::Table');
    const ingestRoleId = () => {
      const role = referencedId(property(ingestLambda(d.cloudFormation).resource, 'Role'));
      if (role === undefined) throw new Error('no ingest Lambda role');
      return role;
    };

    it('passes every cdk-nag pack with no unacknowledged finding', () => {
      expect(nagFindings(d.app)).toEqual([]);
    });

    it('meets every template rule of the compliance pack its configuration turns on', () => {
      // Without a WAF or a VPC those two rules cannot comply, nor can a function URL the access
      // log and TLS rules; their own tests below say how.
      const off: readonly TemplateCheckName[] = [
        ...(expected.waf ? [] : (['waf-in-front-of-api'] as const)),
        ...(expected.vpc ? [] : (['lambda-in-isolated-network'] as const)),
        ...(expected.front === 'url'
          ? (['api-access-logging', 'api-minimum-tls-1-2'] as const)
          : []),
        // Only the regulated profiles keep backups; the others have nothing it could judge.
        ...(requirements.backupPlanRequired ? [] : (['audit-backups-in-locked-vault'] as const)),
        // Only pci-dss and hipaa require the access trail.
        ...(requirements.accessTrailRequired ? [] : (['access-trail-logs-data-access'] as const)),
      ];
      const on = templateRules.filter((rule) => !off.includes(rule.name));
      if (!requirements.backupPlanRequired) {
        expect(verdictOf(auditBackupsInLockedVault)).toEqual({
          kind: 'not-applicable',
          reason: 'the profile requires no backup plan',
        });
      }
      if (!requirements.accessTrailRequired) {
        expect(verdictOf(accessTrailLogsDataAccess)).toEqual({
          kind: 'not-applicable',
          reason: 'the profile requires no access trail',
        });
      }
      expect(on.map((rule) => [rule.name, verdictOf(rule)])).toEqual(
        on.map((rule) => [rule.name, compliant]),
      );
    });

    it('rotates one customer managed key per data class, under the configured aliases', () => {
      const keys = resourcesOfType(d.cloudFormation, 'AWS::KMS::Key');
      // The data keys, the audit digests' signing key, which KMS cannot rotate, and the access
      // trail's key where a profile requires the trail (infra/access-trail.ts).
      const symmetric = requirements.accessTrailRequired ? 4 : 3;
      expect(
        keys.map(({ resource }) => property(resource, 'KeySpec') ?? 'SYMMETRIC_DEFAULT').sort(),
      ).toEqual(['ECC_NIST_P256', ...Array<string>(symmetric).fill('SYMMETRIC_DEFAULT')]);
      expect(verdictOf(keysRotateYearly)).toEqual(compliant);
      expect(verdictOf(oneKeyPerDataClass)).toEqual(compliant);
      const aliases = resourcesOfType(d.cloudFormation, 'AWS::KMS::Alias').map(({ resource }) => [
        property(resource, 'AliasName'),
        referencedId(property(resource, 'TargetKeyId')),
      ]);
      expect(aliases).toEqual(
        expect.arrayContaining([
          [kmsKeys.secrets.alias, keyId(stackOutputKeys.secretsKeyId)],
          [kmsKeys.audit.alias, keyId(stackOutputKeys.auditKeyId)],
          [kmsKeys.queue.alias, keyId(operatorOutputKeys.queueKeyId)],
        ]),
      );
    });

    it('allows no wildcard action in any key, role, queue, topic or endpoint policy', () => {
      const allows = policyStatements(d.cloudFormation).filter(
        ({ statement }) => statement.Effect === 'Allow',
      );
      expect(allows.length).toBeGreaterThan(10);
      expect(verdictOf(keyUseBoundWithoutWildcards)).toEqual(compliant);
    });

    it('gives its roles customer managed policies only: no inline, no AWS managed policy', () => {
      d.template.resourceCountIs('AWS::IAM::Policy', 0);
      const roles = resourcesOfType(d.cloudFormation, 'AWS::IAM::Role')
        // CDK's own deploy-time custom resource (the default security group's restriction).
        .filter(({ id }) => !id.startsWith('CustomVpcRestrictDefaultSG'));
      // The ingest Lambda's, and the region's API Gateway logging role on a REST API.
      expect(roles.map(({ id }) => id)).toContain(ingestRoleId());
      for (const { resource } of roles) {
        expect(property(resource, 'Policies')).toBeUndefined();
        expect(property(resource, 'ManagedPolicyArns')).toBeUndefined();
      }
    });

    it('binds every use of a key to an encryption context or to the service that asks', () => {
      const keyPolicyGrants = policyStatements(d.cloudFormation).filter(
        ({ type, statement }) => type === 'AWS::KMS::Key' && statement.Effect === 'Allow',
      );
      expect(keyPolicyGrants.length).toBeGreaterThan(0);
      expect(verdictOf(keyUseBoundWithoutWildcards)).toEqual(compliant);
    });

    it('lets only the ingest Lambda decrypt provider secrets, and only under their context', () => {
      const direct = keyStatements(stackOutputKeys.secretsKeyId).filter(
        (s) =>
          actionsOf(s).includes('kms:Decrypt') &&
          JSON.stringify(s.Condition ?? {}).includes('kms:ViaService') === false,
      );
      expect(direct).toHaveLength(1);
      expect(direct[0]).toMatchObject({
        Principal: { AWS: { 'Fn::GetAtt': [ingestRoleId(), 'Arn'] } },
        Condition: {
          StringEquals: { 'kms:EncryptionContext:purpose': providerSecretPurpose },
          'ForAllValues:StringEquals': {
            'kms:EncryptionContextKeys': ['providerId', 'purpose', 'scheme', 'keyKind', 'settings'],
          },
        },
      });
    });

    it('lets the ingest Lambda make audit-field data keys only under their context', () => {
      expect(keyStatements(stackOutputKeys.auditKeyId)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
            Principal: { AWS: { 'Fn::GetAtt': [ingestRoleId(), 'Arn'] } },
            Condition: expect.objectContaining({
              StringEquals: { 'kms:EncryptionContext:purpose': auditFieldsKmsContext.purpose },
            }),
          }),
        ]),
      );
    });

    it('lets the ingest Lambda only decrypt the subject-index secret, under its context', () => {
      const bySubjectPurpose = keyStatements(stackOutputKeys.auditKeyId).filter((s) =>
        JSON.stringify(s.Condition ?? {}).includes(subjectIndexKmsContext.purpose as string),
      );
      expect(bySubjectPurpose).toEqual([
        expect.objectContaining({
          Sid: 'SubjectIndexSecretByOperators',
          Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        }),
        expect.objectContaining({
          Sid: 'IngestDecryptsSubjectIndexSecret',
          Action: 'kms:Decrypt',
          Principal: { AWS: { 'Fn::GetAtt': [ingestRoleId(), 'Arn'] } },
          Condition: {
            StringEquals: { 'kms:EncryptionContext:purpose': subjectIndexKmsContext.purpose },
            'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['purpose'] },
          },
        }),
      ]);
    });

    it('lets only the ingest Lambda make seal keys for delivery records, and operators only their own', () => {
      const sealing = keyStatements(stackOutputKeys.auditKeyId).filter((s) =>
        JSON.stringify(s.Condition ?? {}).includes(auditIntegrityPurpose),
      );
      const writerBound = (writer: string) => ({
        StringEquals: {
          'kms:EncryptionContext:purpose': auditIntegrityPurpose,
          'kms:EncryptionContext:writer': writer,
        },
        'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['purpose', 'writer'] },
      });
      expect(sealing).toEqual([
        expect.objectContaining({
          Sid: 'AuditSealingByOperators',
          Action: 'kms:GenerateDataKey',
          Condition: writerBound('operator'),
        }),
        expect.objectContaining({ Sid: 'AuditSealVerificationByAuditors', Action: 'kms:Decrypt' }),
        expect.objectContaining({
          Sid: 'IngestSealsAuditRecords',
          Action: 'kms:GenerateDataKey',
          Principal: { AWS: { 'Fn::GetAtt': [ingestRoleId(), 'Arn'] } },
          Condition: writerBound('ingest'),
        }),
      ]);
    });

    it('keeps both tables encrypted, recoverable, protected from deletion and on demand', () => {
      expect(resourcesOfType(d.cloudFormation, 'AWS::DynamoDB::Table')).toHaveLength(2);
      const keyOf = (tableOutput: string) =>
        propertyOf<{ KMSMasterKeyId: unknown }>(table(tableOutput), 'SSESpecification')
          .KMSMasterKeyId;
      expect(keyOf(stackOutputKeys.registryTableName)).toEqual({
        'Fn::GetAtt': [keyId(stackOutputKeys.secretsKeyId), 'Arn'],
      });
      expect(keyOf(stackOutputKeys.auditTableName)).toEqual({
        'Fn::GetAtt': [keyId(stackOutputKeys.auditKeyId), 'Arn'],
      });
      expect(verdictOf(tablesEncrypted)).toEqual(compliant);
      expect(verdictOf(tablesPointInTimeRecovery)).toEqual(compliant);
      expect(verdictOf(tablesDeletionProtected)).toEqual(compliant);
      d.template.allResourcesProperties('AWS::DynamoDB::Table', { BillingMode: 'PAY_PER_REQUEST' });
    });

    it('builds the tables from their shared definitions: keys, TTL and the CLI index', () => {
      const audit = table(stackOutputKeys.auditTableName)?.resource.Properties;
      const registry = table(stackOutputKeys.registryTableName)?.resource.Properties;
      expect(audit).toMatchObject({
        KeySchema: [
          { AttributeName: auditTable.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: auditTable.sortKey.name, KeyType: 'RANGE' },
        ],
        TimeToLiveSpecification: { AttributeName: auditTable.timeToLiveAttribute, Enabled: true },
        GlobalSecondaryIndexes: auditTable.globalSecondaryIndexes.map((index) =>
          expect.objectContaining({
            IndexName: index.indexName,
            Projection: { ProjectionType: index.projection },
          }),
        ),
      });
      expect(registry).toMatchObject({
        KeySchema: [{ AttributeName: registryTable.partitionKey.name, KeyType: 'HASH' }],
      });
      expect(verdictOf(auditRecordsExpireByTtl)).toEqual(compliant);
    });

    it('encrypts both queues with the queue key, caps the message size and redrives', () => {
      expect(verdictOf(queuesEncrypted)).toEqual(compliant);
      const queueKey = { 'Fn::GetAtt': [keyId(operatorOutputKeys.queueKeyId), 'Arn'] };
      d.template.allResourcesProperties('AWS::SQS::Queue', {
        KmsMasterKeyId: queueKey,
        MaximumMessageSize: queueMaxMessageBytes,
        // FIFO in high-throughput mode: a retry within 5 minutes is not delivered twice.
        FifoQueue: true,
        DeduplicationScope: 'messageGroup',
        FifoThroughputLimit: 'perMessageGroupId',
      });
      // The payload bucket holds the same data class as the queues: under the same key. The
      // digest bucket holds audit data: under the audit key.
      const encryptionKeyOf = (id: string) =>
        valueAt(
          (
            property(d.cloudFormation.Resources[id] ?? { Type: '' }, 'BucketEncryption') as {
              ServerSideEncryptionConfiguration?: unknown[];
            }
          )?.ServerSideEncryptionConfiguration?.[0],
          'ServerSideEncryptionByDefault.KMSMasterKeyID',
        );
      expect(
        resourcesOfType(d.cloudFormation, 'AWS::S3::Bucket')
          .map(({ id }) => id)
          .sort(),
      ).toEqual(
        requirements.accessTrailRequired
          ? ['AccessTrailBucket', 'DigestBucket', 'PayloadBucket']
          : ['DigestBucket', 'PayloadBucket'],
      );
      expect(encryptionKeyOf('PayloadBucket')).toEqual(queueKey);
      expect(encryptionKeyOf('DigestBucket')).toEqual({
        'Fn::GetAtt': [keyId(stackOutputKeys.auditKeyId), 'Arn'],
      });
      d.template.hasResourceProperties('AWS::SQS::Queue', {
        RedrivePolicy: { maxReceiveCount: deliveryQueue.maxReceiveCount },
        VisibilityTimeout: deliveryQueue.visibilityTimeoutSeconds,
      });
    });

    it('refuses every queue and topic request made without TLS', () => {
      const { verdict, evidence } = outcome(queuesAndTopicsRequireTls);
      expect(verdict).toEqual(compliant);
      expect(evidence.map((row) => row.type)).toEqual([
        'AWS::SQS::Queue',
        'AWS::SQS::Queue',
        'AWS::SNS::Topic',
      ]);
      d.template.allResourcesProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::GetAtt': [keyId(stackOutputKeys.auditKeyId), 'Arn'] },
      });
    });

    it(`encrypts every log group and keeps it at least ${requirements.logRetentionDays} days`, () => {
      const auditKeyArn = { 'Fn::GetAtt': [keyId(stackOutputKeys.auditKeyId), 'Arn'] };
      const groups = resourcesOfType(d.cloudFormation, 'AWS::Logs::LogGroup');
      // The Lambda's; a REST API's access and execution logs, an HTTP API's access log; the WAF's.
      const frontGroups = { rest: 2, http: 1, url: 0 }[expected.front];
      expect(groups.length).toBeGreaterThanOrEqual(1 + frontGroups + (expected.waf ? 1 : 0));
      expect(verdictOf(logGroupsEncrypted)).toEqual(compliant);
      expect(verdictOf(logRetention)).toEqual(compliant);
      expect(verdictOf(auditEvidenceRetainedOnStackDeletion)).toEqual(compliant);
      for (const { resource } of groups) {
        expect(property(resource, 'KmsKeyId')).toEqual(auditKeyArn);
      }
    });

    it('sends every Lambda of the stack to one of those log groups', () => {
      const groups = resourcesOfType(d.cloudFormation, 'AWS::Logs::LogGroup').map(({ id }) => id);
      for (const fn of resourcesOfType(d.cloudFormation, 'AWS::Lambda::Function')) {
        const logGroup = propertyOf<{ LogGroup?: unknown }>(fn, 'LoggingConfig').LogGroup;
        expect(groups).toContain(referencedId(logGroup));
      }
    });

    // A reservation where asked for, and on a function URL, which nothing else caps; none by
    // default, so that the stack deploys in accounts with a small concurrency quota.
    const reserved = context.reservedConcurrency !== undefined || expected.front === 'url';
    it(`runs the ingest Lambda on Node.js 22 or newer, arm64, ${expected.tracing ? 'traced' : 'untraced'}, ${reserved ? 'with' : 'without'} reserved concurrency`, () => {
      d.template.hasResourceProperties('AWS::Lambda::Function', {
        Handler: 'index.handler',
        Runtime: Match.stringLikeRegexp('^nodejs(2[2-9]|[3-9]\\d)\\.x$'),
        Architectures: ['arm64'],
        TracingConfig: expected.tracing ? { Mode: 'Active' } : Match.absent(),
        Timeout: Match.anyValue(),
        MemorySize: Match.anyValue(),
      });
      const reservation = property(
        ingestLambda(d.cloudFormation).resource,
        'ReservedConcurrentExecutions',
      );
      expect(reservation === undefined ? 'none' : 'reserved').toBe(reserved ? 'reserved' : 'none');
      const policies = resourcesOfType(d.cloudFormation, 'AWS::IAM::ManagedPolicy');
      expect(policies.some(({ resource }) => JSON.stringify(resource).includes('xray:'))).toBe(
        expected.tracing,
      );
    });

    it("logs JSON, with platform lines from WARN and the handler's from INFO", () => {
      expect(propertyOf(ingestLambda(d.cloudFormation), 'LoggingConfig')).toMatchObject({
        LogFormat: 'JSON',
        SystemLogLevel: 'WARN',
        ApplicationLogLevel: 'INFO',
      });
    });

    it(`gives the Lambda names only, with the ${requirements.deliveryAuditFloor} retention floor and ${requirements.payloadCopyCeiling} payload ceiling`, () => {
      const { Variables: variables } = propertyOf<{ Variables: Record<string, unknown> }>(
        ingestLambda(d.cloudFormation),
        'Environment',
      );
      const ref = (output: string) => ({ Ref: outputRef(d.cloudFormation, output) });
      expect(variables).toEqual({
        [registryTable.nameVariable]: ref(stackOutputKeys.registryTableName),
        [auditTable.nameVariable]: ref(stackOutputKeys.auditTableName),
        [deliveryQueue.urlVariable]: ref(stackOutputKeys.queueUrl),
        [payloadBucket.nameVariable]: ref(operatorOutputKeys.payloadBucketName),
        [kmsKeys.secrets.idVariable]: ref(stackOutputKeys.secretsKeyId),
        [kmsKeys.audit.idVariable]: ref(stackOutputKeys.auditKeyId),
        [retentionFloorVariable]: requirements.deliveryAuditFloor,
        [payloadCopyCeilingVariable]: requirements.payloadCopyCeiling,
        POWERTOOLS_SERVICE_NAME: 'webhook-ingestion',
        POWERTOOLS_METRICS_NAMESPACE: 'WebhookIngestion',
        ...(expected.tracing ? {} : { POWERTOOLS_TRACE_ENABLED: 'false' }),
      });
      expect(verdictOf(deliveryAuditRetention)).toEqual(compliant);
      expect(verdictOf(payloadCopyCeiling)).toEqual(compliant);
    });

    it('holds no secret, key material or credential anywhere in the template', () => {
      expect(verdictOf(noSecretsInTemplate)).toEqual(compliant);
    });

    it('serves POST /v1/webhooks/{providerId} regionally, with the path parameter required', () => {
      expectWebhookRoute(d, expected.front, verdictOf);
    });

    if (expected.front === 'url') {
      it('gives up the WAF, the access log and stage throttling on its function URL', () => {
        expectFunctionUrlLimits(d, verdictOf);
      });
    } else {
      it('refuses TLS 1.0 and 1.1 at the API endpoint (security policy TLS_1_2)', () => {
        expectModernTls(d, expected.front, verdictOf);
      });

      it('logs API access as JSON without headers or bodies, errors without data trace, and throttles', () => {
        expectAccessLogAndThrottling(d, front, verdictOf);
      });
    }

    it('emits every output the CLI reads from a deployed stack', () => {
      const outputs = Object.keys(d.cloudFormation.Outputs ?? {});
      expect(outputs).toEqual(expect.arrayContaining(Object.values(stackOutputKeys)));
    });

    if (expected.waf) {
      it('puts a regional web ACL with a rate rule in front of the stage, body rules counting only', () => {
        expect(verdictOf(wafInFrontOfApi)).toEqual(compliant);
        d.template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
        const [acl] = resourcesOfType(d.cloudFormation, 'AWS::WAFv2::WebACL');
        const rules = propertyOf<WebAclRule[]>(acl, 'Rules');
        expect(rules.map((rule) => rule.Statement?.RateBasedStatement?.AggregateKeyType)).toContain(
          'IP',
        );
        const overrides = rules.flatMap(
          (rule) => rule.Statement?.ManagedRuleGroupStatement?.RuleActionOverrides ?? [],
        );
        expect(overrides.map((override) => override.Name)).toContain('SizeRestrictions_BODY');
        for (const override of overrides) expect(override.ActionToUse).toEqual({ Count: {} });
        d.template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
          // Every credential header, not Authorization alone (test/infra/waf-redaction.test.ts).
          RedactedFields: Match.arrayWith([
            { SingleHeader: { Name: 'authorization' } },
            { SingleHeader: { Name: 'x-gitlab-token' } },
          ]),
        });
      });

      it('alarms on any match of its count-only rules, notifying the alarm topic both ways', () => {
        const [acl] = resourcesOfType(d.cloudFormation, 'AWS::WAFv2::WebACL');
        const aclName = propertyOf<string>(acl, 'Name');
        const counted = resourcesOfType(d.cloudFormation, 'AWS::CloudWatch::Alarm').filter(
          ({ id }) => id.includes('WafCountedMatches'),
        );
        expect(counted).toHaveLength(1);
        const alarm = counted[0];
        const [metric] = propertyOf<Array<{ Expression: string; Period: number }>>(
          alarm,
          'Metrics',
        );
        expect(metric?.Expression).toMatch(
          /^SELECT SUM\(CountedRequests\) FROM SCHEMA\("AWS\/WAFV2",/,
        );
        expect(metric?.Expression).toContain(`WHERE WebACL = '${aclName}'`);
        expect(metric?.Period).toBe(3600);
        const topic = { Ref: outputRef(d.cloudFormation, operatorOutputKeys.alarmTopicArn) };
        expect(alarm?.resource.Properties).toMatchObject({
          Threshold: 1,
          AlarmActions: [topic],
          OKActions: [topic],
        });
      });
    } else {
      it('has no web ACL', () => {
        d.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
        expect(verdictOf(wafInFrontOfApi)).toEqual({
          kind: 'not-applicable',
          reason: 'no web ACL is associated with the API stage',
        });
      });
    }

    if (expected.vpc) {
      it('runs the Lambda in isolated subnets that reach only DynamoDB, SQS and KMS endpoints', () => {
        expect(verdictOf(lambdaInIsolatedNetwork)).toEqual(compliant);
        d.template.hasResourceProperties('AWS::EC2::FlowLog', {
          ResourceType: 'VPC',
          TrafficType: 'ALL',
        });
      });

      it("lets the functions out to the endpoints only: the endpoints' group and the DynamoDB and S3 prefix lists, on 443", () => {
        expectEgressToEndpointsOnly(d);
        const evidence = outcome(lambdaInIsolatedNetwork).evidence;
        expect(evidence.filter((e) => e.value.startsWith('tcp 443 to '))).toHaveLength(3);
        expect(evidence.map((e) => e.value).join('\n')).not.toMatch(/0\.0\.0\.0\/0|::\/0/);
      });

      it('looks up the prefix lists at deploy time with a function that may only read them', () => {
        expectReadOnlyPrefixListLookup(d);
      });
    } else {
      it('keeps the Lambda out of any VPC', () => {
        d.template.resourceCountIs('AWS::EC2::VPC', 0);
        expect(verdictOf(lambdaInIsolatedNetwork)).toMatchObject({
          kind: 'non-compliant',
          findings: expect.arrayContaining([
            {
              resources: [ingestLambda(d.cloudFormation).id],
              why: 'the ingest Lambda is in no VPC',
            },
          ]),
        });
      });
    }
  });
}
