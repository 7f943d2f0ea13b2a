// Every workflow the journeys worker registers. Workflow code only: deterministic, and it imports
// nothing but @temporalio/workflow and workflow-safe pure code.
export { stackCheckWorkflow } from './stack-check.js';
