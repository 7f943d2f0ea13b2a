import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../src/cli/runtime.js';
import { JourneyInputSchema, isImmediate, loadJourneyFile, nextStep, type JourneyStep } from '../../../src/journeys/lifecycle/index.js';

const send = (id: string): JourneyStep => ({ id, type: 'send', message: 'bonus_points', channels: ['inbox'], vars: {} });
const wait = (id: string): JourneyStep => ({ id, type: 'wait', duration: { days: 1 } });
const ids = (steps: JourneyStep[], executed: string[], jump: string | null = null) => {
  const next = nextStep(steps, { executed, jump });
  return 'step' in next ? next.step.id : next.done;
};

describe('the next step of a running entry', () => {
  const v1 = [send('a'), wait('w1'), send('b'), wait('w2'), send('c')];

  it('walks the steps in order, then completes; a jump goes to its target or exits', () => {
    expect(ids(v1, [])).toBe('a');
    expect(ids(v1, ['a'])).toBe('w1');
    expect(ids(v1, ['a', 'w1', 'b', 'w2', 'c'])).toBe('completed');
    expect(ids(v1, ['a'], 'b')).toBe('b');
    expect(ids(v1, ['a', 'w1', 'b'], 'exit')).toBe('exited');
  });

  it('follows a changed definition from where the entry is: inserted steps run, removed ones are skipped, none twice', () => {
    // v2 inserts b2 after w1, drops w2, adds d at the end.
    const v2 = [send('a'), wait('w1'), send('b2'), send('b'), send('c'), send('d')];
    expect(ids(v2, ['a', 'w1'])).toBe('b2');
    expect(ids(v2, ['a', 'w1', 'b', 'w2'])).toBe('c');
    // reordered: a step already done is never done again
    const v3 = [send('b'), send('a'), wait('w1'), send('c')];
    expect(ids(v3, ['a', 'w1', 'b'])).toBe('c');
    // every step done is gone: the entry leaves
    expect(ids([send('x'), send('y')], ['a', 'w1'])).toBe('left');
    // a jump to a removed step falls back to the step after the last one done
    expect(ids(v2, ['a', 'w1'], 'gone')).toBe('b2');
  });

  it('property: under any later definition, the steps an entry takes are never repeated and the walk ends', () => {
    const stepIds = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'), { minLength: 1, maxLength: 7 });
    fc.assert(
      fc.property(stepIds, fc.array(stepIds, { maxLength: 4 }), fc.array(fc.nat(), { maxLength: 4 }), (first, changes, when) => {
        let steps = first.map(send);
        const executed: string[] = [];
        const schedule = [...changes];
        for (let turn = 0; turn < 100; turn += 1) {
          if (schedule.length > 0 && when[changes.length - schedule.length] !== undefined && turn === when[changes.length - schedule.length]! % 5) steps = schedule.shift()!.map(send);
          const next = nextStep(steps, { executed, jump: null });
          if (!('step' in next)) return;
          expect(executed).not.toContain(next.step.id);
          executed.push(next.step.id);
        }
        throw new Error('the walk did not end');
      }),
      { numRuns: 500 },
    );
  });
});

describe('journey definitions', () => {
  const base = { name: 'j', trigger: { type: 'member_created' }, steps: [{ id: 'a', type: 'send', message: 'bonus_points', vars: { bonusPoints: 1 } }] };

  it('jumps go forward to existing steps only; step ids are unique; messages must exist', () => {
    const branch = (then: string) => ({ ...base, steps: [{ id: 'a', type: 'branch', segment: { tier: { in: ['gold'] } }, then }, { id: 'b', type: 'exit' }] });
    expect(JourneyInputSchema.safeParse(branch('b')).success).toBe(true);
    expect(JourneyInputSchema.safeParse(branch('exit')).success).toBe(true);
    const back = JourneyInputSchema.safeParse({ ...base, steps: [{ id: 'a', type: 'exit' }, { id: 'b', type: 'branch', segment: { tier: { in: ['gold'] } }, then: 'a' }] });
    expect(back.success).toBe(false);
    expect(back.error!.issues[0]!.message).toMatch(/only jump forward/);
    expect(JourneyInputSchema.safeParse(branch('nope')).error!.issues[0]!.message).toBe('no step nope');
    expect(JourneyInputSchema.safeParse({ ...base, steps: [...base.steps, ...base.steps] }).error!.issues[0]!.message).toBe('duplicate step id a');
    expect(JourneyInputSchema.safeParse({ ...base, steps: [{ id: 'a', type: 'send', message: 'no_such' }] }).success).toBe(false);
    expect(JourneyInputSchema.safeParse({ ...base, steps: [{ id: 'a', type: 'wait', duration: {} }] }).success).toBe(false);
    expect(JourneyInputSchema.safeParse({ ...base, trigger: { type: 'birthday', daysBefore: 61 } }).success).toBe(false);
  });

  it('a journey of sends and awards without a goal is immediate (set-based for dates)', () => {
    expect(isImmediate(JourneyInputSchema.parse(base))).toBe(true);
    expect(isImmediate(JourneyInputSchema.parse({ ...base, goal: { eventType: 'purchase' } }))).toBe(false);
    expect(isImmediate(JourneyInputSchema.parse({ ...base, steps: [...base.steps, { id: 'w', type: 'wait', duration: { hours: 1 } }] }))).toBe(false);
  });

  it('every shipped example parses', async () => {
    const dir = join(PROJECT_ROOT, 'examples', 'journeys');
    const files = readdirSync(dir);
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const file of files) await expect(loadJourneyFile(join(dir, file))).resolves.toMatchObject({ id: file.replace(/\.yaml$/, '') });
  });
});
