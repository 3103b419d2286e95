import { eventSourcesOf, type Scheme } from './scheme.ts';

export interface EventFields {
  readonly id?: string;
  readonly type?: string;
}

/**
 * Reads the event id and type from a verified JSON body, for schemes that carry them only
 * there (Stripe's `id` and `type`, say), or whose options say where they are (the generic
 * hmac's `idField` and `typeField`). Call it after verification: it parses the body.
 */
export function readEventFields(
  scheme: Scheme<unknown>,
  body: Uint8Array,
  options: unknown = {},
): EventFields {
  const paths = eventSourcesOf(scheme, options).eventFields;
  if (paths === undefined) return {};
  let document: unknown;
  try {
    document = JSON.parse(
      Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'),
    );
  } catch {
    return {};
  }
  const fields: { id?: string; type?: string } = {};
  const id = paths.id === undefined ? undefined : textAt(document, paths.id);
  const type = paths.type === undefined ? undefined : textAt(document, paths.type);
  if (id !== undefined) fields.id = id;
  if (type !== undefined) fields.type = type;
  return fields;
}

/** The string or number at a dotted path such as `event.id`, as text. */
function textAt(document: unknown, path: string): string | undefined {
  let node = document;
  for (const step of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[step];
  }
  return typeof node === 'string' || typeof node === 'number' ? String(node) : undefined;
}
