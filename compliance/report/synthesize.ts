/**
 * Synthesizes the CDK app in this process, as `npm run synth` does (infra/ingestion-app.ts,
 * with the cdk-nag packs of compliance/nag.ts), into a temporary cloud assembly. Unlike `cdk synth`,
 * a finding does not stop the synthesis: CDK still writes its policy validation report, and the
 * compliance report lists the finding and fails.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAIL_SYNTH_ON_VALIDATION_ERRORS_CONTEXT } from 'aws-cdk-lib/cx-api';
import { contextKeys } from '../../infra/context.ts';
import { buildIngestionApp } from '../../infra/ingestion-app.ts';
import { nagPacks } from '../nag.ts';
import type { ComplianceProfileName } from '../profiles.ts';
import { readTemplateWithAssembly, type TemplateWithAssembly } from './assembly.ts';

export interface SynthesisRequest {
  readonly profiles: readonly ComplianceProfileName[];
  /** The stack name, which some resource names carry. */
  readonly stackName: string;
  /**
   * The alarm address the synthesis subscribes, which every profile but baseline requires: the
   * report's own synthesis gives a placeholder and says so in its notices
   * (cli/compliance-report.ts).
   * @default - none
   */
  readonly alarmEmail?: string;
}

/**
 * The template of the app synthesized for `profiles` (every other setting but the alarm address
 * at its default), with its cdk-nag results and acknowledgements; the assembly is removed
 * afterwards.
 */
export async function synthesizeTemplate(request: SynthesisRequest): Promise<TemplateWithAssembly> {
  const outdir = await mkdtemp(join(tmpdir(), 'webhooks-compliance-'));
  try {
    const { app, stack } = buildIngestionApp({
      outdir,
      context: {
        [contextKeys.profiles]: request.profiles.join(','),
        [contextKeys.stackName]: request.stackName,
        ...(request.alarmEmail === undefined
          ? {}
          : { [contextKeys.alarmEmail]: request.alarmEmail }),
        [FAIL_SYNTH_ON_VALIDATION_ERRORS_CONTEXT]: false,
      },
    });
    const assembly = app.synth();
    const synthesized = await readTemplateWithAssembly(
      assembly.getStackByName(stack.stackName).templateFullPath,
    );
    const packs = nagPacks().map((pack) => pack.name);
    return {
      ...synthesized,
      nag: synthesized.nag.available ? { ...synthesized.nag, packs } : synthesized.nag,
    };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}
