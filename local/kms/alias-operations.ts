/** CreateAlias and ListAliases. Aliases resolve wherever a KeyId is taken (see key-store.ts). */
import { AlreadyExistsError, InvalidAliasNameError, InvalidMarkerError } from './errors.ts';
import {
  aliasArn,
  assertNotPendingDeletion,
  type KeyStore,
  resolveKey,
  type StoredAlias,
} from './key-store.ts';
import type { OperationContext, ResponseFields } from './operation-context.ts';
import {
  epochSeconds,
  optionalInteger,
  optionalString,
  type RequestFields,
  requiredString,
} from './wire-fields.ts';

/** KMS's AliasName rule; `alias/aws/` is reserved for AWS managed keys. */
const aliasNamePattern = /^alias\/[a-zA-Z0-9/_-]{1,250}$/;
const reservedAliasPrefix = 'alias/aws/';
/** KMS's default and maximum page size for ListAliases. */
const defaultAliasPageSize = 50;
const maxAliasPageSize = 100;

export function createAlias({ store, now }: OperationContext, fields: RequestFields) {
  const name = requiredString(fields, 'AliasName');
  if (!aliasNamePattern.test(name) || name.startsWith(reservedAliasPrefix)) {
    throw new InvalidAliasNameError(`'${name}' is not a valid alias name`);
  }
  if (store.aliases.has(name)) {
    throw new AlreadyExistsError(`An alias with the name ${aliasArn(store, name)} already exists`);
  }
  const target = resolveKey(store, requiredString(fields, 'TargetKeyId'));
  assertNotPendingDeletion(store, target);
  const created = now();
  store.aliases.set(name, {
    name,
    targetKeyId: target.keyId,
    createdAt: created,
    updatedAt: created,
  });
  return {};
}

/** Aliases in name order; the marker is the name of the first alias of the next page. */
export function listAliases({ store }: OperationContext, fields: RequestFields) {
  const keyIdInput = optionalString(fields, 'KeyId');
  const targetKeyId = keyIdInput === undefined ? undefined : resolveKey(store, keyIdInput).keyId;
  const limit = optionalInteger(fields, 'Limit', 1, maxAliasPageSize) ?? defaultAliasPageSize;
  const matching = [...store.aliases.values()]
    .filter((alias) => targetKeyId === undefined || alias.targetKeyId === targetKeyId)
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const marker = optionalString(fields, 'Marker');
  const start = marker === undefined ? 0 : matching.findIndex((alias) => alias.name === marker);
  if (start < 0) throw new InvalidMarkerError(`Marker '${marker}' is not one ListAliases returned`);
  const next = matching[start + limit];
  return {
    Aliases: matching.slice(start, start + limit).map((alias) => aliasListEntry(store, alias)),
    Truncated: next !== undefined,
    ...(next && { NextMarker: next.name }),
  };
}

function aliasListEntry(store: KeyStore, alias: StoredAlias): ResponseFields {
  return {
    AliasName: alias.name,
    AliasArn: aliasArn(store, alias.name),
    TargetKeyId: alias.targetKeyId,
    CreationDate: epochSeconds(alias.createdAt),
    LastUpdatedDate: epochSeconds(alias.updatedAt),
  };
}
