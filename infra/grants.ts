/**
 * The construct's grants (`WebhookIngestion.grantConsumeDeliveries`, `grantReadAuditRecords`,
 * `grantReadPayloadCopies`, `grantAdministerProviders`, `grantEraseSubjects`). Each is one
 * customer managed policy, made once in the deployment's stack and attached from the grantee's
 * side (its role, user or group lists the policy's ARN), and none adds anything to a key
 * policy: the key policies already let this account's principals use each key for exactly
 * these purposes, through the service or under the encryption context the data is kept with,
 * and leave who to IAM (infra/key-policies.ts). Every statement of a grant that names a key carries those same
 * conditions, so the grantee gets no use of a key that the data does not need. With
 * `keyCustodians` the key policies name who decrypts audit fields and deliveries, and the two
 * grants that need it refuse a grantee not named there (`assertCustodian`).
 *
 * So a grantee in another stack of the app refers to the deployment's stack, never the other
 * way round. CDK's own grants cannot: the keys are imported with `Key.fromCfnKey`, whose
 * `grant…` adds the grantee's ARN to the key policy with no condition, and from another stack
 * that reference makes the deployment's stack depend on the grantee's, which already depends
 * on it (the queue's ARN): a cycle. `queue.grantConsumeMessages` and `SqsEventSource` do that.
 */
import { Stack, Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, DependencyGroup, type IConstruct, type IDependable } from 'constructs';
import {
  type AcknowledgedConstructs,
  applyAcknowledgements,
} from '../compliance/acknowledgements.ts';
import { auditFieldsKmsContext } from '../functions/audit/data-key-cache.ts';
import { integrityKmsContext } from '../functions/audit/record-seal.ts';
import { subjectIndexKmsContext } from '../functions/audit/subject-index.ts';
import { subjectIndexSecretId } from '../functions/audit/subject-index-secret.ts';
import { auditTable } from '../functions/config/tables.ts';
import {
  providerKeyContextKeys,
  providerSecretPurpose,
} from '../functions/registry/key-binding.ts';
import { receiveDeliveryActions } from './consumer.ts';
import { custodianLists, isCustodian, type KeyCustodians } from './key-custodians.ts';
import {
  encryptionContextBound,
  type StatementConditions,
  serviceBound,
  tableItemKeyActions,
  viaService,
} from './key-policies.ts';
import type { EndpointService } from './network.ts';

/** The grants, by the name of the policy each attaches. */
export const deploymentGrantNames = [
  'consumeDeliveries',
  'readAuditRecords',
  'readPayloadCopies',
  'administerProviders',
  'eraseSubjects',
] as const;

export type DeploymentGrantName = (typeof deploymentGrantNames)[number];

/**
 * The partition of the admin records (ops/admin-trail/admin-record.ts `adminPartitionKey`,
 * which infra/ may not import; test/infra/grants.test.ts keeps the two equal). Whoever reads
 * the audit trail or changes a provider writes a record there (docs/cli.md, "Admin records").
 */
export const adminPartition = '_admin';

/**
 * The partition of the erasure receipts (ops/erasure/erasure-receipt.ts `erasurePartitionKey`;
 * test/infra/grants.test.ts keeps the two equal): the only items an eraser puts.
 */
export const erasurePartition = '_erasure';

/** What the grants read of a deployment; the construct has it all. */
export interface GrantSources extends IConstruct {
  readonly keys: {
    readonly secrets: Pick<kms.IKey, 'keyArn'>;
    readonly audit: Pick<kms.IKey, 'keyArn'>;
    readonly queue: Pick<kms.IKey, 'keyArn'>;
    /** @default - none: the key policies leave who decrypts to IAM */
    readonly custodians?: KeyCustodians;
  };
  readonly queues: { readonly queue: Pick<sqs.IQueue, 'queueArn'> };
  readonly payloadBucket: { readonly bucket: Pick<s3.IBucket, 'bucketArn' | 'arnForObjects'> };
  readonly registryTable: Pick<dynamodb.ITable, 'tableArn'>;
  readonly auditTable: Pick<dynamodb.ITable, 'tableArn'>;
  /** @default - no VPC placement */
  readonly network?: {
    allowThrough(
      service: EndpointService,
      actions: readonly string[],
      resources: readonly string[],
    ): void;
  };
}

