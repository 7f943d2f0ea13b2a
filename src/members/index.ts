export { MemberIdSchema, MemberInputSchema, ConsentSchema, type Member, type MemberInput, type Consent } from './schema.js';
export { findMember, getMember, upsertMember, updateConsent, searchMembers, memberFromRow, memberFromJson, memberColumns, memberJsonSql, lastActivitySql, lockLedger, type MemberSearch } from './store.js';
