/**
 * Where an alert's runbook entry is, in words an on-call can follow from the alert alone,
 * without the charm's source: the charm's documentation (charmcraft.yaml's
 * `links.documentation`, which test/unit/runbook.test.ts keeps equal to this), its how-to
 * guides, the section for alerts, and the entry, titled with the alert's name.
 */
export const documentationLink = "https://charmhub.io/backup-integrator"

/** The how-to page's title and its section for alerts (docs/how-to.md). */
export const runbookPage = "How-to guides"
export const runbookSection = "Respond to an alert"

/** The `runbook` annotation of the alert `alert`. */
export const runbookOf = (alert: string): string =>
  `Backup Integrator's documentation (${documentationLink}), ${runbookPage}, "${runbookSection}", ${alert}`
