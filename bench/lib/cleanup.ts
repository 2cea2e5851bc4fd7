/**
 * Undo steps (stop a child, drop a database, delete a temp dir) run last-in first-out at the end
 * or on Ctrl-C. The servers lead their own process groups, so a terminal's Ctrl-C does not reach
 * them: without this they would outlive the benchmark.
 */

const tasks: { label: string; run: () => Promise<unknown> }[] = []

export function onCleanup(label: string, run: () => Promise<unknown>): void {
  tasks.push({ label, run })
}

export async function cleanup(): Promise<void> {
  for (let task = tasks.pop(); task; task = tasks.pop()) {
    try {
      await task.run()
    } catch (error) {
      process.stderr.write(`cleanup (${task.label}) failed: ${String(error)}\n`)
    }
  }
}

export function cleanupOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: cleaning up\n`)
      void cleanup().finally(() => process.exit(130))
    })
  }
}

/** Runs `main`, then the undo steps whatever happened; exits 1 on an error. */
export async function runMain(main: () => Promise<void>): Promise<void> {
  cleanupOnSignals()
  try {
    await main()
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : error}\n`)
    process.exitCode = 1
  } finally {
    await cleanup()
  }
}
