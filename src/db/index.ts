export { createPool, preparedName, withTransaction, type Pool, type PoolClient } from './pool.js';
export { migrate, listMigrations, type MigrationResult } from './migrate.js';
export { createCoalescer, type CoalescerOptions } from './coalesce.js';
