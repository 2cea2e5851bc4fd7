import { createHash } from 'node:crypto'

/** SHA-256 of a random secret (refresh token, API key): what the database stores and looks up. */
export const sha256 = (secret: string): Buffer => createHash('sha256').update(secret).digest()
