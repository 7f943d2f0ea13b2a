import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CampaignStatus } from '../../../src/api/schemas/campaigns.js';
import { Contest } from '../../../src/api/schemas/contests.js';
import { PublicDraw } from '../../../src/api/schemas/draws.js';
import { EntryKind } from '../../../src/api/schemas/events.js';
import { Channel, MessageStatus } from '../../../src/api/schemas/messages.js';
import { Mission, MemberMissions } from '../../../src/api/schemas/missions.js';
import { HeldOffer, Offer, OfferKind } from '../../../src/api/schemas/offers.js';
import { ReferralRejectReason, ReferralStatus } from '../../../src/api/schemas/members.js';
import { Reward } from '../../../src/api/schemas/rewards.js';
import { ContestMetricSchema } from '../../../src/journeys/contests/definition.js';
import { TicketFormulaSchema } from '../../../src/journeys/draws/definition.js';
import { MissionGoalSchema } from '../../../src/journeys/missions/definition.js';
import { REWARD_KINDS } from '../../../src/rewards/index.js';
import { consoleCatalogue } from '../../src/console/catalogue.js';
import { CONDITION_OPS } from '../../src/console/components/segment-conditions.js';
import { REFERRAL_REJECT_REASONS, REFERRAL_STATUSES } from '../../src/console/pages/ReferralsPage.js';
import { REPORT_CATALOGUE } from '../../src/console/reports/report-catalogue.js';
import { drawCatalogue } from '../../src/draw/catalogue.js';
import { common } from '../../src/shared/i18n/messages/common.js';
import { widgetCatalogue } from '../../src/widget/catalogue.js';

/**
 * Every label a page asks the catalogue for exists, in en and fa (catalogue.test.ts checks both
 * languages of each entry): a key missing from the catalogue would show the raw key on the page.
 * Static keys (`t('nav.members')`) are read from the sources; keys built from a value
 * (`t(`nav.${s}`)`) must be listed in DYNAMIC below with the values they take, from the API's
 * own schemas where there is one. And every code the API sends that the console shows as a word
 * (`term('status', …)`) is in the catalogue.
 */
const WEB_SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** Which catalogue a source file's page loads. */
function catalogueOf(file: string): Record<string, unknown> {
  const surface = relative(WEB_SRC, file).split('/')[0];
  if (surface === 'console') return consoleCatalogue;
  if (surface === 'widget') return widgetCatalogue;
  if (surface === 'draw') return drawCatalogue;
  return common; // shared components: every page has the common messages
}

const literal = (schema: { shape: { type: { value: unknown } } }) => String(schema.shape.type.value);
const DRAW_STATUS = PublicDraw.shape.status.options;

/** Template keys (as written in the source) → the values they take; 'fallback' = the page shows something else when missing. */
const DYNAMIC: Record<string, readonly string[] | 'fallback'> = {
  // The API's detail is shown when a problem code has no words of its own.
  'problem.${problem.code}': 'fallback',
  // A program names its own criteria; the program's label is shown for a criterion without words.
  'widget.metric.${g.key}': 'fallback',
  'draw.phase.${phase.phase}': ['record', 'leaves_hash', 'leaves_parse', 'merkle', 'randomness', 'seed', 'replay'],
  'draw.phase.${r.phase}': ['record', 'leaves_hash', 'leaves_parse', 'merkle', 'randomness', 'seed', 'replay'],
  'draw.tickets.${tickets.type}': TicketFormulaSchema.options.map(literal),
  'draws.formula.${f}': TicketFormulaSchema.options.map(literal),
  'draw.status.${props.status}': DRAW_STATUS,
  'widget.entry.${e.kind}': EntryKind.options,
  'widget.settings.channel.${channel}': Channel.options,
  'widget.settings.${kind}': ['marketing', 'transactional'],
  'widget.tab.${tab}': ['home', 'offers', 'missions', 'rewards', 'inbox', 'draws', 'settings'],
  'segments.op.${o}': CONDITION_OPS,
  'missions.goal.${g}': MissionGoalSchema.options.map(literal),
  'missions.period.${p}': ['calendar_month', 'days', 'day', 'week'],
  'campaigns.stat.${c}': ['audience', 'sent', 'capped', 'suppressed', 'converted'],
  'campaigns.status.${props.status}': CampaignStatus.options,
  'campaigns.${control.result}': ['launch', 'pause', 'resume', 'cancel'],
  'nav.${s}': ['dashboard', 'members', 'segments', 'campaigns', 'offers', 'missions', 'contests', 'draws', 'rewards', 'referrals', 'templates', 'reports', 'audit'],
  'reports.name.${props.name}': REPORT_CATALOGUE.map((r) => r.name),
  'reports.about.${props.name}': REPORT_CATALOGUE.map((r) => r.name),
  'reports.table.${name}': [...new Set(REPORT_CATALOGUE.flatMap((r) => r.tables))],
  'reports.interval.${i}': ['day', 'week', 'month'],
  'contests.metric.${m}': ContestMetricSchema.options.map(literal),
};

