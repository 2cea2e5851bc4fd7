import { readdir, readFile } from 'node:fs/promises'

/**
 * CPU time a server spent, read from /proc: the sum over every process in its process group
 * (tsx runs the server as a grandchild). On a shared, loaded machine req/s swings with what
 * else runs, but the CPU a server spends per request stays put, so it is the steadier measure
 * of how much work a request costs. Linux only; elsewhere it reports null.
 */

// Linux reports utime and stime in clock ticks of 1/100 s (`getconf CLK_TCK` is 100 on every
// architecture Node runs on there)
const TICK_MS = 10

export async function processGroupCpuMs(groupId: number): Promise<number | null> {
  let entries: string[]
  try {
    entries = await readdir('/proc')
  } catch {
    return null
  }
  let ticks = 0
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = await readFile(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue // the process ended meanwhile
    }
    // fields after the command name, which is in parentheses and may hold spaces
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // fields[2] is the process group; fields[11] and [12] are utime and stime
    if (Number(fields[2]) !== groupId) continue
    ticks += Number(fields[11]) + Number(fields[12])
  }
  return ticks * TICK_MS
}
