/* eslint-disable @typescript-eslint/no-explicit-any -- tests mutate parsed documents freely to break them */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ValidationError } from '../../../src/errors/index.js';
import { loadProgramFile, parseProgram, programFormatForPath, validateProgram } from '../../../src/program/index.js';
import type { ProgramIssue } from '../../../src/program/index.js';

const examplePath = (name: string) => fileURLToPath(new URL(`../../../examples/${name}`, import.meta.url));
const referenceText = readFileSync(examplePath('reference.yaml'), 'utf8');

function referenceDoc(): Record<string, unknown> {
  return parseProgram(referenceText, 'yaml') as unknown as Record<string, unknown>;
}

function issuesOf(fn: () => unknown): { message: string; issues: ProgramIssue[] } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    const e = err as ValidationError;
    expect(e.code).toBe('invalid_program');
    expect([400, 422]).toContain(e.status); // 400: the shape; 422: a rule (semantic checks)
    return { message: e.message, issues: (e.details?.issues ?? []) as ProgramIssue[] };
  }
  throw new Error('expected invalid_program');
}

function mutate(edit: (doc: any) => void): unknown {
  const doc = structuredClone(referenceDoc()) as any;
  edit(doc);
  return doc;
}

describe('example programs', () => {
  it('reference.yaml parses with four tiers and the seed earning rules', async () => {
    const program = await loadProgramFile(examplePath('reference.yaml'));
    expect(program.currency).toEqual({ code: 'IRT', minorUnits: 0 });
    expect(program.tiers.map((t) => [t.id, t.threshold, t.benefits.earnBonusPercent])).toEqual([
      ['bronze', 0, 0],
      ['silver', 500, 10],
      ['gold', 1000, 15],
      ['diamond', 5000, 30],
    ]);
    const purchase = program.earningRules.find((r) => r.id === 'purchase')!;
    expect(purchase.effect).toEqual({ type: 'per_amount_step', step: 100000, points: 10, amountField: 'event.amount' });
    expect(program.earningRules.map((r) => r.id)).toEqual(['purchase', 'review', 'profile-completion', 'referral', 'app-login']);
    expect(program.earningRules.find((r) => r.id === 'app-login')!.limits).toEqual([{ period: 'day', maxTimes: 1 }]);
  });

  it('hotel.yaml parses with five any-of tiers and the 8,000-point free night', async () => {
    const program = await loadProgramFile(examplePath('hotel.yaml'));
    expect(program.tiers).toHaveLength(5);
    expect(program.tiers.map((t) => t.threshold)).toEqual([
      { nights: 0, stays: 0, points: 0 },
      { nights: 10, stays: 7, points: 10000 },
      { nights: 15, stays: 10, points: 15000 },
      { nights: 30, stays: 20, points: 30000 },
      { nights: 50, stays: 40, points: 50000 },
    ]);
    expect(program.tiers.map((t) => t.benefits.earnBonusPercent)).toEqual([0, 10, 15, 30, 50]);
    expect(program.rewards.find((r) => r.id === 'free-night')!.costPoints).toBe(8000);
    expect(program.qualification.metric.type).toBe('any_of');
  });

  it('JSON and YAML of the same document give the same definition', () => {
    const fromYaml = parseProgram(referenceText, 'yaml');
    const fromJson = parseProgram(JSON.stringify(fromYaml), 'json');
    expect(fromJson).toEqual(fromYaml);
    // The parsed definition is plain JSON and re-validates unchanged (it is stored as JSONB).
    expect(validateProgram(JSON.parse(JSON.stringify(fromYaml)))).toEqual(fromYaml);
    expect(parseProgram(stringify(fromYaml), 'yaml')).toEqual(fromYaml);
  });

  it('picks the format from the file extension', () => {
    expect(programFormatForPath('a/b.yml')).toBe('yaml');
    expect(programFormatForPath('a/b.JSON')).toBe('json');
    expect(() => programFormatForPath('a/b.toml')).toThrow(ValidationError);
  });
});

