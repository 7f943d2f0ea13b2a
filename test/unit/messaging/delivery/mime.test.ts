import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { describe, expect, it } from 'vitest';
import { buildRawEmail, takesDirectBuild, type EmailContent } from '../../../../src/messaging/channels/mime.js';
import { BUILT_IN_MESSAGES, FileTemplateSource, SAMPLE_LINKS, SAMPLE_LOCALES, SAMPLE_NOW, SAMPLE_TIERS, messageDefinition, renderMessage, sampleMember } from '../../../../src/messaging/templates/index.js';
import { listUnsubscribeHeaders } from '../../../../src/messaging/unsubscribe.js';

const builtIns = new FileTemplateSource();
const unsubscribe = 'https://rewards.example.com/v1/unsubscribe/eyJtIjoibS0xMjM0NSIsImMiOiJlbWFpbCJ9.3q2-7wXk1o0B9mYt4xQ2fL8sVb6nHc1RzPj5aUe0dKg';

/** The mail options the email channel sends, with the date and boundary pinned so two builds compare. */
function mailOf(parts: { to?: string; subject?: string | undefined; text?: string | undefined; html?: string | undefined; headers?: Record<string, string> | undefined }): EmailContent {
  return {
    from: 'Laurel <no-reply@laurel.local>',
    to: parts.to ?? 'sara@example.com',
    subject: parts.subject ?? '',
    text: parts.text,
    html: parts.html,
    messageId: '<campaign.7.m-1@laurel.local>',
    headers: { ...parts.headers, 'X-Laurel-Message-Id': 'campaign.7.m-1' },
    date: new Date('2026-11-20T08:30:00Z'),
    baseBoundary: 'fixedboundary',
  };
}

/** What nodemailer's own streamed build produces for the same message. */
async function streamed(mail: EmailContent): Promise<Buffer> {
  const options: Mail.Options = { ...mail, headers: { ...mail.headers } };
  return new MailComposer(options).compile().build();
}

