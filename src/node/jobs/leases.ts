// Who owns a job, and whether that owner is still alive (migration 5, docs/ARCHITECTURE.md §4).
//
// Every JobSupervisor is an owner: a random token, its pid, host and process start stamp. A queued
// or running job row carries its owner and a lease (`lease_until`) that the owner renews every
// HEARTBEAT_MS. Another process decides from the row alone whether the job still runs:
//   - no owner recorded (a row from before leases, or a crash between insert and start): gone;
//   - the owner is this process: alive while that supervisor is (LIVE_TOKENS);
//   - the owner is on this host: gone when its pid is dead (or a zombie, or reused by another
//     process, seen from the start stamp); a live pid keeps its jobs for LOCAL_GRACE_MS past the
//     lease, because a heartbeat cannot reach the database while another process holds a long
//     write transaction (an import) and taking a live trainer's job would let a resume train the
//     same model twice;
//   - the owner is on another host (a project on a shared volume): gone once the lease expired.
// Gone jobs read as 'interrupted' at once (list/get), and sweepDeadJobs writes that down, with the
// models the run was training, in one transaction that touches only rows of gone owners.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Db } from '../store/database';
import { stopRunModels } from '../store/models';
import { pidAlive, processStart } from '../../base/processes';

/** How often an owner renews the leases of its jobs. */
export const HEARTBEAT_MS = 2000;
/** How long a lease lasts: a job whose owner stopped renewing is gone this long after. */
export const LEASE_MS = 10_000;
/** How long a live local owner keeps jobs whose lease it could not renew (the database was busy). */
export const LOCAL_GRACE_MS = 5 * 60_000;

export const ACTIVE_STATUSES = ['queued', 'running'] as const;

export interface Owner {
  token: string;
  pid: number;
  host: string;
  /** Process start stamp (Linux), null where the platform does not tell. */
  start: string | null;
}

/** The owner columns of a runs row (migration 5). */
export interface LeaseRow {
  owner_token: string | null;
  owner_pid: number | null;
  owner_host: string | null;
  owner_start: string | null;
  lease_until: number | null;
}

/** Tokens of the supervisors alive in this process. */
const LIVE_TOKENS = new Set<string>();

export function newOwner(): Owner {
  const o = { token: randomUUID(), pid: process.pid, host: os.hostname(), start: processStart(process.pid) };
  LIVE_TOKENS.add(o.token);
  return o;
}

/** The supervisor of `token` has stopped: its jobs are gone from now on. */
export function releaseOwner(token: string): void {
  LIVE_TOKENS.delete(token);
}

export type OwnerState = { alive: true } | { alive: false; why: string };

/** Whether the owner recorded in `r` is alive (see the head of this file). */
export function ownerState(r: LeaseRow, now = Date.now()): OwnerState {
  if (!r.owner_token || r.owner_pid === null) return { alive: false, why: 'the application stopped while this job was running' };
  const who = describeOwner(r);
  if (r.owner_host === os.hostname()) {
    if (r.owner_pid === process.pid) {
      return LIVE_TOKENS.has(r.owner_token) ? { alive: true } : { alive: false, why: `the project was closed in ${who} while this job was running` };
    }
    if (!pidAlive(r.owner_pid)) return { alive: false, why: `${who} stopped while this job was running` };
    const start = r.owner_start === null ? null : processStart(r.owner_pid);
    if (start !== null && start !== r.owner_start) return { alive: false, why: `${who} stopped while this job was running` };
    if (r.lease_until !== null && r.lease_until + LOCAL_GRACE_MS < now) return { alive: false, why: `${who} stopped renewing this job's lease` };
    return { alive: true };
  }
  if (r.lease_until !== null && r.lease_until >= now) return { alive: true };
  return { alive: false, why: `${who} stopped renewing this job's lease (it stopped while this job was running)` };
}

/** "process 1234 on host" */
export function describeOwner(r: Pick<LeaseRow, 'owner_pid' | 'owner_host'>): string {
  return `process ${r.owner_pid ?? '?'}${r.owner_host && r.owner_host !== os.hostname() ? ` on ${r.owner_host}` : ''}`;
}

interface ActiveRow extends LeaseRow {
  id: number;
  status: string;
}

const ACTIVE_SQL = `SELECT id, status, owner_token, owner_pid, owner_host, owner_start, lease_until FROM runs WHERE status IN ('queued', 'running')`;

/** Queued or running rows whose owner is gone (optionally only `ids`), with the reason. Reads only. */
export function deadJobs(db: Db, now = Date.now(), ids?: number[]): { id: number; why: string }[] {
  const rows = db.prepare(ACTIVE_SQL).all() as ActiveRow[];
  const out: { id: number; why: string }[] = [];
  for (const r of rows) {
    if (ids && !ids.includes(r.id)) continue;
    const s = ownerState(r, now);
    if (!s.alive) out.push({ id: r.id, why: s.why });
  }
  return out;
}

/**
 * Marks the queued and running jobs of gone owners 'interrupted' and the models they were training
 * no longer 'training', in one immediate transaction that re-checks each row inside it (an owner
 * that renewed its lease meanwhile keeps its job). Writes nothing when nothing is gone. Returns the
 * ids it marked. Throws SQLITE_BUSY when another process holds the write lock longer than the
 * connection's busy timeout (callers retry later: the rows already read as interrupted).
 */
export function sweepDeadJobs(db: Db, now = Date.now(), ids?: number[]): number[] {
  if (deadJobs(db, now, ids).length === 0) return [];
  const mark = db.prepare(
    `UPDATE runs SET status = 'interrupted', finished_at = ?, lease_until = NULL, error = COALESCE(error, ?)
     WHERE id = ? AND status IN ('queued', 'running')`,
  );
  return db
    .transaction(() => {
      const marked: number[] = [];
      for (const d of deadJobs(db, now, ids)) {
        if (mark.run(new Date(now).toISOString(), d.why, d.id).changes === 0) continue;
        stopRunModels(db, d.id);
        marked.push(d.id);
      }
      return marked;
    })
    .immediate();
}
