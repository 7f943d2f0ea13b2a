export { MissionGoalSchema, MissionInputSchema, type MissionInput, type MissionDefinition, type MissionGoal, type MissionPeriod } from './definition.js';
export { missionPeriodFor, missionWorkflowId, type MissionPeriodBounds } from './period.js';
export { createMission, getMission, findMission, listMissions, memberEnrollments, findEnrollment, enrollmentAt, type MissionRecord, type EnrollmentRecord } from './store.js';
export { createMissionFanoutHandler, signalMission, missionContribution, type MissionFanoutDeps } from './fanout.js';
export { createMissionActivities, type MissionActivities } from './activities.js';
export { inAudience, inSegment, memberFacts } from './audience.js';
export { MISSION_EVENT_SIGNAL, MISSION_PROGRESS_QUERY, type MissionEventSignal, type MissionPlan, type MissionProgressView } from './contract.js';
