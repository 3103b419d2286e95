/**
 * One control of the catalogue evaluated against a template (and the live stack): its words and
 * tests, and its rules' results. What the compliance report (report.ts) and the scheduled
 * self-audit's `template-controls` check (scheduled/self-audit/) both run, so that the two
 * judge a deployment the same way. Pure, and free of the CDK: the self-audit's Lambda bundles it.
 */
import { type Control, regulations } from '../controls.ts';
import { complianceProfiles } from '../profiles.ts';
import { type CheckResult, runCheck } from './check-result.ts';
import type { LiveStack } from './live.ts';
import type { Template } from './template.ts';

/** A control of the catalogue as evaluated: its words and tests, and its rules' results. */
export interface ControlResult
  extends Pick<Control, 'id' | 'clause' | 'title' | 'requirement' | 'implementation' | 'tests'> {
  readonly regulation: string;
  readonly passed: boolean;
  readonly checks: readonly CheckResult[];
}

/** Runs each rule the control cites, with its own profile's requirements. */
export function evaluateControl(
  control: Control,
  template: Template,
  live: LiveStack | undefined,
): ControlResult {
  const requirements = complianceProfiles[control.profile];
  const context =
    live === undefined ? { template, requirements } : { template, requirements, live };
  const checks = control.checks.map((name) => runCheck(name, context));
  return {
    id: control.id,
    regulation: regulations[control.profile],
    clause: control.clause,
    title: control.title,
    requirement: control.requirement,
    implementation: control.implementation,
    passed: checks.every((check) => check.passed),
    checks,
    tests: control.tests,
  };
}
