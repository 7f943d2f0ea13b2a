export { ContestInputSchema, type ContestInput, type ContestDefinition, type ContestMetric } from './definition.js';
export { encodeLeaderboardScore, decodeLeaderboardScore, timeUnitMs, MAX_SCORE, TIME_BITS } from './leaderboard-score.js';
export { leaderboardKey, topOfLeaderboard, leaderboardEntryOf, setLeaderboardScore, type LeaderboardEntry } from './leaderboard.js';
export { createContest, getContest, findContest, listContests, finalStandings, contestWorkflowId, type ContestRecord, type Standing } from './store.js';
export { createContestFanoutHandler, type ContestFanoutDeps } from './fanout.js';
export { createContestActivities, type ContestActivities } from './activities.js';