/** A grant the construct cannot make: the grantee has no policy it can attach to, or is elsewhere. */
export class GrantError extends Error {
  override readonly name = 'GrantError';
}

/** One statement of a grant, and the VPC endpoint its calls pass through from inside the VPC. */
interface GrantStatement {
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly conditions?: StatementConditions;
  /** @default - none: the call is made by a service (SQS, DynamoDB, S3 for KMS) or polled outside */
  readonly through?: EndpointService;
}

/**
 * The grants' policies, each made on the first grant of its kind and attached to every grantee
 * of that kind after it.
 */
export class DeploymentGrants {
  readonly #deployment: Construct & GrantSources & AcknowledgedConstructs;
  readonly #policies: Partial<Record<DeploymentGrantName, iam.ManagedPolicy>> = {};
  readonly #granted = new Map<string, iam.Grant>();
  /** The grants whose calls the VPC endpoints let through. */
  readonly #opened = new Set<DeploymentGrantName>();

  /** Reads nothing of `deployment` until a grant is made, so the construct may make it first. */
  constructor(deployment: Construct & GrantSources & AcknowledgedConstructs) {
    this.#deployment = deployment;
  }

  /** The policy of each grant made so far. */
  get policies(): Readonly<Partial<Record<DeploymentGrantName, iam.ManagedPolicy>>> {
    return this.#policies;
  }

  /**
   * Attaches the `name` grant's policy to `grantee`'s identity (the same grant again returns
   * the first), and opens the deployment's VPC endpoints to its calls when `grantee` is a
   * function placed in a VPC.
   */
  grant(name: DeploymentGrantName, grantee: iam.IGrantable): iam.Grant {
    const deployment = this.#deployment;
    const identity = identityOf(grantee, name);
    assertSameEnvironment(deployment, identity, name);
    const custodian = assertCustodian(deployment, identity, name);
    const key = `${name} ${identity.node.path}`;
    const granted = this.#granted.get(key);
    if (granted !== undefined) return granted;

    const statements = grantStatements[name](deployment);
    const policy = this.#policy(name, statements);
    // From the grantee's side: its role (user, group) lists the policy's ARN, a reference
    // from its stack to the deployment's and never back.
    // A custodian role of the deployment's own stack is named by the key policy, which the
    // policy names in turn: listing the policy from the role's side would close the loop.
    if (custodian && identity instanceof iam.Role && Stack.of(identity) === Stack.of(deployment)) {
      policy.attachToRole(identity);
    } else {
      identity.addManagedPolicy(policy);
    }
    const grant = statements
      .map((statement) => recorded(policy, identity, statement))
      .reduce((all, one) => all.combine(one));
    // Only a function in a VPC calls through its endpoints; the deployment's own functions'
    // calls are all they let through until then. Once per grant: the resources are the same.
    const { network } = deployment;
    const inVpc = grantee instanceof lambda.Function && grantee.isBoundToVpc;
    if (network !== undefined && inVpc && !this.#opened.has(name)) {
      for (const { through, actions, resources } of statements) {
        if (through !== undefined) network.allowThrough(through, actions, resources);
      }
      this.#opened.add(name);
    }
    this.#granted.set(key, grant);
    return grant;
  }

  /**
   * The grant's policy, in the deployment's stack beside what it names: there cdk-nag reads
   * the payload objects' ARN as `<PayloadBucket.Arn>/*`, which compliance/acknowledgements.ts
   * answers, where from another stack it would read the generated name of an export.
   */
  #policy(name: DeploymentGrantName, statements: readonly GrantStatement[]): iam.ManagedPolicy {
    const existing = this.#policies[name];
    if (existing !== undefined) return existing;
    const deployment = this.#deployment;
    const scope =
      (deployment.node.tryFindChild('Grants') as Construct | undefined) ??
      new Construct(deployment, 'Grants');
    const policy = new iam.ManagedPolicy(scope, capitalized(name), {
      description: `webhook-ingestion ${deployment.node.path}: ${purposes[name]}`,
      statements: statements.map(
        ({ sid, actions, resources, conditions }) =>
          new iam.PolicyStatement({
            sid,
            actions: [...actions],
            resources: [...resources],
            ...(conditions === undefined ? {} : { conditions }),
          }),
      ),
    });
    this.#policies[name] = policy;
    applyAcknowledgements(deployment, policy);
    return policy;
  }
}

