import { type Static, Type } from 'typebox'
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './passwords.ts'

const Email = Type.String({
  minLength: 3,
  maxLength: 254,
  // deliberately loose (RFC 5322 is not a regex): one @, no spaces, a dot in the domain
  pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$',
  description: 'unique, case-insensitively',
})
const Password = Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH })
const DisplayName = Type.String({ minLength: 1, maxLength: 100 })
const RefreshToken = Type.String({ minLength: 20, maxLength: 200 })

export const RegisterBody = Type.Object(
  { email: Email, password: Password, displayName: DisplayName },
  { additionalProperties: false },
)
export type RegisterBody = Static<typeof RegisterBody>

export const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }),
  },
  { additionalProperties: false },
)
export type LoginBody = Static<typeof LoginBody>

export const RefreshBody = Type.Object(
  { refreshToken: RefreshToken },
  { additionalProperties: false },
)

export const UpdateMeBody = Type.Object(
  {
    displayName: Type.Optional(DisplayName),
    email: Type.Optional(Email),
    newPassword: Type.Optional(Password),
    currentPassword: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: PASSWORD_MAX_LENGTH,
        description: 'needed to change email or password',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type UpdateMeBody = Static<typeof UpdateMeBody>

export const DeleteMeBody = Type.Object(
  { password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }) },
  { additionalProperties: false },
)

export const User = Type.Object({
  id: Type.Integer(),
  email: Type.Union([Type.String(), Type.Null()]),
  displayName: Type.String(),
  role: Type.Enum(['user', 'admin']),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})
export type User = Static<typeof User>

export const Session = Type.Object({
  tokenType: Type.Literal('Bearer'),
  accessToken: Type.String(),
  expiresIn: Type.Integer({ description: 'seconds until the access token expires' }),
  refreshToken: Type.String({ description: 'single use: each refresh returns the next one' }),
  refreshExpiresAt: Type.String({ format: 'date-time' }),
})
export type Session = Static<typeof Session>

export const AuthResult = Type.Object({ user: User, session: Session })

export const ApiKey = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String({ description: 'the first characters of the key, to recognise it' }),
  scopes: Type.Array(Type.String()),
  tier: Type.String(),
  createdBy: Type.Union([Type.Integer(), Type.Null()]),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
})

export const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Array(Type.Enum(['catalog:read', 'catalog:write', 'admin']), {
      minItems: 1,
      maxItems: 3,
    }),
    tier: Type.Enum(['standard', 'partner', 'internal'], { default: 'standard' }),
  },
  { additionalProperties: false },
)
export type CreateApiKeyBody = Static<typeof CreateApiKeyBody>

export const UpdateUserBody = Type.Object(
  {
    disabled: Type.Optional(Type.Boolean({ description: 'disabling ends every session at once' })),
    role: Type.Optional(Type.Enum(['user', 'admin'])),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type UpdateUserBody = Static<typeof UpdateUserBody>
