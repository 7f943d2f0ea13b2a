export { MemberIdSchema, MemberInputSchema, type Member, type MemberInput, type Consent } from './schema.js';
export { findMember, getMember, upsertMember, memberFromRow, memberFromJson, MEMBER_COLUMNS } from './store.js';
