/** Where progress goes: a `process.stderr`-like stream. `isTTY` decides between a redrawn bar and plain lines. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  /** Terminal width; the bar is cut to fit so the carriage return still returns to its start. */
  columns?: number;
}

export interface ProgressCounts {
  /** Cases finished (graded or errored). */
  done: number;
  failed: number;
  errors: number;
}

export interface Progress {
  update(counts: ProgressCounts): void;
  /** Draws the final state and ends the bar's line. Safe to call more than once. */
  finish(): void;
}

export interface ProgressOptions {
  total: number;
  stream: ProgressStream;
  /** Milliseconds from any fixed origin; injectable for tests. */
  now?: () => number;
  /** `false` writes nothing at all (`--quiet`, JSON on stdout). */
  enabled?: boolean;
  /** Shortest time between redraws on a terminal. */
  redrawMs?: number;
  /** Longest silence between plain lines when not on a terminal (a line is also written every tenth of the run). */
  lineEveryMs?: number;
}

const barWidth = 20;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const whole = Math.round(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = String(whole % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

function perSecond(rate: number): string {
  return rate >= 10 ? rate.toFixed(0) : rate.toFixed(1);
}

/**
 * Progress of a long eval run. On a terminal it redraws one line in place (carriage return, then
 * clear to the end of the line), at most every `redrawMs`; elsewhere (CI logs, files) it writes a
 * plain line each tenth of the run or after `lineEveryMs` of silence, so logs stay short. The rate
 * is cases per second since creation; the ETA assumes it holds.
 */
export function createProgress(options: ProgressOptions): Progress {
  const { total, stream } = options;
  const now = options.now ?? (() => performance.now());
  const enabled = options.enabled ?? true;
  const terminal = stream.isTTY === true;
  const redrawMs = options.redrawMs ?? 100;
  const lineEveryMs = options.lineEveryMs ?? 30_000;
  const started = now();
  let last: ProgressCounts = { done: 0, failed: 0, errors: 0 };
  let lastWriteAt = Number.NEGATIVE_INFINITY;
  let lastLineDone = -1;
  let drawn = false;
  let finished = false;

  const describe = (counts: ProgressCounts, at: number): { bar: string; summary: string } => {
    const done = Math.min(Math.max(0, counts.done), total);
    const share = total === 0 ? 1 : done / total;
    const elapsedSeconds = (at - started) / 1000;
    const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
    const eta = done >= total ? 0 : rate > 0 ? (total - done) / rate : Number.NaN;
    const filled = Math.round(share * barWidth);
    const errors = `${counts.errors} error${counts.errors === 1 ? '' : 's'}`;
    return {
      bar: `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]`,
      summary: `${done}/${total} ${Math.floor(share * 100)}%  ${counts.failed} failed  ${errors}  ${perSecond(rate)}/s  ETA ${duration(eta)}`,
    };
  };

  const draw = (at: number): void => {
    const { bar, summary } = describe(last, at);
    let line = `${bar} ${summary}`;
    if (stream.columns !== undefined && stream.columns > 1) line = line.slice(0, stream.columns - 1);
    stream.write(`\r${line}\u001b[K`);
    drawn = true;
    lastWriteAt = at;
  };

  const writeLine = (at: number): void => {
    stream.write(`eval progress: ${describe(last, at).summary.replace(/ {2}/g, ', ')}\n`);
    lastLineDone = last.done;
    lastWriteAt = at;
  };

  return {
    update(counts) {
      if (!enabled || finished) return;
      const previous = last.done;
      last = { ...counts };
      const at = now();
      if (terminal) {
        if (!drawn || at - lastWriteAt >= redrawMs || counts.done >= total) draw(at);
        return;
      }
      if (counts.done === lastLineDone) return;
      const step = Math.max(1, Math.ceil(total / 10));
      const crossedStep = Math.floor(counts.done / step) > Math.floor(previous / step);
      if (crossedStep || counts.done >= total || at - lastWriteAt >= lineEveryMs) writeLine(at);
    },
    finish() {
      if (!enabled || finished) return;
      finished = true;
      const at = now();
      if (terminal) {
        draw(at);
        stream.write('\n');
      } else if (last.done !== lastLineDone) {
        writeLine(at);
      }
    },
  };
}