/** Each grant's purpose, in the policy's description. */
const purposes: Readonly<Record<DeploymentGrantName, string>> = {
  consumeDeliveries: 'receive and delete deliveries from the delivery queue, read large bodies',
  readAuditRecords: 'read the audit trail (not its encrypted fields), record each read',
  readPayloadCopies: 'read the audit trail and decrypt its fields: payload copies and headers',
  administerProviders: 'register, rotate and remove providers, record each change',
  eraseSubjects: "erase data subjects' personal fields, payload copies and bodies, write receipts",
};

const capitalized = (name: string) => `${name.charAt(0).toUpperCase()}${name.slice(1)}`;

/**
 * Every grant's statements. Direct KMS calls carry the encryption context the writer uses
 * (functions/audit/, functions/registry/); calls made by SQS, S3 or DynamoDB carry
 * `kms:ViaService` and, where the service sets one, its context naming the resource.
 */
const grantStatements: Readonly<
  Record<DeploymentGrantName, (d: GrantSources) => readonly GrantStatement[]>
> = {
  consumeDeliveries: (d) => [
    {
      sid: 'ReceiveDeliveries',
      actions: receiveDeliveryActions,
      resources: [d.queues.queue.queueArn],
    },
    {
      sid: 'ReadLargeBodies',
      actions: ['s3:GetObject'],
      resources: [d.payloadBucket.bucket.arnForObjects('*')],
      through: 's3',
    },
    // Messages and body objects are under the queue key: decrypted by SQS and S3 for the
    // grantee, each for this queue or this bucket only, never by the grantee's own code.
    {
      sid: 'DecryptDeliveries',
      actions: ['kms:Decrypt'],
      resources: [d.keys.queue.keyArn],
      conditions: serviceBound('sqs', d.queues.queue.queueArn),
    },
    {
      sid: 'DecryptLargeBodies',
      actions: ['kms:Decrypt'],
      resources: [d.keys.queue.keyArn],
      conditions: serviceBound('s3', d.payloadBucket.bucket.bucketArn),
    },
  ],
  readAuditRecords: (d) => [...auditReads(d), ...adminRecords(d)],
  readPayloadCopies: (d) => [
    ...auditReads(d),
    // Payload copies and request headers are both sealed with audit-field data keys under one
    // context: KMS cannot tell them apart, so this opens both (docs/consumer.md, "Grants").
    {
      sid: 'DecryptAuditFields',
      actions: ['kms:Decrypt'],
      resources: [d.keys.audit.keyArn],
      conditions: encryptionContextBound(auditFieldsKmsContext, ['purpose']),
      through: 'kms',
    },
    ...adminRecords(d),
  ],
  administerProviders: (d) => [
    {
      sid: 'ManageProviders',
      actions: [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:Scan',
      ],
      resources: [d.registryTable.tableArn],
      through: 'dynamodb',
    },
    throughDynamoDb('RegistryEncryptedThroughDynamoDb', d.keys.secrets, tableItemKeyActions),
    // Encrypt and re-encrypt only: nobody but the ingest function decrypts a provider's keys.
    {
      sid: 'EncryptProviderKeys',
      actions: ['kms:Encrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
      resources: [d.keys.secrets.keyArn],
      conditions: encryptionContextBound(
        { purpose: providerSecretPurpose },
        providerKeyContextKeys,
      ),
      through: 'kms',
    },
    subjectIndexSecretUse(d),
    ...adminRecords(d),
  ],
  eraseSubjects: (d) => erasure(d),
};

/**
 * What `webhooks audit erase` calls (cli/erasure.ts, ops/erasure/): find the records by
 * delivery, subject or time; delete their payload copies and the delivery's bodies; remove
 * their personal fields (one UpdateItem each); put a receipt, sealed as an operator's; hash a
 * subject's value with the subject-index secret (created if absent) after reading the
 * provider's settings; and the admin record every command leaves. Only this grant may delete
 * or update an audit record: the ingest function may not (infra/ingest-function.ts).
 */
function erasure(d: GrantSources): GrantStatement[] {
  const indexes = auditTable.globalSecondaryIndexes.map(
    ({ indexName }) => `${d.auditTable.tableArn}/index/${indexName}`,
  );
  return [
    {
      sid: 'FindRecordsToErase',
      actions: ['dynamodb:GetItem', 'dynamodb:Query'],
      resources: [d.auditTable.tableArn, ...indexes],
      through: 'dynamodb',
    },
    {
      sid: 'EraseRecords',
      actions: ['dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      resources: [d.auditTable.tableArn],
      through: 'dynamodb',
    },
    {
      sid: 'WriteErasureReceipts',
      actions: ['dynamodb:PutItem'],
      resources: [d.auditTable.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [erasurePartition] } },
      through: 'dynamodb',
    },
    {
      sid: 'FindBodyObjects',
      actions: ['s3:ListBucket'],
      resources: [d.payloadBucket.bucket.bucketArn],
      through: 's3',
    },
    {
      sid: 'DeleteBodyObjects',
      actions: ['s3:DeleteObject'],
      resources: [d.payloadBucket.bucket.arnForObjects('*')],
      through: 's3',
    },
    {
      sid: 'ReadProviderSettings',
      actions: ['dynamodb:GetItem'],
      resources: [d.registryTable.tableArn],
      through: 'dynamodb',
    },
    {
      sid: 'CreateSubjectIndexSecret',
      actions: ['dynamodb:PutItem'],
      resources: [d.registryTable.tableArn],
      conditions: {
        'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [subjectIndexSecretId] },
      },
      through: 'dynamodb',
    },
    throughDynamoDb('RegistryEncryptedThroughDynamoDb', d.keys.secrets, tableItemKeyActions),
    subjectIndexSecretUse(d),
    // The receipts' and erasure seals' key, and the admin record's, under the operator's context.
    ...adminRecords(d),
  ];
}

/**
 * The audit table, its indexes by name (no wildcard), and the registry's provider ids, which
 * `webhooks audit list` and `stats` read for every provider; the registry's keys stay
 * ciphertexts only the ingest function may decrypt.
 */
function auditReads(d: GrantSources): GrantStatement[] {
  const indexes = auditTable.globalSecondaryIndexes.map(
    ({ indexName }) => `${d.auditTable.tableArn}/index/${indexName}`,
  );
  return [
    {
      sid: 'ReadAuditRecords',
      actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
      resources: [d.auditTable.tableArn, ...indexes],
      through: 'dynamodb',
    },
    {
      sid: 'ListProviders',
      actions: ['dynamodb:Scan'],
      resources: [d.registryTable.tableArn],
      through: 'dynamodb',
    },
    throughDynamoDb('RegistryEncryptedThroughDynamoDb', d.keys.secrets, [
      'kms:Decrypt',
      'kms:DescribeKey',
    ]),
  ];
}

/** The subject-index secret made and opened (functions/audit/subject-index-secret.ts). */
function subjectIndexSecretUse(d: GrantSources): GrantStatement {
  return {
    sid: 'SubjectIndexSecret',
    actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
    resources: [d.keys.audit.keyArn],
    conditions: encryptionContextBound(subjectIndexKmsContext, ['purpose']),
    through: 'kms',
  };
}

/**
 * Every read of the trail and every change of a provider leaves an admin record under the
 * caller's identity (docs/cli.md): items of the admin partition only, sealed as an operator's.
 * The seal context keeps such a key from sealing a delivery record (docs/audit-integrity.md).
 */
function adminRecords(d: GrantSources): GrantStatement[] {
  return [
    {
      sid: 'RecordAdminActions',
      actions: ['dynamodb:PutItem'],
      resources: [d.auditTable.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [adminPartition] } },
      through: 'dynamodb',
    },
    throughDynamoDb('AuditTableEncryptedThroughDynamoDb', d.keys.audit, tableItemKeyActions),
    {
      sid: 'SealAdminRecords',
      actions: ['kms:GenerateDataKey'],
      resources: [d.keys.audit.keyArn],
      conditions: encryptionContextBound(integrityKmsContext('operator'), ['purpose', 'writer']),
      through: 'kms',
    },
  ];
}

