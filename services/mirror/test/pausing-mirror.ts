/**
 * The mirror's command for a test, except that once `PAUSE_AFTER` archives are committed,
 * every further archive stops between its fsync and its rename. Each archive's fate goes to
 * stdout (`committed NAME`, `paused NAME TEMP`): the test kills the process once archives wait
 * there, verified and whole in `.mirror/tmp` but not yet under their final names.
 */
import path from 'node:path';
import { pino } from 'pino';
import { Mirror } from '../src/mirror.ts';
import { parseOptions } from '../src/options.ts';
import { Store } from '../src/store.ts';

const pauseAfter = Number(process.env.PAUSE_AFTER);
let renaming = 0;
const commit = Store.prototype.commit;
Store.prototype.commit = async function (this: Store, temp: string, final: string) {
  if (path.dirname(final) !== this.archiveDir()) return commit.call(this, temp, final);
  if (renaming++ < pauseAfter) {
    await commit.call(this, temp, final);
    process.stdout.write(`committed ${path.basename(final)}\n`);
    return;
  }
  process.stdout.write(`paused ${path.basename(final)} ${temp}\n`);
  // Never renamed: the process waits here, alive, until the test kills it.
  await new Promise(() => setInterval(() => {}, 60_000));
};

await new Mirror(parseOptions(process.argv.slice(2)), pino({ level: 'silent' })).run();
