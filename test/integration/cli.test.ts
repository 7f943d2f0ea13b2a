import { describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/dev/ports.js';
import { laurel } from '../support/cli.js';

const noServices = { DATABASE_URL: '', REDIS_URL: '', TEMPORAL_ADDRESS: '', SMTP_URL: '' };

describe('laurel CLI usage and faults', () => {
  it('an unknown subcommand prints usage and exits 2', async () => {
    const r = await laurel(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  it('an unknown flag prints usage and exits 2', async () => {
    const r = await laurel(['migrate', '--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--frobnicate'/);
  });

  it('--help exits 0 and lists the roles', async () => {
    const r = await laurel(['--help']);
    expect(r.code).toBe(0);
    for (const role of ['dev', 'api', 'worker', 'journeys', 'migrate']) expect(r.stdout).toContain(role);
    // Command groups register beside the roles without clashing (`journey load` vs the `journeys` role).
    expect(r.stdout).toMatch(/^\s+journey\b/m);
  });

  it('a standalone role without its service URL names the variable in one line', async () => {
    const r = await laurel(['migrate'], noServices);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe("laurel: DATABASE_URL is not set (or run 'laurel dev' to start the embedded stack)");
  });

  it('an unreachable external URL names the service and what to do, with no stack trace', async () => {
    const port = await findFreePort();
    const r = await laurel(['api'], {
      ...noServices,
      DATABASE_URL: `postgres://laurel@127.0.0.1:${port}/laurel`,
      REDIS_URL: 'redis://127.0.0.1:1',
      TEMPORAL_ADDRESS: '127.0.0.1:1',
    });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^laurel: postgres: cannot reach postgres://laurel@127.0.0.1:${port}/laurel .*check DATABASE_URL$`));
  });

  it('a bad setting is named in one line', async () => {
    const r = await laurel(['migrate'], { ...noServices, PORT: 'eighty' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^laurel: PORT: /);
  });
});
