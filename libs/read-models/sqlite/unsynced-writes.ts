/**
 * Read models may be written without fsync (PRAGMA synchronous=OFF): they are derived from the event store, and the
 * fsyncs of their WAL checkpoints compete with the event store's own fsyncs for the disk. Without fsync a crash of the
 * process loses nothing (the kernel still holds every write), but an OS crash or a power loss can leave the file torn.
 * So each connection that writes unsynced first puts a marker next to the file naming the kernel's boot, and removes
 * it once the file is fsync'd at close. A marker from another boot means the machine went down while writes may not
 * have reached the disk: the file is deleted before anyone opens it, and the projections rebuild it from the events.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';

const BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';

/** The running kernel's boot id (Linux); null where there is none, and unsynced writes are then not offered. */
export const linuxBootId = (): string | null => {
  try {
    return readFileSync(BOOT_ID_FILE, 'utf8').trim() || null;
  } catch {
    return null;
  }
};

const isErrno = (error: unknown, ...codes: string[]) => codes.includes((error as NodeJS.ErrnoException).code ?? '');

const fsyncPath = (path: string): void => {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
};

/** Makes file creations and deletions in `dir` durable (not every platform can fsync a directory). */
const fsyncDir = (dir: string): void => {
  try {
    fsyncPath(dir);
  } catch (error) {
    if (!isErrno(error, 'EISDIR', 'EPERM', 'EINVAL', 'EBADF')) throw error;
  }
};

/** Everything written to `file` so far, on disk: the file, its WAL (if a connection still has one), the directory. */
const fsyncDatabase = (file: string): void => {
  for (const path of [file, `${file}-wal`]) {
    try {
      fsyncPath(path);
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error; // no WAL once the last connection closed
    }
  }
  fsyncDir(dirname(file));
};

/** Markers whose writes need no more than an fsync (their writer closed, or died with this boot): synced, then removed. */
const syncAndRemove = (file: string, markers: readonly string[]): void => {
  fsyncDatabase(file);
  for (const marker of markers) rmSync(marker, { force: true });
  fsyncDir(dirname(file));
};

/**
 * Who wrote unsynced: the boot, and the process as its pid namespace, pid and start time name it (a pid alone is
 * reused, and in a container every server is pid 1).
 */
type Writer = { bootId: string; pidNamespace: string; pid: number; startTime: string; thread: number };
type Marker = Writer & { path: string };

const pidNamespace = (): string => {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
};

/**
 * Field 22 of /proc/<pid>/stat, after the command (which may hold spaces and parentheses): 'gone' if there is no such
 * process, null if it cannot be read (e.g. /proc mounted with hidepid).
 */
const startTime = (pid: number | 'self'): string | 'gone' | null => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch (error) {
    return isErrno(error, 'ENOENT', 'ESRCH') ? 'gone' : null;
  }
};

/** Running unless known to be gone: a writer in another pid namespace, or one that cannot be looked up, counts as running. */
const running = (writer: Writer): boolean => {
  if (writer.pidNamespace !== pidNamespace()) return true;
  const now = startTime(writer.pid);
  return now === null || now === writer.startTime;
};

const markerPrefix = (file: string) => `${basename(file)}.unsynced.`;

const markersOf = (file: string): Marker[] => {
  const prefix = markerPrefix(file);
  let names: string[];
  try {
    names = readdirSync(dirname(file)).filter((name) => name.startsWith(prefix));
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return [];
    throw error;
  }
  return names.flatMap((name) => {
    const path = join(dirname(file), name);
    try {
      return [{ ...(JSON.parse(readFileSync(path, 'utf8')) as Writer), path }];
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return []; // its writer closed meanwhile
      // Unreadable, or not a marker this code wrote (markers appear whole, by rename): of no known boot, so the file
      // is not trusted.
      return [{ bootId: '', pidNamespace: '', pid: 0, startTime: '', thread: 0, path }];
    }
  });
};

/**
 * Run before a connection opens `file`. True when a writer of an earlier boot left it unsynced: the file, its WAL and
 * the markers are deleted then. Markers of this boot whose writer is gone (a crashed process: the kernel kept its
 * writes) are removed once the file is fsync'd. Without a boot id (not Linux) nothing can be judged: nothing is done.
 */
export const discardIfTorn = (file: string, bootId: string | null): boolean => {
  if (bootId === null) return false;
  const markers = markersOf(file);
  const torn = markers.filter((marker) => marker.bootId !== bootId);
  if (torn.length > 0) {
    for (const path of [file, `${file}-wal`, `${file}-shm`, ...torn.map((marker) => marker.path)]) rmSync(path, { force: true });
    fsyncDir(dirname(file));
    return true;
  }
  const gone = markers.filter((marker) => !running(marker));
  if (gone.length > 0) syncAndRemove(file, gone.map((marker) => marker.path));
  return false;
};

/**
 * Puts this connection's marker in place (complete and on disk: written under another name, then renamed) before its
 * first unsynced write. The function returned is for after the connection closed: it fsyncs the file (and its WAL, if
 * another connection still has it open), then removes the marker. Null when this process's start time cannot be read
 * (no marker could be told from a stale one): the connection then fsyncs.
 */
export const markUnsynced = (file: string, bootId: string): (() => void) | null => {
  const started = startTime('self');
  if (started === null || started === 'gone') return null; // a marker no one could check: this connection fsyncs
  const writer: Writer = { bootId, pidNamespace: pidNamespace(), pid: process.pid, startTime: started, thread: threadId };
  const marker = join(dirname(file), `${markerPrefix(file)}${process.pid}.${threadId}.${randomUUID()}`);
  const draft = join(dirname(file), `.${basename(marker)}.draft`);
  writeFileSync(draft, JSON.stringify(writer));
  fsyncPath(draft);
  renameSync(draft, marker);
  fsyncDir(dirname(file));
  return () => syncAndRemove(file, [marker]);
};

/**
 * For a worker thread of this process that ended without closing its connection (it crashed): its writes are made
 * durable and its markers removed, as its close would have.
 */
export const releaseMarkersOfThread = (file: string, thread: number): void => {
  const own = markersOf(file).filter((marker) => marker.pid === process.pid && marker.pidNamespace === pidNamespace() && marker.thread === thread);
  if (own.length > 0) syncAndRemove(file, own.map((marker) => marker.path));
};
