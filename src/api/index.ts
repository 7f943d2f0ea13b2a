export { buildServer, type ApiDeps } from './server.js';
export { problem, sendProblem, type Problem } from './problem.js';
