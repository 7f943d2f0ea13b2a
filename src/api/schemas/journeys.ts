import { z } from 'zod';
import { JourneyInputSchema } from '../../journeys/lifecycle/index.js';
import { MemberIdSchema } from '../../members/index.js';
import { IdSchema } from '../../program/index.js';
import { keysetCursor, Timestamp } from './common.js';

export const JourneyParams = z.strictObject({ id: IdSchema });

const EntryStatus = z.enum(['active', 'completed', 'converted', 'exited', 'left']);

export const EntriesQuery = z.strictObject({
  status: EntryStatus.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  // workflow ids are journey:<id>:<member>:<entry key>; no control characters (parseInput refuses them).
  before: keysetCursor(String.raw`journey:[^\u0000-\u001f\u007f-\u009f]{1,900}`).optional(),
});

export const Journey = z
  .object({
    id: IdSchema,
    name: z.string(),
    status: z.enum(['active', 'paused', 'archived']),
    version: z.int().describe('the version in force'),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    definition: JourneyInputSchema,
  })
  .meta({ id: 'Journey' });

export const JourneyVersions = z.object({
  versions: z.array(z.object({ version: z.int(), definition: JourneyInputSchema, createdBy: z.string(), createdAt: Timestamp })),
});

export const JourneyStats = z.object({
  journeyId: IdSchema,
  version: z.int(),
  entries: z.record(z.string(), z.int()).describe('entries by status'),
  steps: z.array(z.object({ stepId: z.string(), entries: z.int() })).describe('entries that reached each step'),
  messages: z.record(z.string(), z.int()).describe("the journey's messages by status"),
});

export const JourneyEntry = z
  .object({
    journeyId: IdSchema,
    memberId: MemberIdSchema,
    entryKey: z.string(),
    workflowId: z.string().describe('journey:<id>:<member>:<entry key>'),
    version: z.int().describe('the journey version the entry follows'),
    status: EntryStatus,
    currentStep: z.string().nullable(),
    stepsDone: z.int(),
    enteredAt: Timestamp,
    endedAt: Timestamp.nullable(),
    outcomeReason: z.string().nullable(),
    context: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'JourneyEntry' });

export const JourneyEntryPage = z.object({ entries: z.array(JourneyEntry), next: z.string().nullable().describe('?before= for the next page; null on the last') });
