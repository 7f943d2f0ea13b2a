import { describe, expect, it } from 'vitest';
import { loadConfig, requireServiceUrls } from '../../../src/config/index.js';
import { jobId } from '../../../src/queues/index.js';
import { LaurelError } from '../../../src/errors/index.js';

describe('configuration from the environment', () => {
  it('has a default for every setting and leaves service URLs unset', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      databaseUrl: undefined,
      redisUrl: undefined,
      temporalAddress: undefined,
      smtpUrl: undefined,
      temporalNamespace: 'default',
      taskQueue: 'laurel',
      queuePrefix: 'laurel',
      host: '127.0.0.1',
      port: 3000,
      dataDir: '.laurel',
      devPorts: { postgres: 54320, redis: 63790, temporal: 7233, temporalUi: 8233, smtp: 1025, mailbox: 1080 },
    });
  });

  it('leaves the journeys worker’s cache to its default unless set', () => {
    expect(loadConfig({}).journeysMaxCachedWorkflows).toBeUndefined();
    expect(loadConfig({ JOURNEYS_MAX_CACHED_WORKFLOWS: '500' }).journeysMaxCachedWorkflows).toBe(500);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).databaseUrl).toBeUndefined();
  });

  it('names the bad variable', () => {
    expect(() => loadConfig({ PORT: '99999' })).toThrow(/^PORT: /);
    expect(() => loadConfig({ TEMPORAL_ADDRESS: 'http://x' })).toThrow(/^TEMPORAL_ADDRESS: expected host:port/);
    expect(() => loadConfig({ JOURNEYS_MAX_CACHED_WORKFLOWS: '0' })).toThrow(/^JOURNEYS_MAX_CACHED_WORKFLOWS: /);
    try {
      loadConfig({ DATABASE_URL: 'not a url' });
    } catch (err) {
      expect(err).toBeInstanceOf(LaurelError);
      expect((err as LaurelError).code).toBe('invalid_config');
    }
  });

  it('standalone roles name the missing service variable', () => {
    expect(() => requireServiceUrls(loadConfig({}), ['redisUrl'])).toThrow(/^REDIS_URL is not set/);
  });
});

describe('BullMQ job ids', () => {
  it('are deterministic, never all digits and free of ":"', () => {
    expect(jobId('msg', 'campaign:7:member:9')).toBe('msg.campaign_7_member_9');
    expect(jobId(123)).toBe('j123');
    expect(jobId('a', 1)).toBe(jobId('a', 1));
  });
});
