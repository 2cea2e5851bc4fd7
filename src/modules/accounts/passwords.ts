import { hash, verify } from '@node-rs/argon2'
import { dictionary } from '@zxcvbn-ts/language-common'

/**
 * Password hashing with argon2id at OWASP's minimum (m = 19 MiB, t = 2, p = 1), and the
 * common-password check (the zxcvbn-ts list of ~49k leaked passwords).
 */
const ARGON2_OPTIONS = {
  algorithm: 2, // Algorithm.Argon2id: a const enum, which verbatimModuleSyntax cannot import
  memoryCost: 19 * 1024,
  timeCost: 2,
  parallelism: 1,
} as const

export const PASSWORD_MIN_LENGTH = 8
export const PASSWORD_MAX_LENGTH = 128

const COMMON = new Set(dictionary['passwords-common'].map((p: string) => p.toLowerCase()))

export function isCommonPassword(password: string): boolean {
  return COMMON.has(password.toLowerCase())
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS)
}

// A real hash of a random string: verifying against it costs what a real verification costs,
// so "no such email" takes as long as "wrong password" and reveals nothing.
const DUMMY_HASH = hash(`${Math.random()}-no-such-user`, ARGON2_OPTIONS)

/** Verifies, or burns the same time when there is no hash to verify against. */
export async function verifyPassword(
  storedHash: string | null,
  password: string,
): Promise<boolean> {
  if (!storedHash) {
    await verify(await DUMMY_HASH, password).catch(() => false)
    return false
  }
  try {
    return await verify(storedHash, password)
  } catch {
    return false
  }
}
