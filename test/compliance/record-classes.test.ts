/**
 * The report's retention rows, from a template that holds only what they read: the ingest
 * Lambda's environment. The dedup marker is an accepted delivery's own audit record
 * (functions/audit/delivery-item.ts), so its row must give the record's retention, not the
 * dedup window that a marker of its own used to expire after.
 */
import { describe, expect, it } from 'vitest';
import { retentionRows } from '../../compliance/report/record-classes.ts';
import type { Template } from '../../compliance/report/template.ts';
import { defaultDedupWindowSeconds } from '../../functions/config/limits.ts';
import {
  payloadCopyCeilingVariable,
  retentionFloorVariable,
} from '../../functions/config/retention.ts';
import { auditTable } from '../../functions/config/tables.ts';

const template = (floor: string): Template => ({
  Resources: {
    IngestFunction: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Environment: {
          Variables: {
            [auditTable.nameVariable]: 'audit',
            [retentionFloorVariable]: floor,
            [payloadCopyCeilingVariable]: 'standard',
          },
        },
      },
    },
  },
});

const row = (rows: ReturnType<typeof retentionRows>, recordClass: string) => {
  const found = rows.find((r) => r.recordClass === recordClass);
  if (found === undefined) throw new Error(`no row ${recordClass}`);
  return found;
};

const markers = 'Deduplication markers (the accepted delivery records)';
const deliveries = 'Delivery audit records (one per attempt)';

describe('the deduplication markers row', () => {
  it('keeps the markers as long as the delivery records, for each floor', () => {
    for (const [floor, kept] of [
      ['standard', 'at least 400 days (class standard)'],
      ['extended', 'at least 2192 days (class extended)'],
    ] as const) {
      const rows = retentionRows(template(floor), ['pci-dss']);
      expect(row(rows, markers).kept).toBe(kept);
      expect(row(rows, markers).kept).toBe(row(rows, deliveries).kept);
    }
  });

  it('names the dedup window as how long a repeat is a duplicate, not as a retention', () => {
    const window = `${defaultDedupWindowSeconds / 86_400} days`;
    const marker = row(retentionRows(template('standard'), ['gdpr']), markers);
    expect(marker.kept).not.toContain(window);
    expect(marker.note).toContain(`dedup window (${window} by default)`);
    expect(marker.setBy).toContain(retentionFloorVariable);
    expect(marker).toMatchObject({ required: '—', meetsProfiles: null });
  });

  it('says so when the template sets no floor', () => {
    const rows = retentionRows({ Resources: {} }, ['baseline']);
    expect(row(rows, markers).kept).toBe('(not found)');
  });
});
