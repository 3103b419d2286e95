/**
 * Verification time per request: the core (`verifyDeliverySync`, called as the Lambda calls
 * it) against a bare node:crypto HMAC of the same signed bytes and against each provider's
 * official verifier, for 1 KiB and 64 KiB bodies, in one run. Prints a markdown table for
 * BENCHMARKS.md.
 *
 *   npm run bench
 *   npm run bench -- --schemes stripe,github --sizes 1024 --time 1000
 *   npm run bench -- hot-path      the handler against a bare baseline (bench/hot-path/main.ts)
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { type BenchmarkedScheme, benchmarkedSchemes, buildRow, type Row } from './cases.ts';
import {
  assertAccepts,
  type Contender,
  measure,
  type Stats,
  sinkValue,
  throughputNs,
  timerOverheadNs,
} from './measure.ts';

if (process.argv[2] === 'hot-path') {
  const { runHotPathBench } = await import('./hot-path/main.ts');
  await runHotPathBench(process.argv.slice(3));
  // The handler's SDK clients keep connections to stand-ins that are gone; nothing is left to do.
  process.exit(0);
}

/** Within this factor of the bare HMAC, for the HMAC schemes (all four benchmarked ones). */
const bareTarget = 1.15;

const { values: args } = parseArgs({
  options: {
    schemes: { type: 'string', default: benchmarkedSchemes.join(',') },
    sizes: { type: 'string', default: '1024,65536' },
    time: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '300' },
    slice: { type: 'string', default: '20' },
  },
});

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('model name'));
    if (line !== undefined) return line.slice(line.indexOf(':') + 1).trim();
  } catch {
    // Not Linux: fall back to what Node reports.
  }
  return cpus()[0]?.model ?? 'unknown';
}

const schemes = (args.schemes ?? '').split(',').map((name) => {
  if (!(benchmarkedSchemes as readonly string[]).includes(name)) {
    throw new Error(`unknown scheme '${name}' (known: ${benchmarkedSchemes.join(', ')})`);
  }
  return name as BenchmarkedScheme;
});
function wholeNumber(text: string | undefined, name: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`--${name} must be a whole number of at least ${min}, got '${text}'`);
  }
  return value;
}
// The smallest body still holds the JSON envelope every row signs.
const sizes = (args.sizes ?? '').split(',').map((size) => wholeNumber(size, 'sizes', 128));
const options = {
  timeMs: wholeNumber(args.time, 'time', 1),
  warmupMs: wholeNumber(args.warmup, 'warmup', 0),
  sliceMs: wholeNumber(args.slice, 'slice', 1),
};
const command = [
  'npm run bench',
  ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
].join(' ');

const microseconds = (ns: number) => (ns / 1000).toFixed(ns < 10_000 ? 2 : 1);
const ratio = (value: number) => `${value.toFixed(2)}×`;
const sizeLabel = (bytes: number) => (bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} B`);

const overheadNs = timerOverheadNs();
console.error(`timer overhead ${overheadNs.toFixed(0)} ns per sample (subtracted)`);

const results: Array<{ row: Row; stats: Stats[]; loopNs: number[] }> = [];
for (const scheme of schemes) {
  for (const size of sizes) {
    const row = await buildRow(scheme, size);
    const context = `${scheme} ${sizeLabel(size)}`;
    for (const contender of row.contenders) await assertAccepts(contender, context);
    console.error(`measuring ${context} (${row.contenders.length} verifiers)…`);
    const loopNs = await throughputNs(row.contenders, options.timeMs);
    const stats = await measure(row.contenders, options, overheadNs);
    // Again afterwards: a row measured for longer than the 5-minute tolerances would
    // otherwise have timed refusals without saying so.
    for (const contender of row.contenders) await assertAccepts(contender, context);
    results.push({ row, stats, loopNs });
  }
}
// Reads what the timed calls returned, so that none of them is dead code.
if (sinkValue() === Symbol.for('never')) console.error('unreachable');

const lines = [
  `- Machine: ${cpuModel()}, ${availableParallelism()} cores, ${Math.round(totalmem() / 2 ** 30)} GiB`,
  `- Node: ${process.version} (${process.platform}/${process.arch})`,
  `- Command: \`${command}\` (per verifier: ${options.timeMs} ms of batched calls for the mean, then ${options.timeMs} ms of single timed calls in interleaved ${options.sliceMs} ms slices for p50 and p99; ${options.warmupMs} ms warm-up)`,
  `- Date: ${new Date().toISOString()}`,
  '',
  '| Scheme | Body | Verifier | Notes | mean µs | p50 µs | p99 µs | calls/s | ÷ bare | ours ÷ this |',
  '| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
];
const verdicts: string[] = [];
for (const { row, stats, loopNs } of results) {
  const indexOf = (kind: Contender['kind']) =>
    row.contenders.findIndex((contender) => contender.kind === kind);
  const bare = { ...(stats[indexOf('bare')] as Stats), meanNs: loopNs[indexOf('bare')] as number };
  const ours = { ...(stats[indexOf('ours')] as Stats), meanNs: loopNs[indexOf('ours')] as number };
  row.contenders.forEach((contender, index) => {
    const { p50Ns, p99Ns } = stats[index] as Stats;
    const meanNs = loopNs[index] as number;
    const versus = contender.kind === 'ours' ? '—' : ratio(ours.meanNs / meanNs);
    const note = contender.comparable ? contender.note : `${contender.note} (not like for like)`;
    const name = contender.kind === 'ours' ? `**${contender.label}**` : contender.label;
    const opsPerSecond = Math.round(1e9 / meanNs).toLocaleString('en-US');
    lines.push(
      `| ${row.scheme} | ${sizeLabel(row.bodyBytes)} | ${name} | ${note} | ${microseconds(meanNs)} | ${microseconds(p50Ns)} | ${microseconds(p99Ns)} | ${opsPerSecond} | ${ratio(meanNs / bare.meanNs)} | ${versus} |`,
    );
  });
  const slower = row.contenders.filter(
    (contender, index) => contender.kind === 'official' && ours.meanNs > (loopNs[index] as number),
  );
  const meanRatio = ours.meanNs / bare.meanNs;
  verdicts.push(
    `- ${row.scheme} ${sizeLabel(row.bodyBytes)}: ours ÷ bare ${ratio(meanRatio)} by mean, ` +
      `${ratio(ours.p50Ns / bare.p50Ns)} by p50 (target ≤ ${bareTarget}×: ` +
      `${meanRatio <= bareTarget ? 'met' : 'MISSED'}); ` +
      (slower.length === 0
        ? 'faster than every official verifier'
        : `SLOWER than ${slower.map((contender) => contender.label).join(', ')}`),
  );
}
console.log([...lines, '', ...verdicts].join('\n'));
