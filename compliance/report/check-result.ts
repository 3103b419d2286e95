/**
 * A template rule's outcome as the report shows it under a control. A control passes only on
 * evidence found, not assumed: a rule with nothing to look at (not applicable) fails it, and so
 * does a live value that contradicts the template.
 */
import { type TemplateCheckName, templateRule } from '../checks/pack.ts';
import type { Evidence, RuleContext, Verdict } from '../checks/rule.ts';

export interface CheckResult {
  readonly name: TemplateCheckName;
  readonly summary: string;
  readonly passed: boolean;
  readonly evidence: readonly Evidence[];
  /** Why the rule fails, then every live value that differs from the template. */
  readonly problems: readonly string[];
}

/** Runs the rule the catalogue cites as `name`, for the report. */
export function runCheck(name: TemplateCheckName, context: RuleContext): CheckResult {
  const rule = templateRule(name);
  const { verdict, evidence } = rule.evaluate(context);
  const drifted = evidence.flatMap(({ resource, property, live }) =>
    live?.state === 'differs' ? [`live stack: ${resource} ${property} is ${live.value}`] : [],
  );
  const problems = [...verdictProblems(verdict), ...drifted];
  return { name, summary: rule.summary, passed: problems.length === 0, evidence, problems };
}

function verdictProblems(verdict: Verdict): readonly string[] {
  switch (verdict.kind) {
    case 'compliant':
      return [];
    case 'non-compliant':
      return verdict.findings.map(({ why }) => why);
    case 'not-applicable':
      return [verdict.reason];
  }
}
