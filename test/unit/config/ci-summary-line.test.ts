import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// CI reads its result from the one line `.ci/run` ends with, `tests: N passed, M failed`. The
// reporter prints test titles too, and a title holding "tests:" ("…missions and contests: every
// figure") reads to CI as that line: two landed runs of 845 passing tests were recorded as having
// run no test. So no title may hold it.
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
