import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { VppError } from '../../domain/index.js';
import { batchSize, type WriteBatch } from '../pending.js';
import { HEADER_BYTES, decodePayload, encodeRecord, readHeader } from './record.js';

export interface SpoolOptions {
  /** Directory of the segment files, created with its parents, e.g. `<dataDir>/spool`. */
  readonly dir: string;
  /** Bytes on disk the spool may hold; past it, batches are refused (never dropped). Default 1 GiB. */
  readonly maxBytes?: number;
  /** A segment is closed and a new one started past this size. Default 8 MiB. */
  readonly segmentBytes?: number;
}

export const DEFAULT_SPOOL_MAX_BYTES = 1024 ** 3;
export const DEFAULT_SEGMENT_BYTES = 8 * 1024 ** 2;
const SEGMENT = /^seg-(\d{16})\.spool$/;

interface Segment {
  readonly seq: number;
  readonly file: string;
  bytes: number;
  /** Points of the complete records not yet replayed. */
  points: number;
  /** Where replay resumes (records before it are in the backend). */
  offset: number;
}

/**
 * The on-disk buffer a store writes to while its backend is down: append-only segment files,
 * one length-prefixed, CRC-checked record per batch (record.ts). Each append is fdatasync'ed
 * before it counts as spooled, so a batch the spool accepted survives a process or OS crash;
 * a crash mid-append leaves a torn record that the checks find and skip with a warning.
 * Replay is oldest first; a segment is deleted once every batch in it is in the backend.
 * After a restart the pending segments are found again (open); appends always go to a new
 * segment, never after a possibly torn tail. Delivery is at least once: a crash during replay
 * re-sends the batches of the head segment, which both backends store as no-ops (a write of the
 * same series and time replaces the first).
 */
export class Spool {
  readonly dir: string;
  readonly maxBytes: number;
  private readonly segmentBytes: number;
  private readonly segments: Segment[] = [];
  private appending: { seg: Segment; fh: FileHandle } | null = null;
  private nextSeq: number;
  /** The head segment's bytes while it is being replayed. */
  private head: { file: string; buf: Buffer } | null = null;
  skippedRecords = 0;

  constructor(
    options: SpoolOptions,
    private readonly warn: (message: string) => void,
  ) {
    this.dir = resolve(options.dir);
    this.maxBytes = positive('spool.maxBytes', options.maxBytes ?? DEFAULT_SPOOL_MAX_BYTES);
    this.segmentBytes = positive('spool.segmentBytes', options.segmentBytes ?? DEFAULT_SEGMENT_BYTES);
    try {
      mkdirSync(this.dir, { recursive: true });
      const names = readdirSync(this.dir).filter((n) => SEGMENT.test(n)).sort();
      for (const name of names) this.segments.push(this.scan(name));
    } catch (err) {
      if (err instanceof VppError) throw err;
      throw new VppError('STORE_OPEN_FAILED', `cannot open the store spool ${this.dir}: ${(err as Error).message}`, { cause: err });
    }
    this.nextSeq = (this.segments.at(-1)?.seq ?? 0) + 1;
    const points = this.points();
    if (points > 0) this.warn(`store spool ${this.dir} holds ${points} points in ${this.segments.length} segment(s) from before; they are written first`);
  }

  points(): number {
    return this.segments.reduce((n, s) => n + s.points, 0);
  }

  bytes(): number {
    return this.segments.reduce((n, s) => n + s.bytes, 0);
  }

  segmentCount(): number {
    return this.segments.length;
  }

  isEmpty(): boolean {
    return this.segments.length === 0;
  }

  /** Appends one batch durably; false (nothing written) when it would pass maxBytes. */
  async append(batch: WriteBatch): Promise<boolean> {
    const record = encodeRecord(batch);
    if (this.bytes() + record.length > this.maxBytes) return false;
    let target = this.appending;
    if (target === null || (target.seg.bytes > 0 && target.seg.bytes + record.length > this.segmentBytes)) {
      await this.closeAppending();
      target = await this.newSegment();
    }
    await target.fh.write(record, 0, record.length);
    await target.fh.datasync();
    target.seg.bytes += record.length;
    target.seg.points += batchSize(batch);
    return true;
  }

