import { errors, jwtVerify, SignJWT } from 'jose'
import { InvalidToken, TokenExpired } from './accounts.errors.ts'

/**
 * Short-lived JWT access tokens (RFC 9068 profile): HS256 only, `typ: at+jwt` so that no other
 * kind of token can stand in for one, and `iss`, `aud`, `exp`, `iat`, `sub` and the session
 * version `sv` all required. Anything else about a token is a 401 with a code.
 */
const ALGORITHM = 'HS256'
const TYPE = 'at+jwt'
// An honest token is ~300 bytes; refusing big ones early keeps hostile 8 KB tokens cheap.
const MAX_TOKEN_LENGTH = 2048

export interface AccessTokenClaims {
  userId: number
  role: 'user' | 'admin'
  sessionVersion: number
}

export interface AccessTokenOptions {
  secret: string
  issuer: string
  audience: string
  ttlSeconds: number
}

export class AccessTokens {
  private readonly key: Uint8Array

  constructor(private readonly options: AccessTokenOptions) {
    this.key = new TextEncoder().encode(options.secret)
  }

  get ttlSeconds() {
    return this.options.ttlSeconds
  }

  sign(claims: AccessTokenClaims): Promise<string> {
    return new SignJWT({ role: claims.role, sv: claims.sessionVersion })
      .setProtectedHeader({ alg: ALGORITHM, typ: TYPE })
      .setSubject(String(claims.userId))
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setIssuedAt()
      .setExpirationTime(`${this.options.ttlSeconds}s`)
      .sign(this.key)
  }

  async verify(token: string): Promise<AccessTokenClaims> {
    if (token.length > MAX_TOKEN_LENGTH) throw new InvalidToken()
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: [ALGORITHM],
        typ: TYPE,
        issuer: this.options.issuer,
        audience: this.options.audience,
        requiredClaims: ['exp', 'iat', 'sub', 'sv'],
      })
      const userId = Number(payload.sub)
      const sessionVersion = payload.sv
      const role = payload.role
      if (
        !Number.isSafeInteger(userId) ||
        userId < 1 ||
        !Number.isSafeInteger(sessionVersion) ||
        (role !== 'user' && role !== 'admin')
      ) {
        throw new InvalidToken()
      }
      return { userId, role, sessionVersion: sessionVersion as number }
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new TokenExpired()
      throw new InvalidToken()
    }
  }
}
