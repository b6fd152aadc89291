/**
 * Read models may be written without fsync (PRAGMA synchronous=OFF): they are derived from the event store, and the
 * fsyncs of their WAL checkpoints compete with the event store's own fsyncs for the disk. Without fsync a crash of the
 * process loses nothing (the kernel still holds every write), but an OS crash or a power loss can leave the file torn.
 * So each connection that writes unsynced first puts a marker next to the file naming the kernel's boot, and removes
 * it once the file is fsync'd at close. A marker from another boot means the machine went down while writes may not
 * have reached the disk: the file is deleted before anyone opens it, and the projections rebuild it from the events.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

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

type Marker = { path: string; pid: number; bootId: string };

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
      return [{ path, pid: Number(name.slice(prefix.length).split('.')[0]), bootId: readFileSync(path, 'utf8').trim() }];
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return []; // its writer closed meanwhile
      throw error;
    }
  });
};

const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isErrno(error, 'EPERM');
  }
};

/**
 * Run before a connection opens `file`. True when a writer of an earlier boot left it unsynced: the file, its WAL and
 * the markers are deleted then. Markers of this boot whose process is gone are removed: that process crashed, and the
 * kernel kept its writes.
 */
export const discardIfTorn = (file: string, bootId: string | null): boolean => {
  const markers = markersOf(file);
  const torn = markers.filter((marker) => marker.bootId !== bootId);
  for (const marker of markers) if (marker.bootId === bootId && !processAlive(marker.pid)) rmSync(marker.path, { force: true });
  if (torn.length === 0) return false;
  for (const path of [file, `${file}-wal`, `${file}-shm`, ...torn.map((marker) => marker.path)]) rmSync(path, { force: true });
  fsyncDir(dirname(file));
  return true;
};

/**
 * Puts this connection's marker in place (durably) before its first unsynced write. The function returned is for
 * after the connection closed: it fsyncs the file (and its WAL, if another connection still has it open), then
 * removes the marker.
 */
export const markUnsynced = (file: string, bootId: string): (() => void) => {
  const marker = join(dirname(file), `${markerPrefix(file)}${process.pid}.${randomUUID()}`);
  writeFileSync(marker, bootId);
  fsyncPath(marker);
  fsyncDir(dirname(file));
  return () => {
    for (const path of [file, `${file}-wal`]) {
      try {
        fsyncPath(path);
      } catch (error) {
        if (!isErrno(error, 'ENOENT')) throw error; // the WAL goes with the last connection's close
      }
    }
    fsyncDir(dirname(file));
    rmSync(marker, { force: true });
    fsyncDir(dirname(file));
  };
};
