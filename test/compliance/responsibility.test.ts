/**
 * The shared-responsibility matrices (compliance/responsibility/) and the scope statement
 * (compliance/report/scope.ts): every requirement of PCI DSS v4.0.1 and of the HIPAA Security
 * Rule is assigned to someone, each "met by the product" row points at a control of this report
 * for the same framework, the duties the product cannot carry are not claimed for it, and both
 * render with this deployment's retention. The reports are built from a template that holds
 * only what the retention rows read, so no synthesis is needed.
 */
import { describe, expect, it } from 'vitest';
import { controls } from '../../compliance/controls.ts';
import type { ComplianceProfileName } from '../../compliance/profiles.ts';
import { renderMarkdown } from '../../compliance/report/markdown.ts';
import { buildReport, type ComplianceReport } from '../../compliance/report/report.ts';
import { scopeStatement } from '../../compliance/report/scope.ts';
import {
  countLine,
  responsibilityBlocks,
  scopeBlocks,
} from '../../compliance/report/scope-blocks.ts';
import type { Template } from '../../compliance/report/template.ts';
import { hipaaResponsibility } from '../../compliance/responsibility/hipaa.ts';
import {
  controlsOf,
  type ResponsibilityMatrix,
  type ResponsibilityRow,
} from '../../compliance/responsibility/matrix.ts';
import { pciDssResponsibility } from '../../compliance/responsibility/pci-dss.ts';
import {
  payloadCopyCeilingVariable,
  retentionFloorVariable,
} from '../../functions/config/retention.ts';
import { auditTable } from '../../functions/config/tables.ts';

/** The numbered requirements (x.y) of PCI DSS v4.0.1, Requirements 1 to 12, and the appendices. */
const pciDssRequirements = [
  ...['1.1', '1.2', '1.3', '1.4', '1.5'],
  ...['2.1', '2.2', '2.3'],
  ...['3.1', '3.2', '3.3', '3.4', '3.5', '3.6', '3.7'],
  ...['4.1', '4.2'],
  ...['5.1', '5.2', '5.3', '5.4'],
  ...['6.1', '6.2', '6.3', '6.4', '6.5'],
  ...['7.1', '7.2', '7.3'],
  ...['8.1', '8.2', '8.3', '8.4', '8.5', '8.6'],
  ...['9.1', '9.2', '9.3', '9.4', '9.5'],
  ...['10.1', '10.2', '10.3', '10.4', '10.5', '10.6', '10.7'],
  ...['11.1', '11.2', '11.3', '11.4', '11.5', '11.6'],
  ...['12.1', '12.2', '12.3', '12.4', '12.5', '12.6', '12.7', '12.8', '12.9', '12.10'],
  ...['A1.1', 'A1.2', 'A2', 'A3'],
];

