import { existsSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { compiledScript } from './compiled-script';

/** A thread's nice value, from /proc/<pid>/task/<tid>/stat (field 19). */
const niceOf = (stat: string) => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);

const onLinux = existsSync('/proc/thread-self');
if (!onLinux) console.warn('thread-priority spec skipped: no /proc/thread-self (not Linux)');

(onLinux ? describe : describe.skip)('lowerThreadPriority', () => {
  it('lowers the priority of the thread that calls it by the steps given, not of the process', async () => {
    const before = niceOf(readFileSync('/proc/thread-self/stat', 'utf8'));
    const script = compiledScript(__dirname, 'thread-priority.js');
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const { readFileSync } = require('node:fs');
       const lowered = require(${JSON.stringify(script)}).lowerThreadPriority(5);
       parentPort.postMessage({ lowered, stat: readFileSync('/proc/thread-self/stat', 'utf8') });`,
      { eval: true },
    );
    const reply = await new Promise<{ lowered: boolean; stat: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(reply.lowered).toBe(true);
    expect(niceOf(reply.stat)).toBe(Math.min(19, before + 5));
    expect(niceOf(readFileSync('/proc/thread-self/stat', 'utf8'))).toBe(before);
  });
});
