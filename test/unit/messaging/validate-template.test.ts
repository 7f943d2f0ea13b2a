import { describe, expect, it } from 'vitest';
import {
  FileTemplateSource,
  analyzeTemplate,
  contextShape,
  createTemplateEnvironment,
  messageDefinition,
  parseSections,
  validateTemplate,
  ALLOWED_HELPERS,
  type MessageDefinition,
} from '../../../src/messaging/templates/index.js';

const partialsPromise = new FileTemplateSource().partials();

function errorOf(run: () => unknown): { code?: string; details?: Record<string, unknown> } {
  try {
    run();
  } catch (error) {
    return error as { code?: string; details?: Record<string, unknown> };
  }
  throw new Error('expected an error');
}

describe('validateTemplate', () => {
  it('accepts a marketer template using the message variables, member fields and helpers', async () => {
    const partials = await partialsPromise;
    const source = [
      '--- subject',
      '{{#if member.firstName}}{{member.firstName}}, {{/if}}{{points bonusPoints}} points for you',
      '--- html',
      '<p>Spend {{money spendThreshold}} by {{date offerEndsAt "medium"}} ({{relativeDays offerEndsAt}}).</p>',
      '<p>{{#if member.attributes.city}}See you in {{member.attributes.city}}!{{/if}} Your tier: {{tierName}}.</p>',
      '{{#if previousTier}}<p>Back to {{tierName previousTier}}?</p>{{/if}}',
      '{{> button href=links.app label="Go"}}',
      '--- text',
      '{{points bonusPoints}} {{pluralize bonusPoints "point" "points"}}. Unsubscribe: {{unsubscribeUrl}}',
    ].join('\n');
    const { previews } = validateTemplate(source, { message: 'winback_offer', channel: 'email', partials });
    expect(previews).toHaveLength(8);
    const goldFa = previews.find((p) => p.tier === 'gold' && p.locale === 'fa')!;
    expect(goldFa.rendered.subject).toBe('سارا, ۵۰۰ points for you');
    expect(goldFa.rendered.dir).toBe('rtl');
    expect(goldFa.rendered.html).toContain('Your tier: طلایی.');
    const bronzeEn = previews.find((p) => p.tier === 'bronze' && p.locale === 'en')!;
    expect(bronzeEn.rendered.text).toBe('500 points. Unsubscribe: https://rewards.example.com/u/sample-token');
  });

  it('rejects unknown helpers and unknown variables with the full lists', () => {
    const source = [
      '--- subject',
      '{{shout member.firstName}} {{points bonusPonts}}',
      '--- html',
      '{{#each items}}{{name}}{{/each}} {{format (upper member.lastName) "x"}} {{member.attributes.anything.at.all}} {{links.whatever}}',
      '{{#repeat 3}}x{{/repeat}} {{balance}}',
    ].join('\n');
    const error = errorOf(() => validateTemplate(source, { message: 'winback_offer', channel: 'email' }));
    expect(error.code).toBe('template_invalid');
    expect(error.details).toMatchObject({
      unknownHelpers: ['format', 'repeat', 'shout', 'upper'],
      unknownVariables: ['balance', 'bonusPonts', 'items', 'member.lastName'],
      unknownPartials: [],
      unsafe: [],
    });
  });

  it('checks variables inside #each against the item shape, with block params, ../ and @root', () => {
    const ok = [
      '--- title',
      '{{contestName}}',
      '--- body',
      '{{#each leaders}}{{@index}} {{number rank}} {{name}} {{points score}} {{../contestName}} {{@root.member.firstName}}{{#if @first}}!{{/if}}{{/each}}',
      '{{#each leaders as |leader position|}}{{leader.name}} {{position}} {{leader.rank}}{{/each}}',
      '{{#with member}}{{firstName}} {{tierName}}{{/with}} {{leaders.length}} {{leaders.0.name}}',
    ].join('\n');
    expect(validateTemplate(ok, { message: 'contest_result', channel: 'inbox' }).previews).toHaveLength(8);
    const bad = '--- title\nx\n--- body\n{{#each leaders}}{{prize}} {{../rank.value}} {{contestName}}{{/each}}{{#each leaders as |l|}}{{l.email}}{{/each}}{{#with member}}{{balance}}{{/with}}';
    expect(errorOf(() => validateTemplate(bad, { message: 'contest_result', channel: 'inbox' })).details).toMatchObject({
      unknownVariables: ['../rank.value', 'balance', 'contestName', 'l.email', 'prize'],
    });
  });

  it('reports syntax errors and missing parts as template_invalid', () => {
    expect(errorOf(() => validateTemplate('--- subject\n{{#if x}}\n--- html\nx', { message: 'welcome', channel: 'email' }))).toMatchObject({
      code: 'template_invalid',
      details: { syntaxError: expect.stringContaining('Parse error') },
    });
    expect(errorOf(() => validateTemplate('--- subject\nHello', { message: 'welcome', channel: 'email' }))).toMatchObject({
      code: 'template_invalid',
      details: { missingSections: ['html'] },
    });
    expect(errorOf(() => validateTemplate('just text', { message: 'welcome', channel: 'inbox' }))).toMatchObject({ code: 'template_invalid' });
    expect(errorOf(() => validateTemplate('--- title\na\n--- subject\nb', { message: 'welcome', channel: 'inbox' }))).toMatchObject({
      details: { unknownSections: ['subject'] },
    });
  });

  it('fails when a sample render fails, naming tier and locale', () => {
    const error = errorOf(() => validateTemplate('{{points programName}}', { message: 'welcome', channel: 'sms' }));
    expect(error).toMatchObject({ code: 'template_invalid', details: { renderErrors: expect.arrayContaining([expect.objectContaining({ tier: 'bronze', locale: 'en' })]) } });
  });

  it('unknown message → template_not_found; a custom definition can be supplied', () => {
    expect(errorOf(() => validateTemplate('hi', { message: 'custom_campaign', channel: 'sms' }))).toMatchObject({ code: 'template_not_found' });
    const definition: MessageDefinition = {
      name: 'custom_campaign',
      kind: 'marketing',
      description: 'A campaign of the marketer',
      channels: ['sms'],
      variables: { code: { type: 'string', required: true, description: 'Offer code' } },
      sample: { code: 'YALDA' },
    };
    const { previews } = validateTemplate('Use {{code}}, {{tierName}}. Stop: {{unsubscribeUrl}}', { message: 'custom_campaign', channel: 'sms', definition });
    expect(previews[0]!.rendered.text).toBe('Use YALDA, Bronze. Stop: https://rewards.example.com/u/sample-token');
  });

  it('a text part never includes partials (they are html)', async () => {
    const partials = await partialsPromise;
    expect(errorOf(() => validateTemplate('--- subject\n{{> button}}\n--- html\nx', { message: 'welcome', channel: 'email', partials }))).toMatchObject({
      details: { unknownPartials: ['button'] },
    });
  });
});

