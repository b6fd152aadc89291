/**
 * Writes the seeded history into `<file>` and prints the number of events written. Run as its own process by
 * replay.bench.ts, so the process that then times queries carries no garbage from a million appends.
 */
import { generateHistory } from './fixtures';

const [file, events] = process.argv.slice(2);
void generateHistory(file!, Number(events)).then((written) => process.stdout.write(String(written)));
