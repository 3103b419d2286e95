/**
 * The envelope's `signed` list: which of its fields the provider's signature covers. Added
 * within version 1, so a message without it still reads, and a reader never claims more than
 * the message does.
 */
import { describe, expect, it } from 'vitest';
import {
  buildEnvelope,
  type EnvelopeInput,
  maxIdentifierChars,
  readEnvelope,
  type SignedField,
} from '../../functions/queue/envelope.ts';
import { EnvelopeInputError, InvalidEnvelopeError } from '../../functions/queue/errors.ts';

function envelopeInput(overrides: Partial<EnvelopeInput> = {}): EnvelopeInput {
  return {
    deliveryId: `sha256:${'ab'.repeat(32)}`,
    providerId: 'acme-git',
    scheme: 'github',
    eventId: 'aaaaaaaa-0000-4000-8000-000000000001',
    eventType: 'push',
    receivedAtMs: Date.UTC(2025, 0, 2, 3, 4, 5, 678),
    headers: {},
    body: Buffer.from('{"ref":"refs/heads/main"}'),
    ...overrides,
  };
}

const documentOf = (input: EnvelopeInput) => JSON.parse(buildEnvelope(input).body);

describe('signed, as the builder writes it', () => {
  it('lists the covered fields in a fixed order, each once, and reads back the same', () => {
    const signed: SignedField[] = ['timestamp', 'body', 'eventType', 'body'];
    const message = buildEnvelope(envelopeInput({ signed }));
    expect(JSON.parse(message.body).signed).toEqual(['body', 'eventType', 'timestamp']);
    expect(readEnvelope(message.body).signed).toEqual(['body', 'eventType', 'timestamp']);
  });

  it('keeps an empty list: nothing is signed, which is not the same as not known', () => {
    expect(documentOf(envelopeInput({ signed: [] })).signed).toEqual([]);
    expect(documentOf(envelopeInput())).not.toHaveProperty('signed');
    expect(readEnvelope(buildEnvelope(envelopeInput()).body)).not.toHaveProperty('signed');
  });

  it('leaves out an id field the envelope does not carry, or carries cut', () => {
    const absent = envelopeInput({ eventId: undefined, signed: ['body', 'eventId'] });
    expect(documentOf(absent).signed).toEqual(['body']);
    const long = 'e'.repeat(maxIdentifierChars + 1);
    const cut = envelopeInput({ eventId: long, signed: ['body', 'eventId', 'eventType'] });
    expect(documentOf(cut).signed).toEqual(['body', 'eventType']);
  });

  it('refuses a name that is not a field it may list', () => {
    const input = envelopeInput({ signed: ['deliveryId' as SignedField] });
    expect(() => buildEnvelope(input)).toThrow(EnvelopeInputError);
  });

  it('adds only its own bytes to the message', () => {
    const bare = buildEnvelope(envelopeInput({ headers: { 'user-agent': 'x' } }));
    const marked = buildEnvelope(
      envelopeInput({ headers: { 'user-agent': 'x' }, signed: ['body', 'eventId'] }),
    );
    expect(Buffer.byteLength(marked.body)).toBe(
      Buffer.byteLength(bare.body) + Buffer.byteLength(',"signed":["body","eventId"]'),
    );
  });
});

describe('signed, as the reader takes it', () => {
  const valid = documentOf(envelopeInput({ signed: ['body'] }));

  it('leaves out names it does not know and ids the message lacks: never more than it says', () => {
    const later = { ...valid, eventId: undefined, signed: ['body', 'eventId', 'headers'] };
    expect(readEnvelope(JSON.stringify(later)).signed).toEqual(['body']);
  });

  it.each([
    ['a string', 'body'],
    ['a list holding a number', ['body', 1]],
    ['null', null],
  ])('refuses %s', (_, signed) => {
    expect(() => readEnvelope(JSON.stringify({ ...valid, signed }))).toThrow(InvalidEnvelopeError);
  });
});
