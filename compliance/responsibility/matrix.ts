/**
 * The shared-responsibility matrix as data: for each requirement of a framework that bears on a
 * webhook receiver, who meets it. An auditor asks this before anything else: a control the
 * product meets is evidence only once the rest of the requirement has an owner. Nothing is left
 * out silently: a requirement that cannot bear on a receiver is listed as not applicable, with
 * the reason.
 *
 * Titles and statements are this project's own words; the requirement text is the standard's
 * (PCI SSC; HHS, 45 CFR Part 164 Subpart C).
 */

/** Who meets a requirement. */
export type Responsibility = 'product' | 'shared' | 'customer' | 'aws' | 'not-applicable';

export const responsibilities = [
  'product',
  'shared',
  'customer',
  'aws',
  'not-applicable',
] as const satisfies readonly Responsibility[];

/** A control id of compliance/controls.ts, e.g. `pci-dss 3.5.1`. */
export type ControlId = string;

interface RowBase {
  /** The requirement as the framework numbers it, e.g. `3.5` or `164.308(a)(1)(ii)(A)`. */
  readonly id: string;
  /** A short title, in this project's words. */
  readonly title: string;
}

/** Met by the product: the controls of compliance/controls.ts that show it, and how. */
export interface ProductRow extends RowBase {
  readonly responsibility: 'product';
  readonly controls: readonly [ControlId, ...ControlId[]];
  readonly evidence: string;
}

/** The product does part; the customer must add the rest. */
export interface SharedRow extends RowBase {
  readonly responsibility: 'shared';
  readonly product: string;
  readonly customer: string;
  /** Controls that show the product's part. @default - none: the part is shown by the docs named */
  readonly controls?: readonly ControlId[];
}

/** Met by the customer or by AWS, or not applicable to a webhook receiver: why. */
export interface ElsewhereRow extends RowBase {
  readonly responsibility: 'customer' | 'aws' | 'not-applicable';
  readonly reason: string;
}

export type ResponsibilityRow = ProductRow | SharedRow | ElsewhereRow;

/** HIPAA distinguishes standards from their required and addressable implementation specifications. */
export type HipaaKind = 'standard' | 'required' | 'addressable';

export type HipaaRow = ResponsibilityRow & { readonly kind: HipaaKind };

/** A framework's matrix, as the report renders it. */
export interface ResponsibilityMatrix<Row extends ResponsibilityRow = ResponsibilityRow> {
  /** The framework as cited, version included. */
  readonly framework: string;
  /** What a row is, for the count line: `requirements`, `standards and specifications`. */
  readonly unit: string;
  /** What the rows cover, and the decisions made about scope (service providers, appendices). */
  readonly notes: readonly string[];
  readonly rows: readonly Row[];
}

/** The control ids a row cites as evidence, product or shared. */
export function controlsOf(row: ResponsibilityRow): readonly ControlId[] {
  if (row.responsibility === 'product') return row.controls;
  if (row.responsibility === 'shared') return row.controls ?? [];
  return [];
}

/** How many rows fall to each party, in `responsibilities` order. */
export function countByResponsibility(
  rows: readonly ResponsibilityRow[],
): Readonly<Record<Responsibility, number>> {
  const counts = Object.fromEntries(responsibilities.map((r) => [r, 0])) as Record<
    Responsibility,
    number
  >;
  for (const row of rows) counts[row.responsibility] += 1;
  return counts;
}
