/**
 * The bundled CDK app as `cdk synth` and `cdk deploy` run it (`node dist/infra-app.mjs`, see
 * cdk.json), not the source the other infra tests import: esbuild puts shared code in chunks
 * under dist/, and whatever the app finds on disk (the handler to bundle, the lock file) must
 * be found from there too.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const outdir = mkdtempSync(join(tmpdir(), 'webhooks-cdk-out-'));

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('node dist/infra-app.mjs', { timeout: 120_000 }, () => {
  let run: ReturnType<typeof spawnSync>;
  beforeAll(() => {
    // Every entry point, as `npm run build` does: only then is the app's code shared in chunks.
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root });
    run = spawnSync(process.execPath, ['dist/infra-app.mjs'], {
      cwd: root,
      env: { ...process.env, CDK_OUTDIR: outdir },
      encoding: 'utf8',
    });
  }, 120_000);

  it('synthesizes the default stack from the bundled app', () => {
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const templates = readdirSync(outdir).filter((name) => name.endsWith('.template.json'));
    expect(templates).toHaveLength(1);
    const template = JSON.parse(readFileSync(join(outdir, templates[0] as string), 'utf8'));
    const types = Object.values(template.Resources as Record<string, { Type: string }>).map(
      (resource) => resource.Type,
    );
    expect(types).toContain('AWS::Lambda::Function');
    // The five Lambda bundles the build made (dist/lambda/): the ingest handler, the audit
    // digest writer, the source range refresher, the compliance profile guard and the
    // self-audit, each an asset of its own.
    const bundled = readdirSync(outdir)
      .filter((name) => name.startsWith('asset.') && existsSync(join(outdir, name, 'index.mjs')))
      .map((name) => readFileSync(join(outdir, name, 'index.mjs'), 'utf8'));
    expect(bundled).toHaveLength(5);
    expect(bundled.filter((code) => code.includes('delivery handled'))).toHaveLength(1);
    expect(bundled.filter((code) => code.includes('audit digests written'))).toHaveLength(1);
    expect(
      bundled.filter((code) => code.includes('published source lists refreshed')),
    ).toHaveLength(1);
    expect(bundled.filter((code) => code.includes('compliance profile guard'))).toHaveLength(1);
    expect(bundled.filter((code) => code.includes('self-audit run'))).toHaveLength(1);
  });
});