/** A table's key, used by DynamoDB for the grantee and by nothing else. */
function throughDynamoDb(
  sid: string,
  key: Pick<kms.IKey, 'keyArn'>,
  actions: readonly string[],
): GrantStatement {
  return {
    sid,
    actions,
    resources: [key.keyArn],
    conditions: { StringEquals: viaService('dynamodb') },
  };
}

/** The identity a managed policy can be attached to: a role, user or group of this app. */
type AttachableIdentity = iam.IIdentity & IConstruct;

function identityOf(grantee: iam.IGrantable, name: DeploymentGrantName): AttachableIdentity {
  const principal = grantee.grantPrincipal;
  const identity =
    Construct.isConstruct(principal) &&
    'addManagedPolicy' in principal &&
    (('roleArn' in principal && 'roleName' in principal) ||
      ('userArn' in principal && 'userName' in principal) ||
      ('groupArn' in principal && 'groupName' in principal));
  if (!identity) {
    throw new GrantError(
      `${name}: ${principal} is no IAM role, user or group of this app, so no policy can be attached to it; grant its role instead`,
    );
  }
  return principal as unknown as AttachableIdentity;
}

/** The custodian list (`keyCustodians`) each grant's decryption needs its grantee in. */
const custodianListOf: Partial<Record<DeploymentGrantName, keyof KeyCustodians>> = {
  consumeDeliveries: 'consumerRoleArns',
  readPayloadCopies: 'auditorRoleArns',
};

