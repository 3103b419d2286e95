import { describe, expect, it } from 'vitest';
import {
  apiEventReserveBytes,
  envelopeReserveBytes,
  lambdaSyncPayloadBytes,
  maxBodySizeBytes,
  maxInlineBodyBytes,
  queueMaxMessageBytes,
} from '../../functions/config/limits.ts';
import { retentionClasses } from '../../functions/config/retention.ts';

describe('limits', () => {
  it('fits the largest inline body, base64 encoded, in one queue message with its envelope', () => {
    const base64Length = 4 * Math.ceil(maxInlineBodyBytes / 3);
    expect(base64Length + envelopeReserveBytes).toBeLessThanOrEqual(queueMaxMessageBytes);
    expect(Number.isInteger(maxInlineBodyBytes)).toBe(true);
    expect(queueMaxMessageBytes).toBe(1_048_576);
  });

  it('fits the largest accepted body, base64 encoded, in one Lambda invocation with its event', () => {
    const base64Length = 4 * Math.ceil(maxBodySizeBytes / 3);
    expect(base64Length + apiEventReserveBytes).toBeLessThanOrEqual(lambdaSyncPayloadBytes);
    // The largest such body: one more byte (three, for a whole base64 group) would not fit.
    expect(4 * Math.ceil((maxBodySizeBytes + 3) / 3) + apiEventReserveBytes).toBeGreaterThan(
      lambdaSyncPayloadBytes,
    );
    expect(Number.isInteger(maxBodySizeBytes)).toBe(true);
    expect(maxBodySizeBytes).toBeGreaterThan(maxInlineBodyBytes);
  });
});

describe('retention classes', () => {
  it('keep PCI DSS 10.5.1 twelve months of audit history in the standard class', () => {
    expect(retentionClasses.standard.auditDays).toBeGreaterThanOrEqual(366);
  });

  it('keep HIPAA six years in the extended class and CCPA 24 months for consumer requests', () => {
    expect(retentionClasses.extended.auditDays).toBeGreaterThanOrEqual(6 * 365 + 2);
    expect(retentionClasses['consumer-requests'].auditDays).toBeGreaterThanOrEqual(730);
  });

  it('never keeps a payload copy longer than its audit record', () => {
    for (const retention of Object.values(retentionClasses)) {
      expect(retention.payloadDays).toBeLessThanOrEqual(retention.auditDays);
    }
  });
});
