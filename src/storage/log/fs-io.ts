import fs from 'node:fs';
import path from 'node:path';

/**
 * Thin promise wrappers over the callback `fs` API on raw file descriptors. The FileHandle API costs
 * an extra object and promise per call; on the append path each call counts (~50 µs per async fs call
 * on the reference VM), so segments keep plain fds.
 */
export function openFile(file: string, flags: string | number): Promise<number> {
  return new Promise((resolve, reject) => fs.open(file, flags, 0o644, (err, fd) => (err ? reject(err) : resolve(fd))));
}

export function closeFile(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.close(fd, (err) => (err ? reject(err) : resolve())));
}

export function fileSize(fd: number): Promise<number> {
  return new Promise((resolve, reject) => fs.fstat(fd, (err, st) => (err ? reject(err) : resolve(st.size))));
}

export function datasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

export function truncateFile(fd: number, length: number): Promise<void> {
  return new Promise((resolve, reject) => fs.ftruncate(fd, length, (err) => (err ? reject(err) : resolve())));
}

/** Reads up to `length` bytes at `position`; the result is shorter only at end of file. */
export async function readAt(fd: number, position: number, length: number, alloc: (length: number) => Buffer = Buffer.allocUnsafe): Promise<Buffer> {
  const buf = alloc(length);
  let done = 0;
  while (done < length) {
    const n = await new Promise<number>((resolve, reject) =>
      fs.read(fd, buf, done, length - done, position + done, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead))),
    );
    if (n === 0) break;
    done += n;
  }
  return done === length ? buf : buf.subarray(0, done);
}

function writevOnce(fd: number, buffers: Buffer[], position: number): Promise<number> {
  return new Promise((resolve, reject) => fs.writev(fd, buffers, position, (err, n) => (err ? reject(err) : resolve(n))));
}

/** Writes every byte of `buffers` at `position` with as few calls as possible, continuing after short writes. */
export async function writevAll(fd: number, buffers: Buffer[], position: number): Promise<void> {
  let total = 0;
  for (const b of buffers) total += b.length;
  let written = await writevOnce(fd, buffers, position);
  while (written < total) {
    let skip = written;
    const rest: Buffer[] = [];
    for (const b of buffers) {
      if (skip >= b.length) {
        skip -= b.length;
        continue;
      }
      rest.push(skip > 0 ? b.subarray(skip) : b);
      skip = 0;
    }
    const n = await writevOnce(fd, rest, position + written);
    if (n === 0) throw new Error(`writev made no progress at ${position + written}`);
    written += n;
  }
}

/** fsync of a directory makes a created, renamed or removed entry durable (POSIX leaves it to the caller). */
export async function syncDir(dir: string): Promise<void> {
  const fd = await openFile(dir, 'r');
  try {
    await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
  } finally {
    await closeFile(fd);
  }
}

/**
 * Replaces `file` atomically and durably: write `file.tmp`, fsync, rename, fsync the directory,
 * as Kafka's `CheckpointFile`/`Utils.atomicMoveWithFallback` do.
 */
export async function writeFileAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = `${file}.tmp`;
  const fd = await openFile(tmp, 'w');
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    await writevAll(fd, [buf], 0);
    await datasync(fd);
  } finally {
    await closeFile(fd);
  }
  await fs.promises.rename(tmp, file);
  await syncDir(path.dirname(file));
}

export async function exists(file: string): Promise<boolean> {
  try {
    await fs.promises.access(file);
    return true;
  } catch {
    return false;
  }
}

export function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT';
}
