/** What the global setup hands every test file about the running stack. */
export interface StackInfo {
  databaseUrl: string;
  redisUrl: string;
  temporalAddress: string;
  smtpUrl: string;
  mailboxUrl: string;
  dataDir: string;
}

/** Migrated once per run; each test file clones it into a database of its own. */
export const TEMPLATE_DB = 'laurel_test_template';
