import { createHash } from 'node:crypto';

/** Buckets per campaign: a percent is 100 buckets, so splits are exact to 0.01 %. */
export const BUCKETS = 10_000;

/** A member's bucket in a campaign: stable across retries, launches and machines. */
export function campaignBucket(campaignId: string, memberId: string): number {
  const digest = createHash('sha256').update(`laurel-campaign-bucket\0${campaignId}\0${memberId}`).digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(BUCKETS));
}

export type BucketAssignment = { holdout: true; variant: null } | { holdout: false; variant: string };

/**
 * Buckets [0, holdout) are the holdout; the rest split by variant percent in order. Integer math
 * only, so the boundaries are exact and the same everywhere.
 */
export function assignBucket(bucket: number, holdoutPercent: number, variants: readonly { key: string; percent: number }[]): BucketAssignment {
  const holdoutBuckets = holdoutPercent * (BUCKETS / 100);
  if (bucket < holdoutBuckets) return { holdout: true, variant: null };
  const position = bucket - holdoutBuckets;
  const range = BUCKETS - holdoutBuckets;
  let cumulative = 0;
  for (const variant of variants) {
    cumulative += variant.percent;
    // position / range < cumulative / 100
    if (position * 100 < cumulative * range) return { holdout: false, variant: variant.key };
  }
  return { holdout: false, variant: variants[variants.length - 1]!.key };
}
