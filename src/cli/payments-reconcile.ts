import { resolveJwtSecret } from '../lib/jwt-secret.ts'
import { createProvider } from '../modules/payments/create-provider.ts'
import { reconcile } from '../modules/payments/reconcile.ts'
import { describeTarget, runDatabaseCommand } from './run-cli.ts'

/**
 * `npm run payments:reconcile`: compares the orders with the provider's records (Stripe's, or
 * the local provider's ledger) and lists every mismatch. Exit code 0 when they agree, 2 when
 * they do not, so a scheduler can alert on it. `--json` prints the report as JSON.
 */
runDatabaseCommand('payments:reconcile', async (database, config) => {
  const provider = createProvider(config, database.db, await resolveJwtSecret(config))
  const report = await reconcile(database.db, provider)
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
  } else {
    const out = (line: string) => process.stdout.write(`${line}\n`)
    out(`${describeTarget(config)}, provider ${report.provider}`)
    out(`  orders checked        ${report.ordersChecked}`)
    out(`  provider payments     ${report.providerPayments}`)
    out(`  Σ paid orders         ${report.paidCents} cents`)
    out(`  Σ captured (net)      ${report.capturedCents} cents`)
    out(`  duplicate charges     ${report.duplicateCharges}`)
    out(`  mismatches            ${report.mismatches.length}`)
    for (const m of report.mismatches) {
      out(`    ${m.kind}: order ${m.orderId ?? '-'} payment ${m.paymentId ?? '-'}: ${m.detail}`)
    }
  }
  const agrees = report.mismatches.length === 0 && report.paidCents === report.capturedCents
  return agrees ? 0 : 2
})
