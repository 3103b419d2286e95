/**
 * The three customer managed keys, one per data class (functions/config/keys.ts), each with
 * rotation on and a key policy written out in full: no account-wide `kms:*`, so a principal
 * uses a key only where its statement says, and provider secrets decrypt in the ingest Lambda
 * and nowhere else.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { auditFieldsKmsContext } from '../functions/audit/data-key-cache.ts';
import { auditIntegrityPurpose } from '../functions/audit/record-seal.ts';
import { subjectIndexKmsContext } from '../functions/audit/subject-index.ts';
import { kmsKeys } from '../functions/config/keys.ts';
import {
  providerKeyContextKeys,
  providerSecretPurpose,
} from '../functions/registry/key-binding.ts';
import type { KeyCustodians } from './key-custodians.ts';
import {
  administration,
  alarmPublishingByCloudWatch,
  auditFieldDecryptionByAuditors,
  auditFieldDecryptionByCustodians,
  auditSealingByOperators,
  auditSealVerificationByAuditors,
  cloudWatchLogsEncryption,
  contextBoundUse,
  decryptionOnlyBy,
  deliveryDecryptionByCustodians,
  dynamoDbServiceMetadata,
  dynamoDbTablesOfAccount,
  grantsOnlyForAwsServices,
  ingestSealing,
  providerSecretEncryptionByOperators,
  queueConsumersOfAccount,
  queueSendingByAccount,
  queueSendingThroughSqs,
  subjectIndexSecretByOperators,
  tableAccessThroughDynamoDb,
} from './key-policies.ts';

/** The `purpose` of every audit-field data key's encryption context. */
const auditFieldsPurpose = auditFieldsKmsContext.purpose as string;
/** The `purpose` of the subject-index secret's encryption context. */
const subjectIndexPurpose = subjectIndexKmsContext.purpose as string;

/** The customer managed keys of a deployment. */
export class DataKeys extends Construct {
  /** Provider secrets and public keys, and the registry table that holds them. */
  readonly secrets: kms.IKey;
  /** Audit records (table and client-side field encryption), every log group, the alarm topic. */
  readonly audit: kms.IKey;
  /** The delivery queue and its dead-letter queue. */
  readonly queue: kms.IKey;
  /** The three keys, in the order above. */
  readonly all: readonly kms.IKey[];
  /**
   * Who the key policies name for audit-field and delivery decryption (`keyCustodians`), with
   * the roles that join them as the construct is built: the ingest function's, which writes
   * both, and the consumer's of `addConsumer`, which reads deliveries.
   * @default - none: IAM decides, through the account's statements
   */
  readonly custodians?: KeyCustodians;
  readonly #auditReaders: string[] = [];
  readonly #deliveryReaders: string[] = [];
  /** The ingest function's role: it decrypts its own audit-field data keys and sends bodies. */
  readonly #writers: string[] = [];

  /**
   * @param removalPolicy RETAIN keeps the keys when the stack is deleted, so that the tables,
   * logs and queue it leaves behind stay readable; DESTROY (baseline only) schedules their
   * deletion after KMS's shortest wait, as the data they encrypt is deleted with the stack too.
   * @param aliases Each key's alias, one per account and region: the instance's
   * (infra/outputs.ts `instanceNames`); the unnamed instance's are functions/config/keys.ts's.
   * @param custodians The roles the audit key names for decrypting audit fields and the queue
   * key for decrypting deliveries, in place of the account's principals as IAM allows them.
   */
  constructor(
    scope: Construct,
    id: string,
    removalPolicy: RemovalPolicy,
    aliases: Readonly<Record<keyof typeof kmsKeys, string>> = {
      secrets: kmsKeys.secrets.alias,
      audit: kmsKeys.audit.alias,
      queue: kmsKeys.queue.alias,
    },
    custodians?: KeyCustodians,
  ) {
    super(scope, id);
    if (custodians !== undefined) this.custodians = custodians;
    const auditors = custodians?.auditorRoleArns;
    const consumers = custodians?.consumerRoleArns;
    this.#auditReaders.push(...(auditors ?? []));
    this.#deliveryReaders.push(...(consumers ?? []));
    const auditReaders = () => this.#auditReaders;
    const deliveryReaders = () => this.#deliveryReaders;
    const withWriters = (readers: () => readonly string[]) => () => [
      ...readers(),
      ...this.#writers,
    ];
    this.secrets = dataKey(
      this,
      'SecretsKey',
      aliases.secrets,
      'Provider secrets and public keys of webhook-ingestion, and its registry table',
      [
        administration(),
        dynamoDbTablesOfAccount(),
        dynamoDbServiceMetadata(),
        providerSecretEncryptionByOperators(providerSecretPurpose),
      ],
      removalPolicy,
    );
    this.audit = dataKey(
      this,
      'AuditKey',
      aliases.audit,
      'Audit records, log groups and the alarm topic of webhook-ingestion',
      [
        administration(),
        dynamoDbTablesOfAccount(),
        dynamoDbServiceMetadata(),
        ...(auditors === undefined
          ? [auditFieldDecryptionByAuditors(auditFieldsPurpose)]
          : [
              auditFieldDecryptionByCustodians(auditFieldsPurpose, auditReaders),
              decryptionOnlyBy('AuditFieldsDecryptedOnlyByCustodians', withWriters(auditReaders), {
                purpose: auditFieldsPurpose,
              }),
            ]),
        subjectIndexSecretByOperators(subjectIndexPurpose),
        auditSealingByOperators(auditIntegrityPurpose),
        auditSealVerificationByAuditors(auditIntegrityPurpose),
        cloudWatchLogsEncryption(),
        alarmPublishingByCloudWatch(),
      ],
      removalPolicy,
    );
    this.queue = dataKey(
      this,
      'QueueKey',
      aliases.queue,
      'The delivery queue and dead-letter queue of webhook-ingestion',
      [
        administration(),
        ...(consumers === undefined
          ? [queueConsumersOfAccount()]
          : [
              queueSendingByAccount(),
              deliveryDecryptionByCustodians(deliveryReaders),
              // Covers the payload bucket's statement for the account's principals too.
              decryptionOnlyBy('DeliveriesDecryptedOnlyByCustodians', withWriters(deliveryReaders)),
            ]),
      ],
      removalPolicy,
    );
    this.all = [this.secrets, this.audit, this.queue];
  }

