/** Entry point of the `webhooks` bin (bundled to dist/webhooks.mjs): the program, on this process. */
import { processIo } from './io.ts';
import { runCli } from './program.ts';

// exitCode rather than exit(), so piped output is flushed before the process ends.
process.exitCode = await runCli(process.argv.slice(2), processIo);