/** Codes the API sends that the console shows through term(group, value). */
const TERMS: Record<string, readonly string[]> = {
  status: [
    ...Contest.shape.status.options,
    ...DRAW_STATUS,
    ...Mission.shape.status.options,
    ...MemberMissions.shape.missions.element.shape.current.unwrap().shape.status.options,
    ...Offer.shape.status.options,
    ...HeldOffer.shape.status.options,
    ...Reward.shape.status.options,
    ...MessageStatus.options,
    ...ReferralStatus.options,
  ],
  reason: ReferralRejectReason.options,
  kind: [...EntryKind.options, ...REWARD_KINDS, ...OfferKind.options, 'marketing', 'transactional'],
  channel: Channel.options,
};

const files = sources(WEB_SRC);

describe('every label the pages show is in the catalogue', () => {
  it('static keys: t(…) and has(…) with a literal key', () => {
    let count = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\b(?:t|has)\(\s*'([^']+)'/g)) {
        count++;
        expect(catalogueOf(file), `${relative(WEB_SRC, file)}: '${m[1]}'`).toHaveProperty([m[1]!]);
      }
    }
    expect(count).toBeGreaterThan(300);
  });

  it('keys built from a value: each template is listed with its values, and each value has its entry', () => {
    const missing: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\b(?:t|has)\(\s*`([^`]+)`/g)) {
        const template = m[1]!;
        const values = DYNAMIC[template];
        expect(values, `${relative(WEB_SRC, file)}: \`${template}\` is not in DYNAMIC (list the values it takes)`).toBeDefined();
        if (values === 'fallback') continue;
        for (const value of values!) {
          const key = template.replace(/\$\{[^}]+\}/, value);
          if (!(key in catalogueOf(file))) missing.push(`${relative(WEB_SRC, file)}: ${key}`);
        }
      }
    }
    expect([...new Set(missing)]).toEqual([]);
  });

  it('no English words written straight into the markup (text between tags, placeholders)', () => {
    const raw: string[] = [];
    for (const file of files.filter((f) => f.endsWith('.tsx'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/>\s*([A-Za-z][A-Za-z ,.()]{1,}?)\s*<\//g)) {
        if (!/^[\w-]+\.[a-z]+$/.test(m[1]!)) raw.push(`${relative(WEB_SRC, file)}: >${m[1]}<`); // a file name (draw.json) is not a word
      }
      for (const m of text.matchAll(/\b(?:placeholder|aria-label|title|alt)="([^"]*[A-Za-z]{2}[^"]*)"/g)) {
        if (!/^[\w.-]+:[\w*]/.test(m[1]!)) raw.push(`${relative(WEB_SRC, file)}: "${m[1]}"`); // a format example (member:sara) is not a word
      }
    }
    expect(raw).toEqual([]);
  });

  it('codes shown as words (term): every status, kind and channel the API sends', () => {
    const used = new Set<string>();
    for (const file of files) for (const m of readFileSync(file, 'utf8').matchAll(/\bterm\(\s*'(\w+)'/g)) used.add(m[1]!);
    expect([...used].sort()).toEqual(Object.keys(TERMS).sort());
    for (const [group, values] of Object.entries(TERMS)) {
      for (const value of values) expect(consoleCatalogue, `term.${group}.${value}`).toHaveProperty([`term.${group}.${value}`]);
    }
  });

  it("the referrals page's filter choices are the API's enums", () => {
    expect([...REFERRAL_STATUSES]).toEqual(ReferralStatus.options);
    expect([...REFERRAL_REJECT_REASONS]).toEqual(ReferralRejectReason.options);
  });
});