describe('bad programs name the path of the bad field', () => {
  it('a negative threshold', () => {
    const { message, issues } = issuesOf(() => validateProgram(mutate((d) => (d.tiers[2].threshold = -5))));
    expect(message).toMatch(/^tiers\[2\]\.threshold: expected a non-negative integer/);
    expect(issues[0]).toEqual({ path: 'tiers[2].threshold', message: expect.stringContaining('non-negative integer') });
  });

  it('a fractional threshold and a string threshold', () => {
    expect(issuesOf(() => validateProgram(mutate((d) => (d.tiers[1].threshold = 1.5)))).issues[0]!.path).toBe('tiers[1].threshold');
    expect(issuesOf(() => validateProgram(mutate((d) => (d.tiers[3].threshold = 'lots')))).issues[0]!.path).toBe('tiers[3].threshold');
  });

  it('thresholds that do not increase', () => {
    const { message } = issuesOf(() => validateProgram(mutate((d) => (d.tiers[2].threshold = 500))));
    expect(message).toMatch(/^tiers\[2\]\.threshold: thresholds must increase/);
  });

  it('a base tier above zero', () => {
    expect(issuesOf(() => validateProgram(mutate((d) => (d.tiers[0].threshold = 10)))).message).toMatch(/^tiers\[0\]\.threshold: the first \(base\) tier/);
  });

  it('duplicate tier, rule and reward ids', () => {
    const { issues } = issuesOf(() =>
      validateProgram(
        mutate((d) => {
          d.tiers[3].id = 'gold';
          d.earningRules[2].id = 'review';
          d.rewards[1].id = d.rewards[0].id;
        }),
      ),
    );
    expect(issues.map((i) => i.path)).toEqual(['tiers[3].id', 'earningRules[2].id', 'rewards[1].id']);
    expect(issues[1]!.message).toBe('duplicate rule id "review"');
  });

  it('unknown fields are rejected by name', () => {
    const { message } = issuesOf(() => validateProgram(mutate((d) => (d.earningRules[0].pendingDayz = 3))));
    expect(message).toBe('earningRules[0].pendingDayz: unknown field');
  });

  it('a missing required field', () => {
    expect(issuesOf(() => validateProgram(mutate((d) => delete d.currency))).issues[0]).toEqual({ path: 'currency', message: 'required field is missing' });
  });

  it('an unknown discriminator lists the choices', () => {
    const { message } = issuesOf(() => validateProgram(mutate((d) => (d.earningRules[1].effect = { type: 'bogus', points: 5 }))));
    expect(message).toMatch(/^earningRules\[1\]\.effect\.type: expected one of fixed, per_amount_step, percent/);
  });

  it('a bad time zone', () => {
    expect(issuesOf(() => validateProgram(mutate((d) => (d.timeZone = 'Mars/Olympus')))).message).toMatch(/^timeZone: expected an IANA time zone/);
  });

  it('predicate fields may not reach the prototype', () => {
    const { message } = issuesOf(() =>
      validateProgram(mutate((d) => (d.earningRules[0].conditions = { all: [{ field: 'event.amount', op: 'gt', value: 0 }, { field: 'event.__proto__.x', op: 'exists' }] }))),
    );
    expect(message).toBe('earningRules[0].conditions.all[1].field: field path segment "__proto__" is not allowed');
    expect(
      issuesOf(() => validateProgram(mutate((d) => (d.earningRules[0].conditions = { not: { field: 'order.total', op: 'eq', value: 1 } })))).message,
    ).toMatch(/^earningRules\[0\]\.conditions\.not\.field: field must start with "event\." or "member\."/);
    expect(
      issuesOf(() => validateProgram(mutate((d) => (d.earningRules[0].conditions = { field: 'event.amount', op: 'between', value: 1 })))).issues[0]!.path,
    ).toBe('earningRules[0].conditions.op');
    expect(
      issuesOf(() => validateProgram(mutate((d) => (d.earningRules[0].conditions = { field: 'event.amount', op: 'in', value: 1 })))).issues[0]!.path,
    ).toBe('earningRules[0].conditions.value');
  });

  it('deeply nested predicates are refused', () => {
    let predicate: unknown = { field: 'event.amount', op: 'gt', value: 0 };
    for (let i = 0; i < 20; i++) predicate = { not: predicate };
    expect(issuesOf(() => validateProgram(mutate((d) => (d.earningRules[0].conditions = predicate)))).message).toMatch(/nests deeper than 16/);
  });

  it('any-of tiers need a threshold for each criterion', async () => {
    const hotel = structuredClone(await loadProgramFile(examplePath('hotel.yaml'))) as any;
    hotel.tiers[2].threshold = { nights: 15, stays: 10 };
    expect(issuesOf(() => validateProgram(hotel)).issues[0]).toEqual({ path: 'tiers[2].threshold.points', message: 'missing threshold for this criterion' });
    hotel.tiers[2].threshold = { nights: 15, stays: 5, points: 15000 };
    expect(issuesOf(() => validateProgram(hotel)).issues[0]!.path).toBe('tiers[2].threshold.stays');
    hotel.tiers[2].threshold = 15;
    expect(issuesOf(() => validateProgram(hotel)).issues[0]!.path).toBe('tiers[2].threshold');
  });

  it('measures must reference existing rules; limits need a maximum', () => {
    const { issues } = issuesOf(() =>
      validateProgram(
        mutate((d) => {
          d.qualification.metric = {
            type: 'hybrid',
            components: [
              { measure: { type: 'qualifying_points', rules: ['purchase'] }, weightBasisPoints: 8000 },
              { measure: { type: 'qualifying_points', rules: ['referal'] }, weightBasisPoints: 2000 },
            ],
          };
          d.earningRules[1].limits = [{ period: 'day' }];
        }),
      ),
    );
    expect(issues.map((i) => i.path)).toEqual(['qualification.metric.components[1].measure.rules[0]', 'earningRules[1].limits[0]']);
  });

  it('reports every problem, with the first in the message', () => {
    const { message, issues } = issuesOf(() =>
      validateProgram(
        mutate((d) => {
          d.tiers[2].threshold = -1;
          d.rewards[0].costPoints = 0;
        }),
      ),
    );
    expect(issues.map((i) => i.path)).toEqual(['tiers[2].threshold', 'rewards[0].costPoints']);
    expect(message).toMatch(/\(and 1 more problem\)$/);
  });

  it('text that is not YAML or JSON', () => {
    expect(issuesOf(() => parseProgram('{ "id": ', 'json')).issues[0]!.path).toBe('(root)');
    expect(issuesOf(() => parseProgram('a: [1, 2', 'yaml')).message).toMatch(/^\(root\): not valid YAML/);
    // YAML aliases are refused: a program is data.
    expect(issuesOf(() => parseProgram('a: &x 1\nb: *x\n', 'yaml')).issues[0]!.path).toBe('(root)');
  });
});
