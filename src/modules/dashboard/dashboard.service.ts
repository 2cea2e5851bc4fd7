import type { Kysely } from 'kysely'
import type { DB } from '../../db/types.ts'
import { todayUtc } from '../library/library.service.ts'
import { DashboardRepository } from './dashboard.repository.ts'
import type { Dashboard } from './dashboard.schemas.ts'

const iso = (timestamp: string) => new Date(timestamp).toISOString()

/** The reader's dashboard, computed on request from their library and reviews (no cache). */
export class DashboardService {
  private readonly dashboard: DashboardRepository

  constructor(db: Kysely<DB>) {
    this.dashboard = new DashboardRepository(db)
  }

  async forReader(userId: number): Promise<Dashboard> {
    const today = todayUtc()
    const row = await this.dashboard.summary(userId, today)
    return {
      year: Number(today.slice(0, 4)),
      booksRead: { thisYear: row.read_this_year, allTime: row.read_all_time },
      booksPerMonth: row.books_per_month,
      genres: row.genres,
      shelves: row.shelves,
      reviews: row.reviews,
      currentlyReading: row.currently_reading.map((r) => ({ ...r, updatedAt: iso(r.updatedAt) })),
      recentActivity: row.recent_activity.map((e) => ({ ...e, at: iso(e.at) })),
    }
  }
}
