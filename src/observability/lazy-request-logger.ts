import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify'
import type { Bindings, ChildLoggerOptions, Level } from 'pino'

/**
 * Fastify gives every request a pino child bound to its request id. Building a child serializes
 * (and redacts) the bindings: a measurable share of a cached read (bench/README.md), paid by
 * every request although at the production level most of them never write a line. This logger
 * stands in for the child and builds it on the first line that passes the level, so every line
 * still carries the request id.
 */
export class LazyRequestLogger {
  #child: FastifyBaseLogger | null = null

  constructor(
    private readonly parent: FastifyBaseLogger & { isLevelEnabled(level: string): boolean },
    private readonly bindingsOf: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  /** the real child, built once */
  get real(): FastifyBaseLogger {
    this.#child ??= this.parent.child(this.bindingsOf, this.options)
    return this.#child
  }

  get level(): string {
    return this.#child?.level ?? this.options.level ?? this.parent.level
  }

  set level(level: string) {
    this.real.level = level
  }

  isLevelEnabled(level: string): boolean {
    // a route's own log level (or a later change) lives on the child
    if (this.#child || this.options.level) {
      return (this.real as unknown as { isLevelEnabled(level: string): boolean }).isLevelEnabled(
        level,
      )
    }
    return this.parent.isLevelEnabled(level)
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real.child(bindings, options)
  }

  bindings(): Bindings {
    return this.#child
      ? (this.#child as unknown as { bindings(): Bindings }).bindings()
      : this.bindingsOf
  }

  // prototype methods, not per-instance closures: one of these objects is made per request
  fatal(...args: unknown[]) {
    this.write('fatal', args)
  }
  error(...args: unknown[]) {
    this.write('error', args)
  }
  warn(...args: unknown[]) {
    this.write('warn', args)
  }
  info(...args: unknown[]) {
    this.write('info', args)
  }
  debug(...args: unknown[]) {
    this.write('debug', args)
  }
  trace(...args: unknown[]) {
    this.write('trace', args)
  }
  silent() {}

  private write(level: Level, args: unknown[]) {
    if (this.isLevelEnabled(level)) (this.real[level] as (...a: unknown[]) => void)(...args)
  }
}

/** Fastify's `childLoggerFactory` option: a LazyRequestLogger for each request. */
export const lazyChildLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = (
  logger,
  bindings,
  options,
) =>
  new LazyRequestLogger(
    logger as FastifyBaseLogger & { isLevelEnabled(level: string): boolean },
    bindings,
    options,
  ) as unknown as FastifyBaseLogger
