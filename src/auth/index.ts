export {
  API_KEY_ROLES,
  ApiKeyCache,
  DEFAULT_KEY_CACHE_MS,
  createApiKey,
  findApiKey,
  listApiKeys,
  revokeApiKey,
  rotateApiKey,
  hashApiKey,
  type ApiKeyListing,
  type ApiKeyRole,
  type ApiKeyRecord,
  type CreatedApiKey,
} from './api-keys.js';
export { issueMemberToken, verifyMemberToken, type MemberTokenClaims } from './member-tokens.js';
export { actorOf, principalRole, type Principal, type Role } from './principal.js';
export { signBody, verifyBodySignature } from './body-signature.js';