  /**
   * The construct's own consumer (`addConsumer`) reads deliveries: with `consumerRoleArns`, the
   * queue key names its role beside them, so that it needs no naming of its own.
   */
  addDeliveryReader(role: iam.IRole): void {
    if (this.custodians?.consumerRoleArns !== undefined) this.#deliveryReaders.push(role.roleArn);
  }

  /**
   * Lets the ingest Lambda's role do what the handler does and nothing more: decrypt provider
   * keys under their context, make and read audit-field data keys under theirs, make seal keys
   * for its own writer, decrypt the subject-index secret under its own, read and write both
   * tables, and send to the queue.
   */
  grantIngest(role: iam.IRole): void {
    // Left out of the custodians' Deny statements: it makes and reads both kinds of data.
    this.#writers.push(role.roleArn);
    this.secrets.addToResourcePolicy(
      contextBoundUse(
        'IngestDecryptsProviderSecrets',
        role,
        ['kms:Decrypt'],
        providerSecretPurpose,
        providerKeyContextKeys,
      ),
    );
    this.secrets.addToResourcePolicy(tableAccessThroughDynamoDb('IngestReadsRegistryTable', role));
    this.audit.addToResourcePolicy(
      contextBoundUse(
        'IngestUsesAuditFieldDataKeys',
        role,
        ['kms:GenerateDataKey', 'kms:Decrypt'],
        auditFieldsPurpose,
        ['purpose'],
      ),
    );
    this.audit.addToResourcePolicy(
      contextBoundUse(
        'IngestDecryptsSubjectIndexSecret',
        role,
        ['kms:Decrypt'],
        subjectIndexPurpose,
        ['purpose'],
      ),
    );
    this.audit.addToResourcePolicy(ingestSealing(role, auditIntegrityPurpose));
    this.audit.addToResourcePolicy(tableAccessThroughDynamoDb('IngestWritesAuditTable', role));
    this.queue.addToResourcePolicy(queueSendingThroughSqs('IngestSendsToQueue', role));
  }
}

/**
 * Days KMS waits before it deletes a key scheduled for deletion (the stack's, on DESTROY):
 * 7, its shortest, when the data goes with the stack; else 30, its longest, to undo a mistake.
 */
export function keyPendingWindowDays(removalPolicy: RemovalPolicy): number {
  return removalPolicy === RemovalPolicy.DESTROY ? 7 : 30;
}

/**
 * A symmetric key with yearly rotation and exactly `statements` as its policy. Built on the
 * L1 resource because the L2 key's policy depends on a feature flag: without it, the L2 adds
 * wildcard administrator actions to whatever policy it is given.
 */
function dataKey(
  scope: Construct,
  id: string,
  alias: string,
  description: string,
  statements: readonly iam.PolicyStatement[],
  removalPolicy: RemovalPolicy,
): kms.IKey {
  const resource = new kms.CfnKey(scope, id, {
    description,
    enableKeyRotation: true,
    // Plain JSON, so that `fromCfnKey` can parse it and later statements can be added to it.
    keyPolicy: new iam.PolicyDocument({
      statements: [...statements, grantsOnlyForAwsServices()],
    }).toJSON(),
    pendingWindowInDays: keyPendingWindowDays(removalPolicy),
  });
  resource.applyRemovalPolicy(removalPolicy);
  const key = kms.Key.fromCfnKey(resource);
  new kms.Alias(scope, `${id}Alias`, { aliasName: alias, targetKey: key });
  return key;
}
