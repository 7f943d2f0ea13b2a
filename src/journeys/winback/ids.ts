/** `winback:<member>:<review date (UTC, YYYY-MM-DD)>`: one journey per demotion. */
export function winbackWorkflowId(memberId: string, reviewDate: Date): string {
  return `winback:${memberId}:${reviewDate.toISOString().slice(0, 10)}`;
}

export const WINBACK_ACTIVITY_SIGNAL = 'winbackActivity';
