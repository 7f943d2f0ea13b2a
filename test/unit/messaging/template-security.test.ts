import { describe, expect, it } from 'vitest';
import {
  FileTemplateSource,
  InMemoryTemplateSource,
  RUNTIME_SAFETY,
  SAMPLE_LINKS,
  SAMPLE_NOW,
  createTemplateEnvironment,
  renderMessage,
  validateTemplate,
  type RenderMember,
} from '../../../src/messaging/templates/index.js';

const builtIns = new FileTemplateSource();
const now = SAMPLE_NOW;
const hostile: RenderMember = {
  id: 'm-evil',
  firstName: '<script>alert("x")</script>{{constructor.constructor "return process"}}',
  locale: 'en',
  timeZone: 'UTC',
  tier: 'bronze',
  attributes: {
    nickname: '<img src=x onerror=alert(1)>',
    handlebars: '{{#with "x"}}{{lookup this "constructor"}}{{/with}} {{> ../../etc/passwd}}',
    nested: { deeper: '"><svg onload=alert(1)>' },
    ['__proto__']: { polluted: true },
  },
};

function sourceWith(files: Record<string, string>) {
  return new InMemoryTemplateSource({ 'partials/layout.hbs': '<html dir="{{dir}}">{{{content}}}</html>', ...files });
}

