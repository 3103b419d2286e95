/**
 * `webhooks compliance report`: for each control of the regulations the chosen profiles name,
 * the template setting (and live value) that implements it and the test that proves it; the
 * cdk-nag results and acknowledged findings; the retention of each record class. The work
 * lives in cli/compliance-report.ts and compliance/report/, loaded only when the command runs:
 * it brings in the CDK app.
 */
import type { Command } from 'commander';
import { complianceProfileNames } from '../../../compliance/profiles.ts';
import { ReportInputError } from '../../../compliance/report/errors.ts';
import packageJson from '../../../package.json' with { type: 'json' };
import type { ComplianceReportFlags, ReportDependencies } from '../../compliance-report.ts';
import { reportingPlainly } from '../../errors.ts';
import { type ExitCode, type Io, UsageError } from '../../io.ts';
import { repeatable } from '../../parse.ts';

/** Runs the report with the real clock, synthesis and AWS clients; bad usage exits 2. */
export async function complianceReport(flags: ComplianceReportFlags, io: Io): Promise<ExitCode> {
  const [
    { generateComplianceReport },
    { createLiveClients },
    { createResourceClients },
    { callerOf },
    { STSClient },
  ] = await Promise.all([
    import('../../compliance-report.ts'),
    import('../../../compliance/report/live.ts'),
    import('../../../compliance/report/live-resources.ts'),
    import('../../../compliance/report/metadata-sources.ts'),
    import('@aws-sdk/client-sts'),
  ]);
  const dependencies: ReportDependencies = {
    now: () => new Date(),
    version: packageJson.version,
    async synthesize(request) {
      const { synthesizeTemplate } = await import('../../../compliance/report/synthesize.ts');
      return synthesizeTemplate(request);
    },
    liveClients: createLiveClients,
    resourceClients: createResourceClients,
    async callerIdentity(region) {
      const sts = new STSClient(region === undefined ? {} : { region });
      try {
        return await callerOf(sts);
      } finally {
        sts.destroy();
      }
    },
  };
  return reportingPlainly(io, [UsageError, ReportInputError], () =>
    generateComplianceReport(flags, io, dependencies),
  );
}

const examples = `
Examples:
  $ webhooks compliance report --profile pci-dss --out report.md
  $ webhooks compliance report --profile gdpr --profile hipaa --stack webhook-ingestion --region eu-west-1 --out report.html
  $ webhooks compliance report --template cdk.out/pci-dss/webhook-ingestion-pci-dss.template.json --json
  $ npx vitest run --reporter=json --outputFile=test-results.json
  $ webhooks compliance report --profile hipaa --test-results test-results.json --out report.md

Without --template the CDK app is synthesized in this process for the profiles (a few
seconds; it packages the Lambda bundle that the build made). Without --profile the profiles are the stack's, else
the template's, else all of them. Progress goes to stderr.

Each control is stated at the level of evidence it has: configured (the template sets it),
in place (--stack read the deployed settings and they agree), operating (in place, and the
latest scheduled self-audit run or the --test-results show it working). A template alone never
makes more than configured; the header names the weakest level.

Exit codes: 0 no control fails, 1 a control fails or cdk-nag reports an unacknowledged
finding (each is named on stderr), 2 bad usage, an unreadable template or an unreachable
stack (the report is still made from the template).`;

/** Registers `compliance report` under `compliance`. */
export function addComplianceReportCommand(
  compliance: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
  compliance
    .command('report')
    .description(
      'each control with the template setting and test that prove it, nag results and retention',
    )
    .option(
      '--profile <name>',
      `a compliance profile, repeatable (${complianceProfileNames.join(', ')})`,
      repeatable,
    )
    .option(
      '--template <file>',
      'a synthesized template (in its cdk.out folder) instead of synthesizing',
    )
    .option('--stack <name>', 'a deployed stack: compare its live settings with the template')
    .option('--region <region>', "the stack's region (default: the SDK's)")
    .option('--out <file>', 'write to a file: .md (Markdown), .html, or .json with --json')
    .option('--json', 'the report as JSON')
    .option('--sbom <file>', "also write the Lambdas' SBOM (CycloneDX JSON) to this file")
    .option('--offline', "do not ask npm's registry about known vulnerabilities")
    .option(
      '--test-results <file>',
      "vitest's JSON results (--reporter=json --outputFile): show whether each control's tests passed",
    )
    .addHelpText('after', examples)
    .action(async (flags: ComplianceReportFlags) => finish(await complianceReport(flags, io)));
}
