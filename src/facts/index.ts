export { FACT_TYPES, FACT_TYPE_NAMES, memberFact, memberLane, type Fact, type FactType } from './types.js';
export { emitFacts, factJobId } from './emit.js';
export { createFactsWorker, dispatchFact, type FactHandler } from './worker.js';
export { createEventFactsHandler, factsOfEvent } from './from-events.js';