describe('untrusted member data renders escaped and inert', () => {
  it('html escapes markup from the first name and attributes; Handlebars syntax inside values stays text', async () => {
    const source = sourceWith({
      'points_expired/email.hbs':
        '--- subject\nHi {{member.firstName}}\n--- html\n<p>{{member.firstName}}</p><p>{{member.attributes.nickname}}</p><p>{{member.attributes.handlebars}}</p><a title="{{member.attributes.nested.deeper}}">x</a>\n--- text\n{{member.attributes.handlebars}}',
    });
    const rendered = await renderMessage({ source, message: 'points_expired', channel: 'email', member: hostile, vars: { points: 1, balance: 2 }, now });
    expect(rendered.html).not.toContain('<script>');
    expect(rendered.html).not.toContain('<img');
    expect(rendered.html).not.toContain('<svg');
    expect(rendered.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(rendered.html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    expect(rendered.html).toContain('title="&quot;&gt;&lt;svg onload&#x3D;alert(1)&gt;"');
    // the value's {{...}} is printed, never compiled
    expect(rendered.html).toContain('{{constructor.constructor &quot;return process&quot;}}');
    expect(rendered.text).toBe('{{#with "x"}}{{lookup this "constructor"}}{{/with}} {{> ../../etc/passwd}}');
    expect(rendered.subject).toBe('Hi <script>alert("x")</script>{{constructor.constructor "return process"}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('built-in templates escape a hostile first name', async () => {
    const rendered = await renderMessage({ source: builtIns, message: 'points_expired', channel: 'email', member: hostile, vars: { points: 1, balance: 2 }, now, links: SAMPLE_LINKS });
    expect(rendered.html).toContain('Hi &lt;script&gt;');
    expect(rendered.html).not.toContain('<script>');
  });

  it('control characters and bidi overrides are stripped; subjects stay on one line', async () => {
    const source = sourceWith({ 'points_expired/email.hbs': '--- subject\nHi {{member.firstName}}\n--- html\n<p>{{member.firstName}}</p>' });
    const member = { ...hostile, firstName: 'Eve\r\nBcc: all@example.com\u0000\u202E' };
    const rendered = await renderMessage({ source, message: 'points_expired', channel: 'email', member, vars: { points: 1, balance: 2 }, now });
    expect(rendered.subject).toBe('Hi Eve Bcc: all@example.com');
    expect(rendered.html).not.toContain('\u0000');
    expect(rendered.html).not.toContain('\u202E');
  });
});

describe('templates cannot reach prototypes, arbitrary helpers or the file system', () => {
  const attempts: [string, Record<string, unknown>][] = [
    ['{{constructor.constructor}}', { unknownVariables: ['constructor.constructor'] }],
    ['{{__proto__}}', { unknownVariables: ['__proto__'] }],
    ['{{member.__proto__.polluted}}', { unknownVariables: ['member.__proto__.polluted'] }],
    ['{{member.attributes.constructor}}', { unknownVariables: ['member.attributes.constructor'] }],
    ['{{links.toString}}', { unknownVariables: ['links.toString'] }],
    ['{{this.constructor.prototype}}', { unknownVariables: ['this.constructor.prototype'] }],
    ['{{[constructor]}}', { unknownVariables: ['constructor'] }],
    ['{{lookup member "constructor"}}', { unknownHelpers: ['lookup'] }],
    ['{{#with (lookup this "constructor")}}{{name}}{{/with}}', { unknownHelpers: ['lookup'] }],
    ['{{log "x"}}', { unknownHelpers: ['log'] }],
    ['{{helperMissing}}{{blockHelperMissing 1}}', { unknownHelpers: ['blockHelperMissing'] }],
    ['{{> ../../etc/passwd}}', { unknownPartials: ['../../etc/passwd'] }],
    ['{{> /etc/passwd}}', { syntaxError: expect.stringContaining('Parse error') }],
    ['{{> layout}}', { unknownPartials: ['layout'] }],
    ['{{> (lookup . "x")}}', { unsafe: ['dynamic partials are not allowed'] }],
    ['{{{member.firstName}}}', { unsafe: ['unescaped output {{{member.firstName}}}'] }],
    ['{{& member.firstName}}', { unsafe: ['unescaped output {{{member.firstName}}}'] }],
    ['{{* decorator}}', { unsafe: ['decorators are not allowed'] }],
    ['{{@root.constructor}}', { unknownVariables: ['@root.constructor'] }],
    ['{{@laurel.links}}', { unknownVariables: ['@laurel.links'] }],
  ];

  for (const [snippet, expected] of attempts) {
    it(`rejects ${snippet}`, () => {
      const template = `--- title\nt\n--- body\n${snippet.includes('>') ? 'x' : snippet}`;
      const html = `--- subject\ns\n--- html\n${snippet}`;
      const channel = snippet.includes('>') ? 'email' : 'inbox';
      let error: unknown;
      try {
        validateTemplate(channel === 'email' ? html : template, { message: 'points_expired', channel, partials: new Map([['layout', '{{{content}}}'], ['button', 'b']]) });
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ code: 'template_invalid', details: expect.objectContaining(expected) });
    });
  }

  it('renderMessage refuses such a template from any source, before rendering', async () => {
    const source = sourceWith({ 'points_expired/inbox.hbs': '--- title\n{{constructor.constructor}}\n--- body\nx' });
    await expect(renderMessage({ source, message: 'points_expired', channel: 'inbox', member: hostile, vars: { points: 1, balance: 2 }, now })).rejects.toMatchObject({
      code: 'template_invalid',
      details: { unknownVariables: ['constructor.constructor'] },
    });
  });

  it('defence in depth: even without the static checks the runtime denies prototype access and has no lookup/log', () => {
    const env = createTemplateEnvironment();
    expect(Object.keys(env.helpers).sort()).toEqual(
      ['blockHelperMissing', 'date', 'each', 'helperMissing', 'if', 'money', 'number', 'pluralize', 'points', 'relativeDays', 'tierName', 'unless', 'unsubscribeUrl', 'with'].sort(),
    );
    const quiet = env.logger.level;
    env.logger.level = 'silent' as never;
    try {
      const proto = env.compile('[{{constructor.constructor}}][{{__proto__.toString}}][{{a.constructor.name}}]');
      expect(proto({ a: {} }, RUNTIME_SAFETY)).toBe('[][][]');
      // no lookup helper: the call fails instead of resolving a property by computed name
      expect(() => env.compile('{{lookup this "constructor"}}')({}, RUNTIME_SAFETY)).toThrow();
      expect(() => env.compile('{{> ../../etc/passwd}}')({}, RUNTIME_SAFETY)).toThrow(/could not be found/);
      expect(() => env.compile('{{> constructor}}')({}, RUNTIME_SAFETY)).toThrow(/could not be found/);
      expect(Object.keys(env.partials)).toEqual([]);
    } finally {
      env.logger.level = quiet;
    }
  });

  it('links must be http(s) or mailto', async () => {
    const source = sourceWith({ 'winback_offer/sms.hbs': 'Opt out {{unsubscribeUrl}}' });
    const vars = { bonusPoints: 1, spendThreshold: { amountMinor: 1, currency: 'IRT' }, offerEndsAt: '2026-12-01T00:00:00Z' };
    await expect(renderMessage({ source, message: 'winback_offer', channel: 'sms', member: hostile, vars, now, links: { unsubscribe: 'javascript:alert(1)' } })).rejects.toMatchObject({
      code: 'template_variable_invalid',
    });
    await expect(renderMessage({ source, message: 'winback_offer', channel: 'sms', member: hostile, vars, now })).rejects.toMatchObject({ code: 'template_variable_missing' });
    const ok = await renderMessage({ source, message: 'winback_offer', channel: 'sms', member: hostile, vars, now, links: { unsubscribe: 'https://x.example/u/t?a=1' } });
    expect(ok.text).toBe('Opt out https://x.example/u/t?a=1');
  });
});