describe('buildRawEmail (the synchronous MIME build)', () => {
  it('is byte for byte what nodemailer streams, for every built-in email in every tier and locale', async () => {
    let compared = 0;
    for (const message of BUILT_IN_MESSAGES) {
      const definition = messageDefinition(message)!;
      if (!definition.channels.includes('email')) continue;
      for (const tier of SAMPLE_TIERS) {
        for (const locale of SAMPLE_LOCALES) {
          const rendered = await renderMessage({ source: builtIns, message, channel: 'email', member: sampleMember(tier, locale), vars: definition.sample, now: SAMPLE_NOW, links: SAMPLE_LINKS });
          const headers = definition.kind === 'marketing' ? listUnsubscribeHeaders(unsubscribe) : undefined;
          const mail = mailOf({ subject: rendered.subject, text: rendered.text, html: rendered.html, headers });
          expect(takesDirectBuild(mail), `${message} ${tier} ${locale}`).toBe(true);
          const built = buildRawEmail(mail);
          expect(built, `${message} ${tier} ${locale}`).toBeDefined();
          expect(built!.raw.toString('utf8'), `${message} ${tier} ${locale}`).toBe((await streamed(mail)).toString('utf8'));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(40);
  });

  it('keeps the one-click unsubscribe headers, the Message-ID and the fa html (rtl) intact through a MIME parser', async () => {
    const rendered = await renderMessage({ source: builtIns, message: 'winback_offer', channel: 'email', member: sampleMember('gold', 'fa'), vars: messageDefinition('winback_offer')!.sample, now: SAMPLE_NOW, links: SAMPLE_LINKS });
    const built = buildRawEmail(mailOf({ subject: rendered.subject, text: rendered.text, html: rendered.html, headers: listUnsubscribeHeaders(unsubscribe) }))!;
    const parsed = await simpleParser(built.raw);
    // Header lines as sent, unfolded (mailparser turns List-* headers into its own structure).
    const line = (key: string) => parsed.headerLines.find((h) => h.key === key)?.line.replace(/\r?\n[ \t]+/g, ' ');
    expect(line('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(line('list-unsubscribe')).toBe(`List-Unsubscribe: <${unsubscribe}>`);
    expect(parsed.messageId).toBe('<campaign.7.m-1@laurel.local>');
    expect(parsed.headers.get('x-laurel-message-id')).toBe('campaign.7.m-1');
    expect(parsed.subject).toBe(rendered.subject);
    expect(parsed.html).toBe(rendered.html);
    expect(parsed.html).toContain('dir="rtl"');
    expect(parsed.text).toBe(rendered.text);
    // Every line fits SMTP's limit, and the 8-bit-free encodings nodemailer picks are kept.
    for (const line of built.raw.toString('latin1').split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
    expect(built.raw.every((byte) => byte < 0x80)).toBe(true);
  });

  it('derives the SMTP envelope as nodemailer does (bare addresses, punycode domains)', () => {
    for (const body of [{ text: 'hi' }, { text: 'hi', html: '<p>hi</p>' }]) {
      expect(buildRawEmail(mailOf(body))!.envelope).toEqual({ from: 'no-reply@laurel.local', to: ['sara@example.com'] });
      expect(buildRawEmail(mailOf({ to: 'sara@bücher.example', ...body }))!.envelope.to).toEqual(['sara@xn--bcher-kva.example']);
      expect(buildRawEmail(mailOf({ to: 'Sara <sara@example.com>', ...body }))!.envelope.to).toEqual(['sara@example.com']);
    }
  });

  it('matches the streamed build for any subject and body (dots, trailing spaces, bare CR/LF, long lines, non-ASCII)', async () => {
    const piece = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom('.', '\n.', '\r\n.\r\n', ' \n', '\t\r\n', '\r', '\n', 'سلام ', '۱۲٬۷۵۰', '😀', '=', '=\r\n', ' ', 'x'.repeat(120), '\u200c'),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
    );
    const textOf = fc.array(piece, { maxLength: 30 }).map((parts) => parts.join(''));
    const recipient = fc.constantFrom('sara@example.com', 'Sara <sara@example.com>', 'sara@bücher.example', '"Doe, J." <j.doe+news@example.com>', 'سارا <sara@example.com>');
    await fc.assert(
      fc.asyncProperty(fc.option(textOf, { nil: undefined }), fc.option(textOf, { nil: undefined }), textOf, recipient, async (text, html, subject, to) => {
        const mail = mailOf({ to, subject, text, html, headers: listUnsubscribeHeaders(unsubscribe) });
        const built = buildRawEmail(mail);
        expect(built).toBeDefined();
        expect(built!.raw.toString('latin1')).toBe((await streamed(mail)).toString('latin1'));
      }),
      { numRuns: 300 },
    );
  });

  it('wraps a quoted-printable body whose last line ends in a space as the streaming encoder does', async () => {
    // Found by the property above: the encoder holds trailing whitespace back and rewraps the last line with it.
    const html = `#:<^x/=c&y𘲩𒒿𘩳𐚦⾡ꌳȖ᭺𔔙›Ś︴𓉵${'x'.repeat(120)}^!;_^W) `;
    for (const body of [html, `${html}  \t `, `\n${html}`, '   ']) {
      const mail = mailOf({ subject: 'Hi', text: 'plain', html: body });
      expect(buildRawEmail(mail)!.raw.toString('latin1')).toBe((await streamed(mail)).toString('latin1'));
    }
  });

  it('writes the common message (text, html, known headers) directly; anything else through the tree, equally exact', async () => {
    expect(takesDirectBuild(mailOf({ subject: 'Hi', text: 'a', html: '<p>a</p>', headers: listUnsubscribeHeaders(unsubscribe) }))).toBe(true);
    const others = [
      mailOf({ subject: 'Hi', text: 'only text' }),
      mailOf({ subject: 'Hi', html: '<p>only html</p>' }),
      mailOf({ subject: 'Hi', text: 'a', html: '<p>a</p>', headers: { 'X-Campaign': 'spring' } }),
    ];
    for (const mail of others) {
      expect(takesDirectBuild(mail)).toBe(false);
      expect(buildRawEmail(mail)!.raw.toString('latin1')).toBe((await streamed(mail)).toString('latin1'));
    }
  });

  it('leaves bodies over 64 KB that need quoted-printable to nodemailer', () => {
    expect(buildRawEmail(mailOf({ subject: 'Hi', text: `é ${'word '.repeat(14_000)}`, html: '<p>a</p>' }))).toBeUndefined();
  });
});
