import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'

/** Bytes under a directory (an embedded data dir after import), walked to a bounded depth. */
export async function directoryBytes(dir: string, depth = 12): Promise<number> {
  if (depth < 0) return 0
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) total += await directoryBytes(path, depth - 1)
    else if (entry.isFile()) total += (await stat(path)).size
  }
  return total
}
