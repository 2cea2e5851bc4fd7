import { fileURLToPath } from 'node:url'

/** Where things are, whatever the working directory `npm run` was started from. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url))
export const TSC = fileURLToPath(new URL('../../node_modules/.bin/tsc', import.meta.url))
// Victoria as `npm start` runs it: compiled by `npm run build` (buildVictoria in processes.ts)
export const SERVER = fileURLToPath(new URL('../../dist/server.js', import.meta.url))
// Victoria run from source by tsx (`npm run dev`): the boot benchmark, beside tsx references
export const SOURCE_SERVER = fileURLToPath(new URL('../../src/server.ts', import.meta.url))
export const GOODBOOKS_DIR = fileURLToPath(new URL('../../data/goodbooks', import.meta.url))
export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url))
export const CEILING_SERVER = fileURLToPath(new URL('../reference/ceiling.ts', import.meta.url))
export const RAW_SQL_SERVER = fileURLToPath(new URL('../reference/raw-sql.ts', import.meta.url))
export const PGLITE_OPEN = fileURLToPath(new URL('../reference/pglite-open.ts', import.meta.url))
