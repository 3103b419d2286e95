/**
 * The security properties every deployment must have, as one suite run per configuration:
 * encryption everywhere, rotation, TLS-only, PITR, TTL, retention at least the profiles',
 * no wildcard permissions, no secrets, the Lambda's runtime and limits, zero nag findings.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ComplianceProfileName, combineProfiles } from '../../compliance/profiles.ts';
import { auditFieldsKmsContext } from '../../functions/audit/data-key-cache.ts';
import { subjectIndexKmsContext } from '../../functions/audit/subject-index.ts';
import { kmsKeys } from '../../functions/config/keys.ts';
import { queueMaxMessageBytes } from '../../functions/config/limits.ts';
import { deliveryQueue } from '../../functions/config/queues.ts';
import { auditTable, registryTable } from '../../functions/config/tables.ts';
import { providerSecretPurpose } from '../../functions/registry/secrets.ts';
import { operatorOutputKeys, stackOutputKeys } from '../../infra/output-names.ts';
import {
  actionsOf,
  type Deployment,
  deployment,
  ingestFunction,
  nagFindings,
  outputRef,
  policyStatements,
  propertyOf,
  referencedId,
  resourcesOfType,
} from '../infra/deployment.ts';

export interface Expectations {
  readonly profiles: readonly ComplianceProfileName[];
  readonly waf: boolean;
  readonly vpc: boolean;
}

/** The part of a web ACL rule these tests read. */
interface WebAclRule {
  readonly Statement?: {
    readonly ManagedRuleGroupStatement?: {
      readonly RuleActionOverrides?: ReadonlyArray<{ Name: string; ActionToUse: unknown }>;
    };
  };
}

const keyDataActions = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
];

