/**
 * A small interval scheduler: each job runs, then waits its interval, then runs again (never
 * two runs of one job at once in this process; the job itself takes an advisory lock so that
 * only one instance in the deployment runs it). `stop` clears the timers and waits for runs in
 * progress, so the app closes its database only after them.
 */

export interface ScheduledJob {
  name: string
  intervalMs: number
  /** delay before the first run; defaults to the interval */
  firstDelayMs?: () => Promise<number>
  run(): Promise<unknown>
}

export interface SchedulerLogger {
  warn(obj: object, msg: string): void
}

export class Scheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>()
  private readonly running = new Set<Promise<unknown>>()
  private stopped = false

  constructor(private readonly log: SchedulerLogger) {}

  /** Starts a job; an interval of 0 or less means disabled. */
  async add(job: ScheduledJob): Promise<void> {
    if (job.intervalMs <= 0 || this.stopped) return
    const first = job.firstDelayMs ? await job.firstDelayMs() : job.intervalMs
    this.schedule(job, first)
  }

  private schedule(job: ScheduledJob, delayMs: number) {
    if (this.stopped) return
    const timer = setTimeout(() => {
      this.timers.delete(job.name)
      const run = job
        .run()
        .catch((err) => this.log.warn({ err, job: job.name }, 'scheduled job failed'))
        .finally(() => {
          this.running.delete(run)
          this.schedule(job, job.intervalMs)
        })
      this.running.add(run)
    }, delayMs)
    // a pending job never keeps the process alive
    timer.unref()
    this.timers.set(job.name, timer)
  }

  async stop(): Promise<void> {
    this.stopped = true
    for (const timer of this.timers.values()) clearTimeout(timer)
    this.timers.clear()
    await Promise.allSettled([...this.running])
  }
}
