import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };

const run = promisify(execFile);
const projectRoot = resolve(import.meta.dirname, '../..');

describe('the build', () => {
  // Inside the project, so that the bundle's bare imports resolve from node_modules as dist/'s do.
  let outdir: string;
  beforeAll(async () => {
    outdir = await mkdtemp(join(projectRoot, 'node_modules', '.build-test-'));
    const entries = Object.values(packageJson.bin).map((path) => basename(path, '.mjs'));
    await run(process.execPath, ['scripts/build.mjs', '--outdir', outdir, ...entries], {
      cwd: projectRoot,
    });
  });
  afterAll(async () => {
    await rm(outdir, { recursive: true, force: true });
  });

  it.each(Object.entries(packageJson.bin))(
    'writes the %s bin executable, as npx runs it',
    async (_, path) => {
      const bin = join(outdir, basename(path));
      expect((await stat(bin)).mode & 0o111).toBe(0o111);
      // Run as a program, through its shebang: what npx does once it has linked the bin.
      const { stdout } = await run(bin, ['--version']);
      expect(stdout.trim()).toBe(packageJson.version);
    },
  );
});
