// Plain-JS entry of the draws worker threads: registers tsx in this thread (as bin/laurel.js
// does in the main one), then loads the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./parallel-worker.ts');
