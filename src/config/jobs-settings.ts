import { Type } from 'typebox'

/** Maintenance jobs (src/jobs). Spread into the one env schema in src/config.ts. */
export const jobsSettings = {
  // --- maintenance jobs (src/jobs): each run takes an advisory lock, so one instance does it
  STATS_REFRESH_INTERVAL_SECONDS: Type.Integer({
    minimum: 0,
    maximum: 7 * 86400,
    default: 900,
    description: 'refresh the book, user and genre statistics views every N seconds; 0 disables',
  }),
  RECS_REFRESH_INTERVAL_SECONDS: Type.Integer({
    minimum: 0,
    maximum: 7 * 86400,
    default: 3600,
    description: 'recompute the recommendation neighbours every N seconds; 0 disables',
  }),
}
