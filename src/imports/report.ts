/** The most bad lines a report lists one by one; the count covers all of them. */
export const MAX_REPORTED_LINES = 1000;

export interface BadLine {
  line: number;
  code: string;
  message: string;
}

export interface ImportReport {
  kind: 'members' | 'events';
  /** Records read (empty lines are not records). */
  lines: number;
  /** Written by this run. */
  imported: number;
  /** Already there, exactly so (a replayed event, an unchanged member): nothing written. */
  unchanged: number;
  /** The first `MAX_REPORTED_LINES` bad lines, in file order. */
  bad: BadLine[];
  badCount: number;
  /** True when bad lines stopped the import (without `skipBad`); lines before `stoppedAtLine` may have been written. */
  stopped: boolean;
  stoppedAtLine?: number;
}

export interface ImportProgress {
  lines: number;
  imported: number;
  unchanged: number;
  badCount: number;
  /** Which pass: `checking` (strict imports read the file once without writing) or `importing`. */
  phase: 'checking' | 'importing';
}

export function emptyReport(kind: ImportReport['kind']): ImportReport {
  return { kind, lines: 0, imported: 0, unchanged: 0, bad: [], badCount: 0, stopped: false };
}

export function addBad(report: ImportReport, bad: BadLine, onBad?: (bad: BadLine) => void): void {
  report.badCount += 1;
  if (report.bad.length < MAX_REPORTED_LINES) report.bad.push(bad);
  onBad?.(bad);
}
