/**
 * An acknowledgement (compliance/acknowledgements.ts) as the report joins it with where this
 * deployment records it: in a file of its own, so that report.ts and rule-findings.ts, which
 * report.ts calls, both take it without importing each other.
 */
export interface AcknowledgementResult {
  readonly rules: readonly string[];
  readonly resource: string;
  /** @default - every configuration */
  readonly condition?: string;
  readonly reason: string;
  /** Where it is recorded in this deployment: construct paths and logical ids. */
  readonly recordedOn: ReadonlyArray<{
    readonly constructPath: string;
    readonly logicalId?: string;
  }>;
}