/** Registers the suite for the deployment synthesized from `context`. */
export function describeDeployment(
  label: string,
  context: Readonly<Record<string, unknown>>,
  expected: Expectations,
): void {
  describe(`a ${label} deployment`, () => {
    let d: Deployment;
    const requirements = combineProfiles(expected.profiles);
    beforeAll(() => {
      d = deployment(context);
    }, 180_000);

    const keyId = (output: string) => outputRef(d.template, output);
    const ingestRoleId = () => {
      const role = referencedId(ingestFunction(d.template).Properties?.Role);
      if (role === undefined) throw new Error('no ingest Lambda role');
      return role;
    };

    it('passes every cdk-nag pack with no unacknowledged finding', () => {
      expect(nagFindings(d.app)).toEqual([]);
    });

    it('rotates one customer managed key per data class, under the configured aliases', () => {
      const keys = resourcesOfType(d.template, 'AWS::KMS::Key');
      expect(Object.keys(keys)).toHaveLength(3);
      for (const key of Object.values(keys)) {
        expect(key.Properties?.EnableKeyRotation).toBe(true);
      }
      const aliases = Object.values(resourcesOfType(d.template, 'AWS::KMS::Alias')).map((alias) => [
        alias.Properties?.AliasName,
        referencedId(alias.Properties?.TargetKeyId),
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
      // Deny statements may be broad: `enforceSSL` denies `sqs:*` without TLS.
      const allows = policyStatements(d.template).filter(
        ({ statement }) => statement.Effect === 'Allow',
      );
      expect(allows.length).toBeGreaterThan(10);
      const wildcards = allows.flatMap(({ owner, statement }) =>
        actionsOf(statement)
          .filter((action) => action.includes('*'))
          .map((action) => `${action} in ${owner}`),
      );
      expect(wildcards).toEqual([]);
    });

    it('gives its roles customer managed policies only: no inline, no AWS managed policy', () => {
      d.template.resourceCountIs('AWS::IAM::Policy', 0);
      const roles = Object.entries(resourcesOfType(d.template, 'AWS::IAM::Role'))
        // CDK's own deploy-time custom resource (the default security group's restriction).
        .filter(([id]) => !id.startsWith('CustomVpcRestrictDefaultSG'));
      expect(roles.length).toBeGreaterThanOrEqual(2);
      for (const [, role] of roles) {
        expect(role.Properties?.Policies).toBeUndefined();
        expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
      }
    });

    it('binds every use of a key to an encryption context or to the service that asks', () => {
      const unbound = policyStatements(d.template)
        .filter(({ type }) => type === 'AWS::KMS::Key')
        .filter(({ statement }) => actionsOf(statement).some((a) => keyDataActions.includes(a)))
        .filter(({ statement }) => {
          const conditions = Object.values(
            (statement.Condition ?? {}) as Record<string, Record<string, unknown>>,
          ).flatMap((operator) => Object.keys(operator));
          return !conditions.some(
            (name) => name === 'kms:ViaService' || name.startsWith('kms:EncryptionContext:'),
          );
        });
      expect(unbound).toEqual([]);
    });

    it('lets only the ingest Lambda decrypt provider secrets, and only under their context', () => {
      const secretsKey = resourcesOfType(d.template, 'AWS::KMS::Key')[
        keyId(stackOutputKeys.secretsKeyId)
      ];
      const { Statement: statements } = propertyOf<{ Statement: Record<string, unknown>[] }>(
        secretsKey,
        'KeyPolicy',
      );
      const direct = statements.filter(
        (s) =>
          actionsOf(s).includes('kms:Decrypt') &&
          JSON.stringify(s.Condition ?? {}).includes('kms:ViaService') === false,
      );
      expect(direct).toHaveLength(1);
      expect(direct[0]).toMatchObject({
        Principal: { AWS: { 'Fn::GetAtt': [ingestRoleId(), 'Arn'] } },
        Condition: {
          StringEquals: { 'kms:EncryptionContext:purpose': providerSecretPurpose },
          'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['providerId', 'purpose'] },
        },
      });
    });

    it('lets the ingest Lambda make audit-field data keys only under their context', () => {
      const auditKey = resourcesOfType(d.template, 'AWS::KMS::Key')[
        keyId(stackOutputKeys.auditKeyId)
      ];
      expect(auditKey?.Properties?.KeyPolicy).toMatchObject({
        Statement: expect.arrayContaining([
          expect.objectContaining({
            Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
            Principal: { AWS: { 'Fn::GetAtt': [ingestRoleId(), 'Arn'] } },
            Condition: expect.objectContaining({
              StringEquals: { 'kms:EncryptionContext:purpose': auditFieldsKmsContext.purpose },
            }),
          }),
        ]),
      });
    });

    it('lets the ingest Lambda only decrypt the subject-index secret, under its context', () => {
      const auditKey = resourcesOfType(d.template, 'AWS::KMS::Key')[
        keyId(stackOutputKeys.auditKeyId)
      ];
      const { Statement: statements } = propertyOf<{ Statement: Record<string, unknown>[] }>(
        auditKey,
        'KeyPolicy',
      );
      const bySubjectPurpose = statements.filter((s) =>
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

    it('keeps both tables encrypted, recoverable, protected from deletion and on demand', () => {
      const tables = resourcesOfType(d.template, 'AWS::DynamoDB::Table');
      expect(Object.keys(tables)).toHaveLength(2);
      const keyOf = (tableOutput: string) =>
        propertyOf<{ KMSMasterKeyId: unknown }>(
          tables[outputRef(d.template, tableOutput)],
          'SSESpecification',
        ).KMSMasterKeyId;
      expect(keyOf(stackOutputKeys.registryTableName)).toEqual({
        'Fn::GetAtt': [keyId(stackOutputKeys.secretsKeyId), 'Arn'],
      });
      expect(keyOf(stackOutputKeys.auditTableName)).toEqual({
        'Fn::GetAtt': [keyId(stackOutputKeys.auditKeyId), 'Arn'],
      });
      d.template.allResourcesProperties('AWS::DynamoDB::Table', {
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        BillingMode: 'PAY_PER_REQUEST',
      });
    });

    it('builds the tables from their shared definitions: keys, TTL and the CLI index', () => {
      const tables = resourcesOfType(d.template, 'AWS::DynamoDB::Table');
      const audit = tables[outputRef(d.template, stackOutputKeys.auditTableName)]?.Properties;
      const registry = tables[outputRef(d.template, stackOutputKeys.registryTableName)]?.Properties;
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
    });

    it('encrypts both queues with the queue key, caps the message size and redrives', () => {
      const queueKey = { 'Fn::GetAtt': [keyId(operatorOutputKeys.queueKeyId), 'Arn'] };
      d.template.allResourcesProperties('AWS::SQS::Queue', {
        KmsMasterKeyId: queueKey,
        MaximumMessageSize: queueMaxMessageBytes,
      });
      d.template.hasResourceProperties('AWS::SQS::Queue', {
        RedrivePolicy: { maxReceiveCount: deliveryQueue.maxReceiveCount },
        VisibilityTimeout: deliveryQueue.visibilityTimeoutSeconds,
      });
    });

    it('refuses every queue and topic request made without TLS', () => {
      const denyInsecure = Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      });
      d.template.resourcePropertiesCountIs(
        'AWS::SQS::QueuePolicy',
        { PolicyDocument: denyInsecure },
        2,
      );
      d.template.resourcePropertiesCountIs(
        'AWS::SNS::TopicPolicy',
        { PolicyDocument: denyInsecure },
        1,
      );
      d.template.allResourcesProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::GetAtt': [keyId(stackOutputKeys.auditKeyId), 'Arn'] },
      });
    });

    it(`encrypts every log group and keeps it at least ${requirements.logRetentionDays} days`, () => {
      const auditKeyArn = { 'Fn::GetAtt': [keyId(stackOutputKeys.auditKeyId), 'Arn'] };
      const groups = Object.values(resourcesOfType(d.template, 'AWS::Logs::LogGroup'));
      expect(groups.length).toBeGreaterThanOrEqual(expected.waf ? 4 : 3);
      for (const group of groups) {
        expect(group.Properties?.KmsKeyId).toEqual(auditKeyArn);
        expect(group.Properties?.RetentionInDays).toBeGreaterThanOrEqual(
          requirements.logRetentionDays,
        );
        expect(group.DeletionPolicy).toBe('Retain');
      }
    });

    it('sends every Lambda of the stack to one of those log groups', () => {
      const groups = Object.keys(resourcesOfType(d.template, 'AWS::Logs::LogGroup'));
      for (const fn of Object.values(resourcesOfType(d.template, 'AWS::Lambda::Function'))) {
        const logGroup = (fn.Properties?.LoggingConfig as { LogGroup?: unknown } | undefined)
          ?.LogGroup;
        expect(groups).toContain(referencedId(logGroup));
      }
    });

    it('runs the ingest Lambda on Node.js 22 or newer, arm64, traced, with reserved concurrency', () => {
      d.template.hasResourceProperties('AWS::Lambda::Function', {
        Handler: 'index.handler',
        Runtime: Match.stringLikeRegexp('^nodejs(2[2-9]|[3-9]\\d)\\.x$'),
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        ReservedConcurrentExecutions: Match.anyValue(),
        Timeout: Match.anyValue(),
        MemorySize: Match.anyValue(),
      });
    });

    it(`gives the Lambda names only, with the ${requirements.deliveryAuditFloor} retention floor and ${requirements.payloadCopyCeiling} payload ceiling`, () => {
      const { Variables: variables } = propertyOf<{ Variables: Record<string, unknown> }>(
        ingestFunction(d.template),
        'Environment',
      );
      expect(variables).toEqual({
        [registryTable.nameVariable]: {
          Ref: outputRef(d.template, stackOutputKeys.registryTableName),
        },
        [auditTable.nameVariable]: { Ref: outputRef(d.template, stackOutputKeys.auditTableName) },
        [deliveryQueue.urlVariable]: { Ref: outputRef(d.template, stackOutputKeys.queueUrl) },
        [kmsKeys.secrets.idVariable]: { Ref: keyId(stackOutputKeys.secretsKeyId) },
        [kmsKeys.audit.idVariable]: { Ref: keyId(stackOutputKeys.auditKeyId) },
        RETENTION_FLOOR: requirements.deliveryAuditFloor,
        PAYLOAD_COPY_CEILING: requirements.payloadCopyCeiling,
        POWERTOOLS_SERVICE_NAME: 'webhook-ingestion',
        POWERTOOLS_METRICS_NAMESPACE: 'WebhookIngestion',
      });
    });

    it('holds no secret, key material or credential anywhere in the template', () => {
      const text = JSON.stringify(d.template.toJSON());
      for (const pattern of [
        /whsec_/,
        /sk_(live|test)_/,
        /-----BEGIN/,
        /\bAKIA[0-9A-Z]{16}\b/,
        /xox[abp]-/,
        /"(Secret|Password|Token)"\s*:/i,
      ]) {
        expect(text).not.toMatch(pattern);
      }
    });

    it('serves POST /v1/webhooks/{providerId} regionally, with the path parameter required', () => {
      d.template.hasResourceProperties('AWS::ApiGateway::RestApi', {
        EndpointConfiguration: { Types: ['REGIONAL'] },
        BinaryMediaTypes: ['*/*'],
      });
      d.template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'POST',
        RequestParameters: { 'method.request.path.providerId': true },
        RequestValidatorId: Match.anyValue(),
        Integration: { Type: 'AWS_PROXY' },
      });
      d.template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
        ValidateRequestParameters: true,
      });
      d.template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{providerId}' });
    });

    it('refuses TLS 1.0 and 1.1 at the API endpoint (security policy TLS_1_2)', () => {
      d.template.hasResourceProperties('AWS::ApiGateway::RestApi', { SecurityPolicy: 'TLS_1_2' });
    });

    it('logs API access as JSON without headers or bodies, errors without data trace, and throttles', () => {
      const [stage] = Object.values(resourcesOfType(d.template, 'AWS::ApiGateway::Stage'));
      const { Format: format } = propertyOf<{ Format: string }>(stage, 'AccessLogSetting');
      const fields = Object.values(JSON.parse(format) as Record<string, string>);
      expect(fields).toContain('$context.requestId');
      expect(fields).toContain('$context.identity.sourceIp');
      expect(fields.filter((field) => /input\.body|header|requestOverride/i.test(field))).toEqual(
        [],
      );
      expect(stage?.Properties).toMatchObject({
        TracingEnabled: true,
        MethodSettings: [
          expect.objectContaining({
            HttpMethod: '*',
            ResourcePath: '/*',
            LoggingLevel: 'ERROR',
            DataTraceEnabled: false,
            ThrottlingRateLimit: expect.any(Number),
            ThrottlingBurstLimit: expect.any(Number),
          }),
        ],
      });
    });

    it('emits every output the CLI reads from a deployed stack', () => {
      const outputs = Object.keys(d.template.toJSON().Outputs as object);
      expect(outputs).toEqual(expect.arrayContaining(Object.values(stackOutputKeys)));
    });

    if (expected.waf) {
      it('puts a regional web ACL with a rate rule in front of the stage, body rules counting only', () => {
        d.template.hasResourceProperties('AWS::WAFv2::WebACL', {
          Scope: 'REGIONAL',
          Rules: Match.arrayWith([
            Match.objectLike({
              Statement: { RateBasedStatement: Match.objectLike({ AggregateKeyType: 'IP' }) },
            }),
          ]),
        });
        d.template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
        const [acl] = Object.values(resourcesOfType(d.template, 'AWS::WAFv2::WebACL'));
        const overrides = propertyOf<WebAclRule[]>(acl, 'Rules').flatMap(
          (rule) => rule.Statement?.ManagedRuleGroupStatement?.RuleActionOverrides ?? [],
        );
        expect(overrides.map((override) => override.Name)).toContain('SizeRestrictions_BODY');
        for (const override of overrides) expect(override.ActionToUse).toEqual({ Count: {} });
        d.template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
          RedactedFields: [{ SingleHeader: { Name: 'authorization' } }],
        });
      });
    } else {
      it('has no web ACL', () => {
        d.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
      });
    }

    if (expected.vpc) {
      it('runs the Lambda in isolated subnets that reach only DynamoDB, SQS and KMS endpoints', () => {
        d.template.hasResourceProperties('AWS::Lambda::Function', {
          Handler: 'index.handler',
          VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
        });
        d.template.resourceCountIs('AWS::EC2::NatGateway', 0);
        d.template.resourceCountIs('AWS::EC2::InternetGateway', 0);
        const services = JSON.stringify(
          Object.values(resourcesOfType(d.template, 'AWS::EC2::VPCEndpoint')).map(
            (endpoint) => endpoint.Properties?.ServiceName,
          ),
        );
        for (const service of ['dynamodb', 'sqs', 'kms']) expect(services).toContain(`.${service}`);
        d.template.hasResourceProperties('AWS::EC2::FlowLog', {
          ResourceType: 'VPC',
          TrafficType: 'ALL',
        });
      });
    } else {
      it('keeps the Lambda out of any VPC', () => {
        d.template.resourceCountIs('AWS::EC2::VPC', 0);
      });
    }
  });
}
