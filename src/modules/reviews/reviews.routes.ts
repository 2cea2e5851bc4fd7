import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { cacheTags } from '../../cache/tags.ts'
import { problemResponses } from '../../lib/problem.ts'
import type { UserPrincipal } from '../../plugins/auth.ts'
import { IdParams, Page } from '../catalog/catalog.schemas.ts'
import {
  CreateReviewBody,
  HelpfulVote,
  MyReviewsQuery,
  Review,
  ReviewListQuery,
  UpdateReviewBody,
} from './reviews.schemas.ts'
import { ReviewsService } from './reviews.service.ts'

/** Reading reviews is public; writing them and voting needs a logged-in reader. */
const reviewsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const reviews = new ReviewsService(app.database.db)

  app.get(
    '/api/books/:id/reviews',
    {
      schema: {
        tags: ['reviews'],
        summary: "A book's reviews and ratings, sorted, with cursor pagination",
        params: IdParams,
        querystring: ReviewListQuery,
        response: { 200: Page(Review), ...problemResponses(404) },
      },
    },
    async (request) => reviews.listForBook(request.params.id, request.query),
  )

  app.get(
    '/api/reviews/:id',
    {
      schema: {
        tags: ['reviews'],
        summary: 'One review',
        params: IdParams,
        response: { 200: Review, ...problemResponses(404) },
      },
    },
    async (request) => reviews.get(request.params.id),
  )

  await app.register(async (context) => {
    const me = context.withTypeProvider<TypeBoxTypeProvider>()
    me.addHook('onRequest', me.requireUser)
    const userId = (principal: unknown) => (principal as UserPrincipal).userId
    // The book's rating summary and the lists sorted by rating changed, and so did the
    // reviewer's own pages: dropped before answering, so the reviewer's next read is fresh here.
    // (The database triggers tell the other instances.)
    const ratingChanged = (bookId: number, principal: unknown) =>
      app.cache.invalidate([
        cacheTags.book(bookId),
        cacheTags.bookLists,
        cacheTags.user(userId(principal)),
      ])

    me.post(
      '/api/books/:id/reviews',
      {
        schema: {
          tags: ['reviews'],
          summary:
            'Review a book (one review per reader and book; markup in title and body is removed)',
          params: IdParams,
          body: CreateReviewBody,
          response: { 201: Review, ...problemResponses(401, 404, 409) },
        },
      },
      async (request, reply) => {
        const review = await reviews.create(
          userId(request.principal),
          request.params.id,
          request.body,
        )
        await ratingChanged(review.bookId, request.principal)
        return reply.code(201).header('location', `/api/reviews/${review.id}`).send(review)
      },
    )

    me.patch(
      '/api/reviews/:id',
      {
        schema: {
          tags: ['reviews'],
          summary: 'Change your review: rating, title or text (null removes title or text)',
          params: IdParams,
          body: UpdateReviewBody,
          response: { 200: Review, ...problemResponses(401, 404) },
        },
      },
      async (request) => {
        const review = await reviews.update(
          userId(request.principal),
          request.params.id,
          request.body,
        )
        await ratingChanged(review.bookId, request.principal)
        return review
      },
    )

    me.delete(
      '/api/reviews/:id',
      {
        schema: {
          tags: ['reviews'],
          summary: "Delete your review; its rating leaves the book's summary",
          params: IdParams,
          response: { 204: Type.Null(), ...problemResponses(401, 404) },
        },
      },
      async (request, reply) => {
        const { bookId } = await reviews.delete(userId(request.principal), request.params.id)
        await ratingChanged(bookId, request.principal)
        return reply.code(204).send(null)
      },
    )

    me.post(
      '/api/reviews/:id/helpful',
      {
        schema: {
          tags: ['reviews'],
          summary:
            "Mark someone else's review helpful. Idempotent: voting again answers 200 with " +
            'changed: false and the count unchanged',
          params: IdParams,
          response: { 200: HelpfulVote, ...problemResponses(401, 403, 404) },
        },
      },
      async (request) => reviews.markHelpful(userId(request.principal), request.params.id),
    )

    me.delete(
      '/api/reviews/:id/helpful',
      {
        schema: {
          tags: ['reviews'],
          summary: 'Take your helpful vote back (idempotent)',
          params: IdParams,
          response: { 200: HelpfulVote, ...problemResponses(401, 404) },
        },
      },
      async (request) => reviews.unmarkHelpful(userId(request.principal), request.params.id),
    )

    me.get(
      '/api/me/reviews',
      {
        schema: {
          tags: ['reviews'],
          summary: 'Your reviews, newest first',
          querystring: MyReviewsQuery,
          response: { 200: Page(Review), ...problemResponses(401) },
        },
      },
      async (request) => reviews.listMine(userId(request.principal), request.query),
    )
  })
}

export default reviewsRoutes
