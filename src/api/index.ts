export { buildServer, type ApiContext } from './server.js';
export { problem, sendProblem, type Problem } from './problem.js';
export { authorize, UnauthorizedError, ForbiddenError } from './auth.js';
export { parseInput } from './validate.js';
