/**
 * The report's scope statement and shared-responsibility matrices, as blocks for document.ts's
 * renderers. An assessor reads these first: what the deployment holds and who can read it, then
 * for each requirement whether the product meets it (and the control of this report that shows
 * it), shares it with the customer, or leaves it to the customer or AWS.
 */
import { responsibilityMatrixOf } from '../responsibility/frameworks.ts';
import {
  countByResponsibility,
  type HipaaKind,
  type Responsibility,
  type ResponsibilityMatrix,
  type ResponsibilityRow,
  responsibilities,
} from '../responsibility/matrix.ts';
import { type Block, heading, type Inline, list, paragraph, type Text, table } from './blocks.ts';
import type { ComplianceReport } from './report.ts';
import { scopeStatement } from './scope.ts';

/**
 * `text` with each `…` span as code, so that the data files read as plain sentences and the
 * renderers still set commands and names apart (and escape the rest).
 */
export function withCode(text: string): Inline[] {
  return text
    .split('`')
    .flatMap((part, i): Inline[] => (part === '' ? [] : [i % 2 === 1 ? { code: part } : part]));
}

/** What the deployment receives, where it keeps it, how long, who reads it, and what is outside. */
export function scopeBlocks(report: ComplianceReport): Block[] {
  const scope = scopeStatement(report);
  return [
    heading(2, 'Scope and data flow'),
    paragraph(
      'What this deployment receives, what it refuses, where it keeps each thing, for how long and who can read it, and what lies outside it: the boundary of the assessment (PCI DSS v4.0.1 12.5.2; the inventory a HIPAA §164.308(a)(1)(ii)(A) risk analysis starts from). How long each store keeps data is read from the template, as in "Retention per record class" below.',
    ),
    heading(3, 'What enters'),
    list(scope.enters.map(withCode)),
    heading(3, 'What is verified and refused'),
    list(scope.refused.map(withCode)),
    heading(3, 'Where it is stored, for how long, and who can read it'),
    table(
      ['Store', 'Holds', 'Kept', 'Who can read it'],
      scope.stores.map((s) => [s.store, s.holds, withCode(s.kept), withCode(s.readers)]),
    ),
    heading(3, 'Keys and their custodians'),
    table(
      ['Key', 'Protects', 'Who may use it'],
      scope.keys.map((k) => [withCode(k.key), k.protects, withCode(k.use)]),
    ),
    heading(3, 'Resources'),
    ...(scope.resources.length === 0
      ? [paragraph('No control of these profiles names a resource of the template.')]
      : [
          paragraph(
            "The template's resources that the evidence of the controls (below) names, by type: the receiver's part of the inventory of system components (PCI DSS v4.0.1 12.5.1). The template holds others too: roles, alarms, the dashboard.",
          ),
          table(
            ['Type', 'Logical ids'],
            scope.resources.map((r): Text[] => [
              { code: r.type },
              r.logicalIds.flatMap((id, i): Inline[] => [...(i === 0 ? [] : [', ']), { code: id }]),
            ]),
          ),
        ]),
    heading(3, 'Out of scope'),
    list(scope.outOfScope.map(withCode)),
  ];
}

const responsibilityLabels: Readonly<Record<Responsibility, string>> = {
  product: 'Product',
  shared: 'Shared',
  customer: 'Customer',
  aws: 'AWS',
  'not-applicable': 'Not applicable',
};

const kindLabels: Readonly<Record<HipaaKind, string>> = {
  standard: 'Standard',
  required: 'R',
  addressable: 'A',
};

/** One table per framework the report's profiles name that is assessed requirement by requirement. */
export function responsibilityBlocks(report: ComplianceReport): Block[] {
  const profiles = [...new Set(report.profiles)];
  const withMatrix = profiles.flatMap((profile) => {
    const matrix = responsibilityMatrixOf(profile);
    return matrix === undefined ? [] : [matrix];
  });
  const without = profiles.filter((profile) => responsibilityMatrixOf(profile) === undefined);
  const head = heading(2, 'Shared responsibility');
  const skipped =
    without.length === 0
      ? []
      : [
          paragraph([
            'No responsibility matrix for ',
            ...without.flatMap((name, i): Inline[] => [...(i === 0 ? [] : [', ']), { code: name }]),
            without.every((name) => name === 'baseline')
              ? ': it names no regulation.'
              : ': only PCI DSS and HIPAA are assessed requirement by requirement; the controller’s GDPR and CCPA records are in docs/gdpr-article-30.md.',
          ]),
        ];
  if (withMatrix.length === 0) return [head, ...skipped];
  return [
    head,
    paragraph(
      'For each requirement: met by the product (with the control of this report that shows it, and the strength of its evidence), shared (what the product does and what the customer must add), or the customer’s or AWS’s (and why), or not applicable to a webhook receiver (and why). Nothing is left out: every requirement of the framework is listed.',
    ),
    ...skipped,
    ...withMatrix.flatMap((matrix) => matrixBlocks(matrix, report)),
  ];
}

function matrixBlocks(matrix: ResponsibilityMatrix, report: ComplianceReport): Block[] {
  const hipaa = matrix.rows.some((row) => 'kind' in row);
  const header = [
    hipaa ? 'Standard or specification' : 'Requirement',
    ...(hipaa ? ['R/A'] : []),
    'Title',
    'Responsibility',
    'Statement',
  ];
  return [
    heading(3, matrix.framework),
    list(matrix.notes.map(withCode)),
    paragraph(countLine(matrix)),
    table(
      header,
      matrix.rows.map((row): Text[] => [
        hipaa ? `§${row.id}` : row.id,
        ...(hipaa ? [kindOf(row)] : []),
        row.title,
        responsibilityLabels[row.responsibility],
        statement(row, report),
      ]),
    ),
  ];
}

/** e.g. `67 requirements: 9 product, 25 shared, 26 customer, 5 AWS, 2 not applicable.` */
export function countLine(matrix: ResponsibilityMatrix): string {
  const counts = countByResponsibility(matrix.rows);
  const parts = responsibilities
    .filter((r) => counts[r] > 0)
    .map((r) => `${counts[r]} ${r === 'aws' ? 'AWS' : responsibilityLabels[r].toLowerCase()}`);
  return `${matrix.rows.length} ${matrix.unit}: ${parts.join(', ')}.`;
}

function kindOf(row: ResponsibilityRow): string {
  return 'kind' in row ? kindLabels[row.kind as HipaaKind] : '—';
}

/** The control ids with this report's evidence level on each (never a bare PASS: evidence-levels.ts). */
function evidenceOf(ids: readonly string[], report: ComplianceReport): Inline[] {
  return ids.flatMap((id, i): Inline[] => {
    const result = report.controls.find((control) => control.id === id);
    return [
      ...(i === 0 ? [] : [', ']),
      { code: id },
      ...(result === undefined ? [] : [' ', { level: result.evidence.level }]),
    ];
  });
}

function statement(row: ResponsibilityRow, report: ComplianceReport): Text {
  switch (row.responsibility) {
    case 'product':
      return [
        { strong: 'Evidence:' },
        ' ',
        ...evidenceOf(row.controls, report),
        '. ',
        ...withCode(row.evidence),
      ];
    case 'shared':
      return [
        { strong: 'Product:' },
        ' ',
        ...withCode(row.product),
        ...(row.controls === undefined || row.controls.length === 0
          ? []
          : [' Evidence: ', ...evidenceOf(row.controls, report), '.']),
        ' ',
        { strong: 'Customer:' },
        ' ',
        ...withCode(row.customer),
      ];
    default:
      return withCode(row.reason);
  }
}
