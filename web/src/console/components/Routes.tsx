import { match, usePath } from '../router.js';
import { AuditLogPage } from '../pages/AuditLogPage.js';
import { CampaignEditorPage } from '../pages/CampaignEditorPage.js';
import { CampaignPage } from '../pages/CampaignPage.js';
import { CampaignsPage } from '../pages/CampaignsPage.js';
import { ContestsPage } from '../pages/ContestsPage.js';
import { DashboardPage } from '../pages/DashboardPage.js';
import { DrawsPage } from '../pages/DrawsPage.js';
import { MemberPage } from '../pages/MemberPage.js';
import { MembersPage } from '../pages/MembersPage.js';
import { MissionsPage } from '../pages/MissionsPage.js';
import { OffersPage } from '../pages/OffersPage.js';
import { ReferralsPage } from '../pages/ReferralsPage.js';
import { ReportsPage } from '../pages/ReportsPage.js';
import { RewardsPage } from '../pages/RewardsPage.js';
import { SegmentsPage } from '../pages/SegmentsPage.js';
import { TemplatesPage } from '../pages/TemplatesPage.js';

/** The console's pages by path. */
export function Routes() {
  const path = usePath();
  let m: Record<string, string> | null;
  if ((m = match('/members/:id', path))) return <MemberPage id={m.id!} />;
  if (match('/members', path)) return <MembersPage />;
  if (match('/segments', path)) return <SegmentsPage />;
  if (match('/campaigns/new', path)) return <CampaignEditorPage />;
  if ((m = match('/campaigns/:id', path))) return <CampaignPage id={m.id!} />;
  if (match('/campaigns', path)) return <CampaignsPage />;
  if (match('/offers', path)) return <OffersPage />;
  if (match('/missions', path)) return <MissionsPage />;
  if (match('/contests', path)) return <ContestsPage />;
  if (match('/draws', path)) return <DrawsPage />;
  if (match('/rewards', path)) return <RewardsPage />;
  if (match('/templates', path)) return <TemplatesPage />;
  if (match('/referrals', path)) return <ReferralsPage />;
  if (match('/reports', path)) return <ReportsPage />;
  if (match('/audit', path)) return <AuditLogPage />;
  return <DashboardPage />;
}
