import { readFile, writeFile } from 'node:fs/promises'
import { type BenchResult, toMarkdown } from './lib/report.ts'

/**
 * `npx tsx bench/render.ts bench/results/<file>.json ...`: rewrites each result's Markdown from
 * its JSON, after the report's layout changes. The figures stay those the benchmark measured.
 */
const files = process.argv.slice(2)
if (files.length === 0) throw new Error('usage: tsx bench/render.ts <result.json>...')
for (const file of files) {
  const result = JSON.parse(await readFile(file, 'utf8')) as BenchResult
  const target = file.replace(/\.json$/, '.md')
  await writeFile(target, toMarkdown(result))
  process.stdout.write(`rewritten: ${target}\n`)
}
