import type { DatabaseSync } from 'node:sqlite';

import type { Finding } from './finding.ts';

/** What changed since the previous audit of the same cluster. */
export interface AuditReport {
  cluster: string;
  at: string;
  new: Finding[];
  open: (Finding & { since: string })[];
  resolved: (Finding & { since: string })[];
}

/** A finding still open, as the last audit of its cluster left it. */
export type OpenFinding = Finding & { cluster: string; since: string; lastSeen: string };

/** Where audits keep their findings, so each audit can say what is new, still open and resolved. */
export interface FindingsStore {
  /** The findings still open, of one cluster or of all, by cluster and then oldest first (`kubemend findings`). */
  open(cluster?: string): Promise<OpenFinding[]>;
  /**
   * Records one audit's findings. `complete: false` (the audit did not see every object: a kind
   * was cut short) resolves nothing: an open finding it did not see may only have been unread.
   */
  record(
    cluster: string,
    findings: readonly Finding[],
    now: Date,
    options?: { complete: boolean },
  ): Promise<AuditReport>;
}

/** The embedded findings store (same database file as the outcomes). */
export function createSqliteFindingsStore(db: DatabaseSync): FindingsStore {
  db.exec(`CREATE TABLE IF NOT EXISTS audit_findings (
    cluster TEXT NOT NULL,
    key TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    resolved_at TEXT,
    finding TEXT NOT NULL,
    PRIMARY KEY (cluster, key)
  )`);
  const open = db.prepare(
    'SELECT key, first_seen, finding FROM audit_findings WHERE cluster = ? AND resolved_at IS NULL',
  );
  const stillOpen = db.prepare(
    `SELECT cluster, first_seen, last_seen, finding FROM audit_findings
      WHERE resolved_at IS NULL AND (? IS NULL OR cluster = ?) ORDER BY cluster, first_seen, key`,
  );
  const upsert = db.prepare(`INSERT INTO audit_findings (cluster, key, first_seen, last_seen, resolved_at, finding)
    VALUES (?, ?, ?, ?, NULL, ?)
    ON CONFLICT (cluster, key) DO UPDATE SET last_seen = excluded.last_seen, resolved_at = NULL, finding = excluded.finding,
      first_seen = CASE WHEN audit_findings.resolved_at IS NULL THEN audit_findings.first_seen ELSE excluded.first_seen END`);
  const resolve = db.prepare('UPDATE audit_findings SET resolved_at = ? WHERE cluster = ? AND key = ?');

  return {
    open: async (cluster) =>
      (
        stillOpen.all(cluster ?? null, cluster ?? null) as {
          cluster: string;
          first_seen: string;
          last_seen: string;
          finding: string;
        }[]
      ).map((row) => ({
        ...(JSON.parse(row.finding) as Finding),
        cluster: row.cluster,
        since: row.first_seen,
        lastSeen: row.last_seen,
      })),
    record: async (cluster, findings, now, options = { complete: true }) => {
      const at = now.toISOString();
      const before = new Map(
        (open.all(cluster) as { key: string; first_seen: string; finding: string }[]).map((row) => [
          row.key,
          { since: row.first_seen, finding: JSON.parse(row.finding) as Finding },
        ]),
      );
      const report: AuditReport = { cluster, at, new: [], open: [], resolved: [] };
      db.exec('BEGIN IMMEDIATE');
      try {
        for (const finding of findings) {
          const previous = before.get(finding.key);
          if (previous === undefined) report.new.push(finding);
          else report.open.push({ ...finding, since: previous.since });
          upsert.run(cluster, finding.key, at, at, JSON.stringify(finding));
        }
        const current = new Set(findings.map((finding) => finding.key));
        for (const [key, previous] of before) {
          if (current.has(key) || !options.complete) continue;
          resolve.run(at, cluster, key);
          report.resolved.push({ ...previous.finding, since: previous.since });
        }
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
      return report;
    },
  };
}
