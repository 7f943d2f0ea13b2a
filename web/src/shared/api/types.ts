/**
 * Response and request types of the public API, taken from the server's own modules (the same
 * zod schemas and types the handlers and the OpenAPI document use). JSON turns Dates into ISO
 * strings; Json<T> says so.
 */
import type { DrawDefinition, DrawInput } from '../../../../src/journeys/draws/definition.js';
import type { DrawRecord } from '../../../../src/journeys/draws/store.js';
import type { AuditLogEntry, AuditChainResult } from '../../../../src/draws/audit-log.js';
import type { DrandChain } from '../../../../src/draws/drand-chains.js';
import type { MemberProof } from '../../../../src/draws/record.js';
import type { MemberDrawView } from '../../../../src/journeys/draws/member-draws.js';
import type { MemberSummary } from '../../../../src/ledger/summary.js';
import type { RedemptionResult } from '../../../../src/rewards/redemptions.js';
import type { Reward as CatalogReward } from '../../../../src/rewards/catalog.js';
import type { Consent, Member } from '../../../../src/members/schema.js';
import type { InboxItem } from '../../../../src/messaging/store/queries.js';
import type { MemberMissionView, EnrollmentView } from '../../../../src/api/routes/missions.js';
import type { MemberDrawEntry } from '../../../../src/journeys/draws/control.js';
import type { Campaign } from '../../../../src/journeys/campaigns/store.js';
import type { CampaignStats } from '../../../../src/journeys/campaigns/stats.js';
import type { CampaignDefinitionInput } from '../../../../src/journeys/campaigns/definition.js';
import type { SavedSegment } from '../../../../src/segments/store.js';
import type { SegmentPreview } from '../../../../src/segments/preview.js';
import type { Segment } from '../../../../src/segments/schema.js';
import type { LedgerEntryView } from '../../../../src/ledger/summary.js';
import type { MessageStats, MessageView } from '../../../../src/messaging/store/queries.js';
import type { RenderedMessage } from '../../../../src/messaging/templates/types.js';
import type { ProgramDefinition } from '../../../../src/program/schema.js';
import type { WinbackReport } from '../../../../src/journeys/winback/report.js';
import type { AuditLogEntryView } from '../../../../src/audit/read.js';
import type { ReferralView } from '../../../../src/referrals/list.js';
import type { LeaderboardEntry } from '../../../../src/journeys/contests/leaderboard.js';
import type { HeldOffer } from '../../../../src/offers/member-offers.js';
import type { Offer } from '../../../../src/offers/store.js';
import type { OfferDefinitionInput } from '../../../../src/offers/definition.js';

export type Json<T> = T extends Date
  ? string
  : T extends bigint
    ? string
    : T extends readonly (infer U)[]
      ? Json<U>[]
      : T extends object
        ? { [K in keyof T]: Json<T[K]> }
        : T;

/** GET /v1/public/draws/:id */
export type PublicDraw = Json<Pick<DrawRecord, 'id' | 'name' | 'status' | 'rulesHash' | 'entryStartsAt' | 'entryEndsAt' | 'commit' | 'audit' | 'voidReason'>> & {
  rules: Json<DrawDefinition>;
};

/** GET /v1/public/draws/:id/audit-log */
export interface PublicDrawAuditLog {
  entries: AuditLogEntry[];
  chain: AuditChainResult;
}

/** GET /v1/public/drand-chains */
export interface PublicDrandChains {
  chains: DrandChain[];
}

export type { DrawInput, MemberProof, DrandChain };

/** GET /v1/me */
export type Me = { kind: 'member'; role: 'member'; memberId: string } | { kind: 'key'; role: 'admin' | 'marketer' | 'ingest' | 'partner'; name: string; keyId: string; partnerId: string | null };

export type MemberView = Json<Member>;
export type MemberSummaryView = Json<MemberSummary>;
export type MissionItem = Json<MemberMissionView>;
export type Enrollment = Json<EnrollmentView>;
export type RewardItem = Json<CatalogReward>;
export type Redemption = RedemptionResult;
export type InboxMessage = Json<InboxItem>;
export type MemberDraw = MemberDrawView;
export type DrawEntry = Json<MemberDrawEntry>;
export type { Consent };

export type CampaignView = Json<Campaign> & { workflowId: string | null };
export type CampaignStatsView = CampaignStats;
export type { CampaignDefinitionInput, Segment };
export type SegmentView = Json<SavedSegment>;
export type SegmentPreviewView = Json<SegmentPreview>;
export type LedgerPage = { entries: LedgerEntryView[]; next: number | null };
export type MessageItem = Json<MessageView>;
export type MessageCounts = MessageStats;
export type Rendered = RenderedMessage;
export type ProgramView = { version: number; createdAt: string; createdBy: string; definition: ProgramDefinition };
export type WinbackReportView = Json<WinbackReport>;
export type AuditEntry = Json<AuditLogEntryView>;
export type ReferralListPage = { items: Json<ReferralView>[]; nextBefore: string | null };
export type LeaderboardRow = LeaderboardEntry;
export type HeldOfferView = HeldOffer;
export type OfferView = Json<Omit<Offer, 'codeSalt'>> & { counts?: Record<string, number> };
export type { OfferDefinitionInput };
export type { CampaignsReport, ContestsReport, MembersReport, MissionsReport, PointsReport, TiersReport } from '../../../../src/reports/schemas.js';