describe('analyzeTemplate without a registry entry runs the structural checks only', () => {
  it('allows any plain variable but still refuses prototype names and unknown helpers', () => {
    const env = createTemplateEnvironment();
    const issues = analyzeTemplate(env.parse('{{anything.goes}} {{foo.constructor}} {{bar 1}}'), { helpers: ALLOWED_HELPERS, partials: new Set(), allowUnescaped: false });
    expect(issues).toEqual({ unknownHelpers: ['bar'], unknownVariables: ['foo.constructor'], unknownPartials: [], unsafe: [] });
  });

  it('builds the context shape from the registry', () => {
    const shape = contextShape(messageDefinition('draw_won')!);
    expect(shape.kind).toBe('object');
    if (shape.kind === 'object') expect(Object.keys(shape.fields).sort()).toEqual(['claimBy', 'drawName', 'links', 'member', 'prizeName', 'prizeValue', 'verifyUrl']);
  });
});

describe('parseSections', () => {
  it('splits marker lines and trims blank lines around parts', () => {
    const parsed = parseSections('\n--- subject\nHi\n\n--- html\n\n<p>x</p>\n\n--- text\nline 1\n\nline 2\n', 'email');
    expect(parsed).toMatchObject({ subject: 'Hi', html: '<p>x</p>', text: 'line 1\n\nline 2', firstLine: { subject: 3, html: 6, text: 10 } });
  });

  it('treats an sms file without markers as the text', () => {
    expect(parseSections('Hello {{x}}\n', 'sms')).toMatchObject({ text: 'Hello {{x}}' });
    expect(parseSections('--- text\nHello', 'sms')).toMatchObject({ text: 'Hello' });
  });

  it('rejects duplicates, stray text and CRLF-insensitive markers', () => {
    expect(() => parseSections('--- title\na\n--- title\nb\n--- body\nc', 'inbox')).toThrow(expect.objectContaining({ details: { duplicateSections: ['title'] } }));
    expect(() => parseSections('oops\n--- title\na\n--- body\nb', 'inbox')).toThrow(expect.objectContaining({ code: 'template_invalid' }));
    expect(parseSections('--- title\r\na\r\n--- body\r\nb\r\n', 'inbox')).toMatchObject({ title: 'a', body: 'b' });
  });
});
