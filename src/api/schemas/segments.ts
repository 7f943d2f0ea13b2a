import { z } from 'zod';
import { SegmentIdSchema } from '../../journeys/campaigns/index.js';
import { SegmentSchema } from '../../segments/index.js';
import { Timestamp } from './common.js';

export const SavedSegment = z
  .object({ id: SegmentIdSchema, name: z.string(), definition: SegmentSchema, createdBy: z.string(), createdAt: Timestamp, updatedAt: Timestamp })
  .meta({ id: 'SavedSegment' });

export const SegmentPreview = z
  .object({
    count: z.int().describe('members in the segment at evaluatedAt'),
    sample: z.array(z.object({ id: z.string(), tierId: z.string(), locale: z.string() })).describe('the first members, in id order'),
    evaluatedAt: Timestamp,
  })
  .meta({ id: 'SegmentPreview' });