/**
 * With `keyCustodians`, the key policy lets only the roles named decrypt: a grant to anyone
 * else would give an IAM policy the key refuses, so it is refused here, naming the prop. True
 * when the grantee is a custodian the grant needs.
 */
function assertCustodian(
  deployment: GrantSources,
  identity: AttachableIdentity,
  name: DeploymentGrantName,
): boolean {
  const list = custodianListOf[name];
  const custodians = list === undefined ? undefined : deployment.keys.custodians?.[list];
  if (list === undefined || custodians === undefined) return false;
  const roleArn = 'roleArn' in identity ? (identity as iam.IRole).roleArn : undefined;
  if (roleArn !== undefined && isCustodian(roleArn, custodians)) return true;
  throw new GrantError(
    `${name}: ${identity.node.path} is not among keyCustodians.${list}, the only roles the key policy lets decrypt ${custodianLists[list]}: add its role's ARN there, and grant the role imported by that ARN (iam.Role.fromRoleArn) or the role itself`,
  );
}

/**
 * The key policies trust this account's principals only (`kms:CallerAccount`), and the
 * conditions name this Region's service endpoints: a grantee elsewhere would get a policy that
 * cannot work. Environment-agnostic stacks deploy wherever the CLI's credentials are, and pass.
 */
function assertSameEnvironment(
  deployment: GrantSources,
  identity: AttachableIdentity,
  name: DeploymentGrantName,
): void {
  const ours = Stack.of(deployment);
  const theirs = Stack.of(identity);
  const differ = (a: string | undefined, b: string) =>
    a !== undefined && !Token.isUnresolved(a) && !Token.isUnresolved(b) && a !== b;
  if (
    differ(theirs.account, ours.account) ||
    differ(identity.principalAccount, ours.account) ||
    differ(theirs.region, ours.region)
  ) {
    throw new GrantError(
      `${name}: ${identity.node.path} is in another account or Region than ${deployment.node.path}, whose key policies trust its own account's principals only`,
    );
  }
}

/**
 * One statement of `policy`, as CDK's `Grant` records what it granted: so that the caller gets
 * an `iam.Grant`, whose `applyBefore` makes an event source mapping wait for the policy and for
 * the identity that lists it.
 */
function recorded(
  policy: iam.ManagedPolicy,
  identity: AttachableIdentity,
  statement: GrantStatement,
): iam.Grant {
  const grant = iam.Grant.addToPrincipal({
    grantee: new AttachedPolicy(new DependencyGroup(policy, identity), identity, statement.sid),
    actions: [...statement.actions],
    resourceArns: [...statement.resources],
    ...(statement.conditions === undefined ? {} : { conditions: statement.conditions }),
  });
  grant.assertSuccess();
  return grant;
}

/** The grantee, as the principal of a statement already in the policy attached to it. */
class AttachedPolicy extends iam.PrincipalBase {
  readonly #dependable: IDependable;
  readonly #identity: iam.IPrincipal;
  readonly #sid: string;

  constructor(dependable: IDependable, identity: iam.IPrincipal, sid: string) {
    super();
    this.#dependable = dependable;
    this.#identity = identity;
    this.#sid = sid;
  }

  get policyFragment(): iam.PrincipalPolicyFragment {
    return this.#identity.policyFragment;
  }

  override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    statement.sid = this.#sid;
    return { statementAdded: true, policyDependable: this.#dependable };
  }

  dedupeString(): string | undefined {
    return undefined;
  }
}
