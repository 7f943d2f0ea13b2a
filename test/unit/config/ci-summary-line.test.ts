import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarizeSchemathesis } from '../../support/schemathesis-summary.js';

// CI reads its result from the one line `.ci/run` ends with, `tests: N passed, M failed`, and it
// also reads the closing lines of runners it knows (pytest's among them). Three landed runs of
// 845–863 passing tests were recorded as having run no test: Schemathesis's pytest-style closing
// banner (`=== 2 warnings in 81.75s ===`) was printed into the suite's output. Titles holding
// "tests:" were suspected first; no title may hold it either.
const ROOTS = ['test', 'web/test'];
const TITLE = /\b(?:it|test|describe)(?:\.\w+)*\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? testFiles(join(dir, d.name)) : /\.test\.tsx?$/.test(d.name) ? [join(dir, d.name)] : [],
  );
}

describe('the CI summary line', () => {
  it('is the only line of the output that names the test count (no test title holds the marker)', () => {
    const files = ROOTS.flatMap(testFiles);
    expect(files.length).toBeGreaterThan(100);
    const offending = files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(TITLE)].map((m) => m[2]!).filter((title) => /tests:/i.test(title)).map((title) => `${file}: ${title}`),
    );
    expect(offending).toEqual([]);
  });
});

// A line CI could read as some test runner's closing line: pytest's `=== … in 1.2s ===` banner,
// or the plain `N passed, M failed` that .ci/run alone prints.
const RUNNER_CLOSING_LINE = [/^=+ .* in [\d.]+m?s =+$/, /^(?:\w+:\s*)?\d+ passed, \d+ failed/];

describe('the output of tools the suite runs', () => {
  it("Schemathesis's summary keeps its counts and warnings, and no line of it reads as a runner's closing line", () => {
    const output = readFileSync(join('test', 'fixtures', 'schemathesis-output.txt'), 'utf8');
    expect(output.split('\n').some((l) => RUNNER_CLOSING_LINE[0]!.test(l.trim()))).toBe(true);
    const summary = summarizeSchemathesis(output);
    expect(summary).toEqual([
      'schemathesis: operations selected 120/120',
      'schemathesis: operations tested 120',
      'schemathesis: cases 666 generated, 666 ok, 122 skipped',
      'schemathesis: warning Missing test data: 39 operations repeatedly returned 404 responses',
      'schemathesis: warning Schema validation mismatch: 13 operations mostly rejected generated data',
    ]);
    expect(summary.filter((l) => RUNNER_CLOSING_LINE.some((re) => re.test(l)))).toEqual([]);
  });
});