  /**
   * Writes every spooled batch through `write`, oldest first, deleting each segment once all
   * of it is written. Throws what `write` threw, remembering how far it got. Returns the
   * number of points written.
   */
  async replay(write: (batch: WriteBatch) => Promise<void>): Promise<number> {
    let written = 0;
    for (;;) {
      const seg = this.segments[0];
      if (seg === undefined) return written;
      if (this.appending?.seg === seg) await this.closeAppending();
      // A segment no longer appended to never changes: during an outage each retry reuses it.
      if (this.head?.file !== seg.file) {
        const read = await readFile(seg.file).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return Buffer.alloc(0);
          throw err;
        });
        this.head = { file: seg.file, buf: read };
      }
      const buf = this.head.buf;
      while (seg.offset < buf.length) {
        const header = readHeader(buf, seg.offset);
        if (typeof header === 'string') {
          this.skip(seg, `${header}; the ${buf.length - seg.offset} bytes after it are skipped`);
          break;
        }
        const end = seg.offset + HEADER_BYTES + header.payloadBytes;
        const batch = decodePayload(header, buf.subarray(seg.offset + HEADER_BYTES, Math.min(end, buf.length)));
        if (typeof batch === 'string') {
          if (end > buf.length) {
            this.skip(seg, `torn record (${batch}); the ${buf.length - seg.offset} bytes after it are skipped`);
            break;
          }
          this.skip(seg, `record of ${header.points} points skipped: ${batch}`);
          seg.points = Math.max(0, seg.points - header.points);
          seg.offset = end;
          continue;
        }
        await write(batch);
        seg.offset = end;
        seg.points = Math.max(0, seg.points - header.points);
        written += header.points;
      }
      // Already gone: another process on the same data dir replayed it (a no-op twice over).
      await unlink(seg.file).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      this.segments.shift();
      this.head = null;
    }
  }

  async close(): Promise<void> {
    await this.closeAppending();
  }

  private skip(seg: Segment, what: string): void {
    this.skippedRecords++;
    this.warn(`store spool ${seg.file} at byte ${seg.offset}: ${what}`);
  }

  /** Counts the complete records of a segment found on disk, without parsing them. */
  private scan(name: string): Segment {
    const file = join(this.dir, name);
    const seq = Number(SEGMENT.exec(name)?.[1]);
    const bytes = statSync(file).size;
    const fd = openSync(file, 'r');
    let points = 0;
    try {
      const head = Buffer.alloc(HEADER_BYTES);
      let offset = 0;
      while (offset < bytes) {
        const n = readSync(fd, head, 0, HEADER_BYTES, offset);
        const header = readHeader(head.subarray(0, n));
        if (typeof header === 'string' || offset + HEADER_BYTES + header.payloadBytes > bytes) {
          // Replay skips it with a warning once it gets there; say so now too.
          this.warn(`store spool ${file} at byte ${offset}: ${typeof header === 'string' ? header : 'torn record (cut short)'}; the records before it are kept`);
          break;
        }
        points += header.points;
        offset += HEADER_BYTES + header.payloadBytes;
      }
    } finally {
      closeSync(fd);
    }
    return { seq, file, bytes, points, offset: 0 };
  }

  private async newSegment(): Promise<{ seg: Segment; fh: FileHandle }> {
    const seq = this.nextSeq++;
    const file = join(this.dir, `seg-${String(seq).padStart(16, '0')}.spool`);
    const fh = await open(file, 'ax');
    // The new name must survive a crash too: sync the directory entry once.
    const dirFd = openSync(this.dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
    const seg: Segment = { seq, file, bytes: 0, points: 0, offset: 0 };
    this.segments.push(seg);
    this.appending = { seg, fh };
    return this.appending;
  }

  private async closeAppending(): Promise<void> {
    const a = this.appending;
    this.appending = null;
    if (a !== null) await a.fh.close();
  }
}

function positive(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new VppError('STORE_CONFIG_INVALID', `store option ${field} must be a positive integer of bytes, got ${value}`);
  }
  return value;
}
