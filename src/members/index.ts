export { MemberIdSchema, MemberInputSchema, ConsentSchema, type Member, type MemberInput, type Consent } from './schema.js';
export { findMember, getMember, upsertMember, updateConsent, searchMembers, memberFromRow, memberFromJson, MEMBER_COLUMNS, type MemberSearch } from './store.js';
