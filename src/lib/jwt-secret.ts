import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Config } from '../config.ts'

/**
 * The key that signs access tokens. Production must set JWT_SECRET (loadConfig enforces it);
 * elsewhere one is generated on first start and kept beside the embedded data, so sessions
 * survive restarts without anyone having to invent a secret.
 */
export async function resolveJwtSecret(config: Config): Promise<string> {
  if (config.JWT_SECRET) return config.JWT_SECRET
  const file = join(config.VICTORIA_DATA_DIR, 'jwt-secret')
  try {
    const stored = (await readFile(file, 'utf8')).trim()
    if (stored.length >= 32) return stored
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const secret = randomBytes(48).toString('base64url')
  await mkdir(config.VICTORIA_DATA_DIR, { recursive: true })
  // 'wx' fails if another process wrote it first; then theirs is the one to use
  try {
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' })
    return secret
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    return (await readFile(file, 'utf8')).trim()
  }
}
