import cliProgress from 'cli-progress'

export interface Progress {
  update(done: number, total: number, phase: string): void
  stop(): void
}

/**
 * A progress bar on a terminal; in a pipe or a CI log, where a redrawn bar turns into noise, a
 * plain line at every tenth of a phase instead.
 */
export function createProgress(stream: NodeJS.WriteStream = process.stdout): Progress {
  return stream.isTTY ? barProgress(stream) : lineProgress(stream)
}

function barProgress(stream: NodeJS.WriteStream): Progress {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: '{phase} [{bar}] {percentage}% | {value}/{total} | {duration_formatted}',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  )
  let phase: string | null = null
  return {
    update(done, total, next) {
      if (next !== phase) {
        if (phase !== null) bar.stop()
        phase = next
        bar.start(total, done, { phase: next.padEnd(7) })
        return
      }
      bar.setTotal(total)
      bar.update(done)
    },
    stop() {
      if (phase !== null) bar.stop()
      phase = null
    },
  }
}

function lineProgress(stream: NodeJS.WriteStream): Progress {
  let phase: string | null = null
  let nextStep = 0
  return {
    update(done, total, next) {
      if (next !== phase) {
        phase = next
        nextStep = 0
      }
      const percent = total > 0 ? Math.floor((done / total) * 100) : 100
      if (percent < nextStep) return
      nextStep = (Math.floor(percent / 10) + 1) * 10
      stream.write(
        `${next}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} (${percent}%)\n`,
      )
    },
    stop() {},
  }
}