/** Every standard and implementation specification of §164.308 to §164.316, as 45 CFR numbers them. */
const hipaaSpecifications = [
  '164.308(a)(1)(i)',
  '164.308(a)(1)(ii)(A)',
  '164.308(a)(1)(ii)(B)',
  '164.308(a)(1)(ii)(C)',
  '164.308(a)(1)(ii)(D)',
  '164.308(a)(2)',
  '164.308(a)(3)(i)',
  '164.308(a)(3)(ii)(A)',
  '164.308(a)(3)(ii)(B)',
  '164.308(a)(3)(ii)(C)',
  '164.308(a)(4)(i)',
  '164.308(a)(4)(ii)(A)',
  '164.308(a)(4)(ii)(B)',
  '164.308(a)(4)(ii)(C)',
  '164.308(a)(5)(i)',
  '164.308(a)(5)(ii)(A)',
  '164.308(a)(5)(ii)(B)',
  '164.308(a)(5)(ii)(C)',
  '164.308(a)(5)(ii)(D)',
  '164.308(a)(6)(i)',
  '164.308(a)(6)(ii)',
  '164.308(a)(7)(i)',
  '164.308(a)(7)(ii)(A)',
  '164.308(a)(7)(ii)(B)',
  '164.308(a)(7)(ii)(C)',
  '164.308(a)(7)(ii)(D)',
  '164.308(a)(7)(ii)(E)',
  '164.308(a)(8)',
  '164.308(b)(1)',
  '164.308(b)(3)',
  '164.310(a)(1)',
  '164.310(a)(2)(i)',
  '164.310(a)(2)(ii)',
  '164.310(a)(2)(iii)',
  '164.310(a)(2)(iv)',
  '164.310(b)',
  '164.310(c)',
  '164.310(d)(1)',
  '164.310(d)(2)(i)',
  '164.310(d)(2)(ii)',
  '164.310(d)(2)(iii)',
  '164.310(d)(2)(iv)',
  '164.312(a)(1)',
  '164.312(a)(2)(i)',
  '164.312(a)(2)(ii)',
  '164.312(a)(2)(iii)',
  '164.312(a)(2)(iv)',
  '164.312(b)',
  '164.312(c)(1)',
  '164.312(c)(2)',
  '164.312(d)',
  '164.312(e)(1)',
  '164.312(e)(2)(i)',
  '164.312(e)(2)(ii)',
  '164.314(a)(1)',
  '164.314(a)(2)(i)',
  '164.314(a)(2)(ii)',
  '164.314(a)(2)(iii)',
  '164.314(b)(1)',
  '164.314(b)(2)',
  '164.316(a)',
  '164.316(b)(1)',
  '164.316(b)(2)(i)',
  '164.316(b)(2)(ii)',
  '164.316(b)(2)(iii)',
];

const matrices = [
  {
    profile: 'pci-dss',
    matrix: pciDssResponsibility,
    wellFormed: /^(?:(?:[1-9]|1[0-2])(?:\.\d{1,2}){1,3}|A[1-3](?:\.\d)?)$/,
  },
  {
    profile: 'hipaa',
    matrix: hipaaResponsibility,
    wellFormed:
      /^164\.3(?:08|10|12|14|16)\([a-e]\)(?:\(\d\))?(?:\((?:i|ii|iii|iv)\))?(?:\([A-E]\))?$/,
  },
] as const satisfies ReadonlyArray<{
  profile: ComplianceProfileName;
  matrix: ResponsibilityMatrix;
  wellFormed: RegExp;
}>;

const rowOf = (matrix: ResponsibilityMatrix, id: string): ResponsibilityRow => {
  const row = matrix.rows.find((r) => r.id === id);
  if (row === undefined) throw new Error(`no row ${id} in ${matrix.framework}`);
  return row;
};

/** Whether `ancestor` numbers a requirement that holds `id` (`3.5` holds `3.5.1`, `164.312(a)` holds `164.312(a)(1)`). */
const holds = (ancestor: string, id: string) =>
  id !== ancestor && (id.startsWith(`${ancestor}.`) || id.startsWith(`${ancestor}(`));

