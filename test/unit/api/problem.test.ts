import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { problem } from '../../../src/api/problem.js';
import { refuseForbiddenTextStream } from '../../../src/api/text-input.js';
import { keysetCursor, parseKeysetCursor } from '../../../src/api/schemas/common.js';

describe('problem()', () => {
  it('never lets an extension member replace type, title, status, code or detail', () => {
    const p = problem(409, 'offer_in_use', 'fixed', { code: 'ok', status: 200, type: 'about:blank', title: 'OK', detail: 'fine', offerId: 'o1', instance: '/v1/offers/o1' });
    expect(p).toEqual({ type: 'https://laurel.dev/problems/offer_in_use', title: 'Conflict', status: 409, code: 'offer_in_use', detail: 'fixed', offerId: 'o1', instance: '/v1/offers/o1' });
  });

  it('holds for any details an error may carry', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (extra) => {
        const p = problem(422, 'invalid_offer', 'd', extra);
        expect([p.status, p.code, p.detail, p.type]).toEqual([422, 'invalid_offer', 'd', 'https://laurel.dev/problems/invalid_offer']);
      }),
    );
  });
});

describe('a streamed text body (imports)', () => {
  const run = async (chunks: Buffer[]) => {
    const out: Buffer[] = [];
    await pipeline(
      Readable.from(chunks),
      refuseForbiddenTextStream(),
      new Writable({
        write(chunk: Buffer, _e, done) {
          out.push(chunk);
          done();
        },
      }),
    );
    return Buffer.concat(out).toString('utf8');
  };

  it('passes text through unchanged, tabs and CRLF included', async () => {
    expect(await run([Buffer.from('memberId,name\r\n'), Buffer.from('m1,\tAda\n')])).toBe('memberId,name\r\nm1,\tAda\n');
  });

  it('refuses a control character with a 400 naming its line, also a C1 character split across chunks', async () => {
    await expect(run([Buffer.from('¢\xf2\x8b\x9a\xa0\x12', 'latin1')])).rejects.toMatchObject({ status: 400, code: 'invalid_request', message: expect.stringMatching(/^body: line 1 .*U\+0012/) });
    const c1 = Buffer.from('a\nb\nc\u0092', 'utf8');
    await expect(run([c1.subarray(0, c1.length - 1), c1.subarray(c1.length - 1)])).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/^body: line 3 .*U\+0092/) });
  });
});

describe('keyset cursors', () => {
  const cursor = keysetCursor('wd_[A-Za-z0-9_-]{1,200}');

  it('take what a page gave as next, and nothing with control characters or out-of-range fields', () => {
    expect(cursor.safeParse('2026-12-07T11:51:32.123Z~wd_crm_42').success).toBe(true);
    for (const bad of ['0789-50-07Tsj~wd_e09a', '2026-12-07T11:51:32.123Z~wd_\u0092', '2026-12-07T24:00:00.000Z~wd_a', '2026-12-07~wd_a']) expect(cursor.safeParse(bad).success, bad).toBe(false);
  });

  it('a day the month does not have fits the shape and is a 422', () => {
    expect(parseKeysetCursor('2026-12-07T11:51:32.123Z~wd_a')).toEqual({ at: new Date('2026-12-07T11:51:32.123Z'), id: 'wd_a' });
    expect(cursor.safeParse('2026-02-30T00:00:00.000Z~wd_a').success).toBe(true);
    expect(() => parseKeysetCursor('2026-02-30T00:00:00.000Z~wd_a')).toThrow(expect.objectContaining({ status: 422, code: 'invalid_request' }));
  });
});
