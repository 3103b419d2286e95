import { describe, expect, it } from 'vitest';
import { processIo } from '../../cli/io.ts';
import { progressIntervalMs, startProgress } from '../../cli/progress.ts';
import { manualClock } from '../support/clock.ts';
import { memoryIo } from './helpers.ts';

describe('startProgress', () => {
  it('prints nothing when the work ends before the first line is due', () => {
    const { io, output } = memoryIo();
    const clock = manualClock();
    const progress = startProgress(io, { tty: false, now: clock.now });
    progress.update('1 records written');
    clock.advance(progressIntervalMs - 1);
    progress.update('2 records written');
    progress.done();
    expect(output).toEqual({ stdout: '', stderr: '' });
  });

  it('prints a line on stderr once per interval to a log, and the last state at the end', () => {
    const { io, output } = memoryIo();
    const clock = manualClock();
    const progress = startProgress(io, { tty: false, now: clock.now, intervalMs: 1_000 });
    for (let count = 1; count <= 25; count += 1) {
      clock.advance(100);
      progress.update(`${count} records written`);
    }
    progress.done();
    expect(output.stdout).toBe('');
    expect(output.stderr).toBe('10 records written\n20 records written\n25 records written\n');
  });

  it('rewrites one line on a terminal and clears it at the end', () => {
    const { io, output } = memoryIo();
    const clock = manualClock();
    const progress = startProgress(io, { tty: true, now: clock.now });
    clock.advance(100);
    progress.update('1 records written');
    clock.advance(50);
    progress.update('2 records written');
    clock.advance(50);
    progress.update('3 records written');
    progress.done();
    expect(output.stdout).toBe('');
    expect(output.stderr).toBe('\r1 records written\u001b[K\r3 records written\u001b[K\r\u001b[K');
  });

  it('prints nothing with quiet', () => {
    const { io, output } = memoryIo();
    const clock = manualClock();
    const progress = startProgress(io, { quiet: true, now: clock.now, intervalMs: 0 });
    progress.update('1 records written');
    progress.done();
    expect(output.stderr).toBe('');
  });

  it('treats any io but the process as no terminal', () => {
    const { io, output } = memoryIo();
    const clock = manualClock();
    const progress = startProgress(io, { now: clock.now });
    clock.advance(progressIntervalMs);
    progress.update('1 records written');
    expect(output.stderr).toBe('1 records written\n');
    expect(processIo).not.toBe(io);
  });
});