describe.each(matrices)('the $profile responsibility matrix', ({ profile, matrix, wellFormed }) => {
  it('cites, for each product or shared row, controls of this report for the same framework', () => {
    const wrong = matrix.rows.flatMap((row) =>
      controlsOf(row).flatMap((id) => {
        const control = controls.find((c) => c.id === id);
        if (control === undefined) return [`${row.id}: no control ${id} in compliance/controls.ts`];
        return control.profile === profile
          ? []
          : [`${row.id}: ${id} is a ${control.profile} control`];
      }),
    );
    expect(wrong).toEqual([]);
    for (const row of matrix.rows.filter((r) => r.responsibility === 'product')) {
      expect(controlsOf(row).length, row.id).toBeGreaterThan(0);
    }
  });

  it('lists each requirement once, whole or by its sub-requirements, under a well-formed id', () => {
    const ids = matrix.rows.map((row) => row.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    expect(ids.filter((id) => !wellFormed.test(id))).toEqual([]);
    // PCI DSS numbers some requirements below others (4.2.1.1 under 4.2.1): only a whole
    // requirement (x.y) must not be listed beside its own parts.
    const whole = ids.filter((id) => id.startsWith('164.') || /^(?:\d+\.\d+|A\d)$/.test(id));
    expect(
      whole.flatMap((a) => ids.filter((b) => holds(a, b)).map((b) => `${a} and ${b}`)),
    ).toEqual([]);
  });

  it('says for every row why it lies where it does, in words of its own', () => {
    for (const row of matrix.rows) {
      expect(row.title.length, row.id).toBeGreaterThan(0);
      const words =
        row.responsibility === 'product'
          ? [row.evidence]
          : row.responsibility === 'shared'
            ? [row.product, row.customer]
            : [row.reason];
      for (const text of words) expect(text.length, row.id).toBeGreaterThan(10);
    }
  });
});

describe('PCI DSS v4.0.1', () => {
  const matrix = pciDssResponsibility;

  it('leaves no numbered requirement out, a requirement not bearing on a receiver included', () => {
    const missing = pciDssRequirements.filter(
      (id) => !matrix.rows.some((row) => row.id === id || holds(id, row.id)),
    );
    expect(missing).toEqual([]);
    expect(matrix.rows.some((row) => row.responsibility === 'not-applicable')).toBe(true);
  });

  it('leaves MFA, vulnerability scans and the policies of Requirement 12 to the customer', () => {
    expect(['customer', 'shared']).toContain(rowOf(matrix, '8.4').responsibility);
    expect(rowOf(matrix, '11.3').responsibility).toBe('customer');
    const twelve = matrix.rows.filter((row) => row.id.startsWith('12.'));
    expect(twelve.map((row) => row.id)).toHaveLength(10);
    expect(twelve.filter((row) => row.responsibility !== 'customer')).toEqual([]);
  });

  it('cites v4.0.1, never the retired v4.0', () => {
    expect(matrix.framework).toBe('PCI DSS v4.0.1');
    expect(JSON.stringify(matrix)).not.toMatch(/v4\.0(?!\.1)/);
  });
});

describe('the HIPAA Security Rule', () => {
  const matrix = hipaaResponsibility;

  it('lists every standard and implementation specification, and no other', () => {
    expect(matrix.rows.map((row) => row.id).sort()).toEqual([...hipaaSpecifications].sort());
  });

  it('marks each as a standard, or as a required or addressable specification', () => {
    const kindOf = (id: string) => matrix.rows.find((row) => row.id === id)?.kind;
    expect(kindOf('164.308(a)(1)(i)')).toBe('standard');
    expect(kindOf('164.308(a)(1)(ii)(A)')).toBe('required');
    expect(kindOf('164.312(a)(2)(iv)')).toBe('addressable');
    expect(kindOf('164.312(b)')).toBe('standard');
  });

  it('leaves the risk analysis to the customer, and the AWS BAA to the customer and AWS', () => {
    expect(rowOf(matrix, '164.308(a)(1)(ii)(A)').responsibility).toBe('customer');
    const baa = rowOf(matrix, '164.314(a)(1)');
    expect(['customer', 'aws']).toContain(baa.responsibility);
    expect(JSON.stringify(baa)).toContain('AWS Business Associate Addendum');
  });
});

/** A template holding only what the retention rows read: the ingest Lambda, queues, a log group, a table. */
const template = (floor: string, logDays: number): Template => ({
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
    DeliveryQueue: {
      Type: 'AWS::SQS::Queue',
      Properties: { MessageRetentionPeriod: 1_209_600, RedrivePolicy: { maxReceiveCount: 5 } },
    },
    DeadLetterQueue: { Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: 1_209_600 } },
    IngestLogs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: logDays } },
    AuditTable: {
      Type: 'AWS::DynamoDB::Table',
      Properties: { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } },
    },
  },
});

const reportFor = (
  profiles: readonly ComplianceProfileName[],
  floor: string,
  logDays: number,
): ComplianceReport =>
  buildReport({
    generatedAt: new Date('2026-12-07T06:00:00Z'),
    version: '0.0.0-test',
    profiles,
    profilesSource: 'flag',
    template: template(floor, logDays),
    templateSource: { kind: 'file', path: 'template.json' },
    nag: { available: false, reason: 'not run in this test' },
    stack: { kind: 'template-only' },
    notices: [],
  });

