import createError from '@fastify/error'

export const AuthRequired = createError(
  'AUTH_REQUIRED',
  'This route needs an access token (Authorization: Bearer ...)',
  401,
)
export const InvalidToken = createError('INVALID_TOKEN', 'The access token is not valid', 401)
export const TokenExpired = createError(
  'TOKEN_EXPIRED',
  'The access token has expired; refresh it',
  401,
)
export const SessionRevoked = createError(
  'SESSION_REVOKED',
  'This session has ended (logged out everywhere, or the account was disabled); log in again',
  401,
)
export const InvalidApiKey = createError(
  'INVALID_API_KEY',
  'The API key is unknown or revoked',
  401,
)
export const ApiKeyInUrl = createError(
  'API_KEY_IN_URL',
  'API keys are accepted only in the X-API-Key header, never in a URL',
  400,
)
export const Forbidden = createError('FORBIDDEN', '%s', 403)
export const InvalidCredentials = createError(
  'INVALID_CREDENTIALS',
  'The email or password is wrong',
  401,
)
export const InvalidRefreshToken = createError(
  'INVALID_REFRESH_TOKEN',
  'The refresh token is unknown, expired or revoked; log in again',
  401,
)
export const EmailTaken = createError(
  'EMAIL_TAKEN',
  'An account with this email already exists',
  409,
)
export const WeakPassword = createError('WEAK_PASSWORD', '%s', 400)
export const WrongPassword = createError('WRONG_PASSWORD', 'The current password is wrong', 400)
export const ApiKeyNotFound = createError('API_KEY_NOT_FOUND', 'No API key has id %s', 404)
export const InvalidDisplayName = createError(
  'INVALID_DISPLAY_NAME',
  'The display name has no text left once markup and control characters are removed',
  400,
)
export const InvalidApiKeyName = createError(
  'INVALID_API_KEY_NAME',
  'The API key name has no text left once markup and control characters are removed',
  400,
)
