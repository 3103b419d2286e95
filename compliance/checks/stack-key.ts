/** The KMS key of this stack that encrypts a resource, for the encryption rules. */
import {
  describeKey,
  describeValue,
  type Resource,
  templateKeyId,
  valueAt,
} from '../report/template.ts';
import type { RuleContext } from './rule.ts';

/**
 * The key a resource's property at `path` refers to: its logical id when it is a key of this
 * stack, and how a reader would name it (with its aliases) either way.
 */
export function stackKeyAt(
  context: RuleContext,
  { resource }: Resource,
  path: string,
): { readonly keyId: string | undefined; readonly text: string } {
  const value = valueAt(resource.Properties, path);
  const keyId = templateKeyId(context.template, value);
  return {
    keyId,
    text: keyId === undefined ? describeValue(value) : describeKey(context.template, keyId),
  };
}

/** The ARN the live stack gives the key with this logical id, if it was asked. */
export function liveKeyArn(context: RuleContext, keyId: string | undefined): string | undefined {
  return keyId === undefined ? undefined : context.live?.keys.get(keyId)?.arn;
}
