/** The time limit of one delivery attempt, shared by every request and socket it opens. */
export interface Deadline {
  signal: AbortSignal;
  seconds: number;
}

export function startDeadline(seconds: number): Deadline {
  return { signal: AbortSignal.timeout(Math.max(1, Math.round(seconds * 1000))), seconds };
}
