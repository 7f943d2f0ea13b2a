export {
  FINAL_STATUSES,
  insertSendRecords,
  requestMessage,
  requestMessages,
  requestWelcome,
  sendMessages,
  enqueueDeliveries,
  type MessageRequest,
  type MessageCategory,
  type MessageStatus,
} from './send-records.js';
export { PostgresTemplateSource, messagingTemplateSource, saveTemplate, listTemplateVersions, type SavedTemplate, type TemplateVersion } from './template-store.js';
export {
  getMessage,
  listMessages,
  messageStats,
  listInbox,
  markInboxRead,
  addSuppression,
  unsubscribeMember,
  type MessageView,
  type MessageStats,
  type InboxItem,
} from './queries.js';
