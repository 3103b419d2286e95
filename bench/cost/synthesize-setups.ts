/**
 * Synthesizes a setup's CDK app in this process (the app `npm run synth` and `cdk synth` build,
 * cdk-nag packs included) into a temporary assembly, and reads its template's facts. A cdk-nag
 * finding does not stop the synthesis: it is the compliance report's business, not the price's.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAIL_SYNTH_ON_VALIDATION_ERRORS_CONTEXT } from 'aws-cdk-lib/cx-api';
import { buildIngestionApp } from '../../infra/ingestion-app.ts';
import type { Setup } from './setups.ts';
import { readTemplateFacts, type Template, type TemplateFacts } from './template-facts.ts';

/** The facts of the template `setup` synthesizes to. */
export async function synthesizeFacts(setup: Setup): Promise<TemplateFacts> {
  const outdir = await mkdtemp(join(tmpdir(), 'webhooks-cost-synth-'));
  try {
    const { app, stack } = buildIngestionApp({
      outdir,
      context: { ...setup.context, [FAIL_SYNTH_ON_VALIDATION_ERRORS_CONTEXT]: false },
    });
    const path = app.synth().getStackByName(stack.stackName).templateFullPath;
    return readTemplateFacts(JSON.parse(await readFile(path, 'utf8')) as Template);
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}