/** The Markdown table row whose first cell is `first`. */
const tableRow = (markdown: string, first: string) =>
  markdown.split('\n').find((line) => line.startsWith(`| ${first} |`));

describe('the scope and responsibility sections of a report', () => {
  it('give each store the retention the template sets', () => {
    const markdown = renderMarkdown(scopeBlocks(reportFor(['hipaa'], 'extended', 2_192)));
    expect(markdown).toContain('## Scope and data flow');
    expect(tableRow(markdown, 'Audit table (DynamoDB): delivery records')).toContain(
      'at least 2192 days (class extended)',
    );
    expect(tableRow(markdown, 'Log groups (CloudWatch Logs)')).toContain('at least 2192 days');
    expect(tableRow(markdown, 'Delivery queue (SQS FIFO)')).toContain('at most 14 days');
    expect(tableRow(markdown, 'Audit digests (S3, Object Lock in compliance mode)')).toContain(
      'at least 2192 days (class extended)',
    );
    expect(markdown).toContain('`grantReadPayloadCopies`');
    expect(markdown).toContain('### Out of scope');
  });

  it('list the resources the evidence names, each under its own type', () => {
    const report = reportFor(['hipaa'], 'extended', 2_192);
    const { resources } = scopeStatement(report);
    expect(resources.map((r) => r.type)).toContain('AWS::SQS::Queue');
    const resource = (id: string) => template('extended', 2_192).Resources[id];
    for (const { type, logicalIds } of resources) {
      for (const id of logicalIds) expect(resource(id)?.Type, id).toBe(type);
    }
    expect(tableRow(renderMarkdown(scopeBlocks(report)), '`AWS::SQS::Queue`')).toBe(
      '| `AWS::SQS::Queue` | `DeadLetterQueue`, `DeliveryQueue` |',
    );
  });

  it('follow the template rather than the profiles where the two differ', () => {
    const markdown = renderMarkdown(scopeBlocks(reportFor(['pci-dss'], 'standard', 400)));
    expect(tableRow(markdown, 'Audit table (DynamoDB): delivery records')).toContain(
      'at least 400 days (class standard)',
    );
    expect(tableRow(markdown, 'Log groups (CloudWatch Logs)')).toContain('at least 400 days');
  });

  it('render one matrix per framework the profiles name, each with its count', () => {
    const report = reportFor(['pci-dss', 'hipaa', 'gdpr'], 'extended', 2_192);
    const markdown = renderMarkdown(responsibilityBlocks(report));
    expect(markdown).toContain('### PCI DSS v4.0.1');
    expect(markdown).toContain('### HIPAA Security Rule (45 CFR Part 164, Subpart C)');
    expect(markdown).toContain(countLine(pciDssResponsibility));
    expect(markdown).toContain(countLine(hipaaResponsibility));
    expect(countLine(pciDssResponsibility)).toMatch(
      new RegExp(`^${pciDssResponsibility.rows.length} requirements: \\d+ product, `),
    );
    expect(markdown).toContain('No responsibility matrix for `gdpr`');
    expect(tableRow(markdown, '8.4')).toContain('| Customer |');
    expect(tableRow(markdown, '3.5')).toMatch(/`pci-dss 3\.5\.1` \*\*(PASS|FAIL)\*\*/);
    expect(tableRow(markdown, '§164.312(a)(2)(iv)')).toContain('| A | Encryption and decryption |');
  });

  it('say in one line that a report naming neither framework has no matrix', () => {
    const markdown = renderMarkdown(
      responsibilityBlocks(reportFor(['gdpr', 'ccpa'], 'minimal', 30)),
    );
    expect(markdown).not.toContain('###');
    expect(markdown).toContain('No responsibility matrix for `gdpr`, `ccpa`');
  });
});
