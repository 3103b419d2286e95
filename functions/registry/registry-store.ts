/**
 * The registry table's DynamoDB adapter (`registryTable`, one item per provider). Every write
 * is conditional: `create` on the provider being absent, the others on its revision, so two
 * operators (or an operator and a rotation) never overwrite each other unseen. DynamoDB's
 * ConditionalCheckFailedException becomes a domain error here, at the edge, and any other SDK
 * failure a DependencyUnavailableError with the SDK error as its cause.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DependencyUnavailableError, describeFailure } from '../aws/errors.ts';
import type { Clock } from '../verify/types.ts';
import {
  InvalidProviderConfigError,
  MalformedProviderItemError,
  ProviderAlreadyExistsError,
  ProviderNotFoundError,
  RegistryError,
  RevisionConflictError,
} from './errors.ts';
import {
  assertProviderId,
  fromItem,
  type NewProviderKey,
  type ProviderConfig,
  type ProviderSettings,
  type RegistryItem,
  reservedRegistryIdPrefix,
  rotatedKeys,
  toItem,
  withDefaults,
} from './provider.ts';

export interface ProviderRegistryStoreOptions {
  /** Created once per container. */
  readonly dynamodb: DynamoDBClient;
  /** The deployed table's name, from `registryTable.nameVariable`, or `registryTable.localName`. */
  readonly tableName: string;
  /** @default Date.now */
  readonly now?: Clock;
}

/** A provider to add: its id and scheme, any settings to change from the defaults, its keys. */
export type NewProvider = Pick<ProviderSettings, 'providerId' | 'scheme'> &
  Partial<Omit<ProviderSettings, 'providerId' | 'scheme'>> & {
    readonly keys: readonly NewProviderKey[];
  };

export interface RotateOptions {
  /** How long the current keys stay valid beside the new one; 0 retires them at once. */
  readonly graceSeconds: number;
}

/** Every provider, and each item that could not be read (a listing should not hide the rest). */
export interface ProviderListing {
  readonly providers: readonly ProviderConfig[];
  readonly malformed: readonly MalformedProviderItemError[];
}

/** The longest rotation grace accepted: 30 days. */
export const maxGraceSeconds = 30 * 86_400;

/** Read-modify-write operations retry this often when another writer got in between. */
const conflictAttempts = 3;

/**
 * Reads and writes provider configurations.
 * @example
 * const store = new ProviderRegistryStore({ dynamodb, tableName: process.env.REGISTRY_TABLE_NAME });
 */
export class ProviderRegistryStore {
  readonly #dynamodb: DynamoDBClient;
  readonly #tableName: string;
  readonly #now: Clock;

