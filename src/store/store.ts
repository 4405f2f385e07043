import { BaselineRepository } from './baselines.js';
import { ComputeResourceRepository } from './compute-resources.js';
import { FindingHoldRepository } from './finding-holds.js';
import { ExceptionRepository, WindowRepository } from './holds.js';
import { OutboxRepository } from './outbox.js';
import { EventRepository } from './events.js';
import { IntervalRepository } from './intervals.js';
import { openDatabase, type Db, type OpenOptions } from './database.js';
import { FindingRepository } from './findings.js';
import { HostRepository } from './hosts.js';
import { PollRepository } from './polls.js';
import { ReportQueries } from './report-queries.js';
import { SnapshotRepository } from './snapshots.js';

/** The database with its prepared statements, one repository per table group. */
export class Store {
  readonly polls: PollRepository;
  readonly hosts: HostRepository;
  readonly snapshots: SnapshotRepository;
  readonly findings: FindingRepository;
  readonly baselines: BaselineRepository;
  readonly computeResources: ComputeResourceRepository;
  readonly holds: FindingHoldRepository;
  readonly windows: WindowRepository;
  readonly exceptions: ExceptionRepository;
  readonly outbox: OutboxRepository;
  readonly reports: ReportQueries;
  readonly events: EventRepository;
  readonly intervals: IntervalRepository;

  constructor(readonly db: Db) {
    this.polls = new PollRepository(db);
    this.hosts = new HostRepository(db);
    this.snapshots = new SnapshotRepository(db);
    this.findings = new FindingRepository(db);
    this.baselines = new BaselineRepository(db);
    this.computeResources = new ComputeResourceRepository(db);
    this.holds = new FindingHoldRepository(db);
    this.windows = new WindowRepository(db);
    this.exceptions = new ExceptionRepository(db);
    this.outbox = new OutboxRepository(db);
    this.reports = new ReportQueries(db);
    this.events = new EventRepository(db);
    this.intervals = new IntervalRepository(db);
  }

  static open(path: string, options?: OpenOptions): Store {
    return new Store(openDatabase(path, options));
  }

  /** Runs `work` in one write transaction (BEGIN IMMEDIATE, so a second writer waits at the start). */
  write<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  close(): void {
    if (this.db.open) {
      this.db.close();
    }
  }
}