  constructor(options: ProviderRegistryStoreOptions) {
    this.#dynamodb = options.dynamodb;
    this.#tableName = options.tableName;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The provider's configuration, or `undefined` when it is not registered. A strongly
   * consistent read: a change is seen by the next load, and the cache reads rarely.
   */
  async get(providerId: string): Promise<ProviderConfig | undefined> {
    const { Item } = await this.#call('GetItem', () =>
      this.#dynamodb.send(
        new GetItemCommand({
          TableName: this.#tableName,
          Key: { providerId: { S: assertProviderId(providerId) } },
          ConsistentRead: true,
        }),
      ),
    );
    return Item === undefined ? undefined : fromItem(Item);
  }

  /** Registers a provider at revision 1; ProviderAlreadyExistsError if its id is taken. */
  async create(input: NewProvider): Promise<ProviderConfig> {
    const nowMs = this.#now();
    const { keys, ...settings } = input;
    const config: ProviderConfig = {
      ...withDefaults(settings),
      keys: keys.map((key, index) => ({ ...key, version: index + 1, createdAtMs: nowMs })),
      updatedAtMs: nowMs,
      revision: 1,
    };
    await this.#write(toItem(config), 'attribute_not_exists(providerId)', {}, (options) => {
      return new ProviderAlreadyExistsError(config.providerId, options);
    });
    return config;
  }

  /**
   * Replaces the provider's configuration if it is still at `config.revision`, and returns it
   * at the next revision; RevisionConflictError otherwise.
   */
  async put(config: ProviderConfig): Promise<ProviderConfig> {
    const next: ProviderConfig = {
      ...config,
      updatedAtMs: this.#now(),
      revision: config.revision + 1,
    };
    await this.#write(
      toItem(next),
      'revision = :expected',
      { ':expected': { N: String(config.revision) } },
      (options) => new RevisionConflictError(config.providerId, config.revision, options),
    );
    return next;
  }

  /**
   * Every provider. A Scan: the registry holds one small item per provider and only the admin
   * CLI lists it; the request path reads one provider by key and never lists. Items under a
   * reserved id (`reservedRegistryIdPrefix`) are not providers and are left out.
   */
  async list(): Promise<ProviderListing> {
    const providers: ProviderConfig[] = [];
    const malformed: MalformedProviderItemError[] = [];
    let startKey: RegistryItem | undefined;
    do {
      const page = await this.#call('Scan', () =>
        this.#dynamodb.send(
          new ScanCommand({
            TableName: this.#tableName,
            ConsistentRead: true,
            ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        // Not a provider: a deployment-wide item under a reserved id (the subject-index secret).
        if (item.providerId?.S?.startsWith(reservedRegistryIdPrefix)) continue;
        try {
          providers.push(fromItem(item));
        } catch (error) {
          if (!(error instanceof MalformedProviderItemError)) throw error;
          malformed.push(error);
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    providers.sort((a, b) => (a.providerId < b.providerId ? -1 : 1));
    return { providers, malformed };
  }

  /**
   * Removes the provider, its keys with it; ProviderNotFoundError if it is not registered, or
   * RevisionConflictError if `expectedRevision` is given and no longer current.
   */
  async remove(providerId: string, expectedRevision?: number): Promise<void> {
    const byRevision = expectedRevision !== undefined;
    await this.#call(
      'DeleteItem',
      () =>
        this.#dynamodb.send(
          new DeleteItemCommand({
            TableName: this.#tableName,
            Key: { providerId: { S: assertProviderId(providerId) } },
            ConditionExpression: byRevision
              ? 'revision = :expected'
              : 'attribute_exists(providerId)',
            ...(byRevision
              ? { ExpressionAttributeValues: { ':expected': { N: String(expectedRevision) } } }
              : {}),
          }),
        ),
      (options) =>
        byRevision
          ? new RevisionConflictError(providerId, expectedRevision, options)
          : new ProviderNotFoundError(providerId, options),
    );
  }

  /**
   * Adds `newKey` as the provider's next key version. The current keys stay valid for the
   * grace (a delivery signed with the old secret still verifies meanwhile), and keys whose
   * grace already ended are dropped.
   */
  async rotate(
    providerId: string,
    newKey: NewProviderKey,
    options: RotateOptions,
  ): Promise<ProviderConfig> {
    const { graceSeconds } = options;
    if (!Number.isSafeInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > maxGraceSeconds) {
      throw new InvalidProviderConfigError(providerId, [
        `graceSeconds must be a whole number from 0 to ${maxGraceSeconds}, got ${graceSeconds}`,
      ]);
    }
    return this.#update(providerId, (config) => ({
      ...config,
      keys: rotatedKeys(config.keys, newKey, this.#now(), graceSeconds * 1000),
    }));
  }

  /** Enables or disables the provider; a disabled provider's deliveries are refused. */
  async setEnabled(providerId: string, enabled: boolean): Promise<ProviderConfig> {
    const { Attributes } = await this.#call(
      'UpdateItem',
      () =>
        this.#dynamodb.send(
          new UpdateItemCommand({
            TableName: this.#tableName,
            Key: { providerId: { S: assertProviderId(providerId) } },
            UpdateExpression: 'SET enabled = :enabled, updatedAt = :now ADD revision :one',
            ConditionExpression: 'attribute_exists(providerId)',
            ExpressionAttributeValues: {
              ':enabled': { BOOL: enabled },
              ':now': { S: new Date(this.#now()).toISOString() },
              ':one': { N: '1' },
            },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      (options) => new ProviderNotFoundError(providerId, options),
    );
    if (Attributes === undefined) {
      throw new DependencyUnavailableError('dynamodb', 'UpdateItem', 'no attributes returned');
    }
    return fromItem(Attributes);
  }

  /** Reads, changes and puts the provider back, reading again if another writer got in first. */
  async #update(
    providerId: string,
    change: (config: ProviderConfig) => ProviderConfig,
  ): Promise<ProviderConfig> {
    for (let attempt = 1; ; attempt += 1) {
      const config = await this.get(providerId);
      if (config === undefined) throw new ProviderNotFoundError(providerId);
      try {
        return await this.put(change(config));
      } catch (error) {
        if (!(error instanceof RevisionConflictError) || attempt >= conflictAttempts) throw error;
      }
    }
  }

  async #write(
    item: RegistryItem,
    condition: string,
    values: RegistryItem,
    onConditionFailed: (options: ErrorOptions) => Error,
  ): Promise<void> {
    await this.#call(
      'PutItem',
      () =>
        this.#dynamodb.send(
          new PutItemCommand({
            TableName: this.#tableName,
            Item: item,
            ConditionExpression: condition,
            ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
          }),
        ),
      onConditionFailed,
    );
  }

  /** Runs one SDK call, turning its failures into registry errors. */
  async #call<Output>(
    operation: string,
    send: () => Promise<Output>,
    onConditionFailed?: (options: ErrorOptions) => Error,
  ): Promise<Output> {
    try {
      return await send();
    } catch (error) {
      // Our own errors (a bad provider id, checked as the command is built) pass through.
      if (error instanceof RegistryError) throw error;
      if (error instanceof ConditionalCheckFailedException && onConditionFailed) {
        throw onConditionFailed({ cause: error });
      }
      throw new DependencyUnavailableError('dynamodb', operation, describeFailure(error), {
        cause: error,
      });
    }
  }
}
