import cron from 'node-cron';
import { FiringLog } from './firings.js';
import { type CronSubject, watchNodeCron } from './subject.js';

/**
 * The baseline: `jobs` bare node-cron tasks on `* * * * * *`, each recording
 * `Date.now() − ctx.date` — node-cron's own timer lateness, with no agent code.
 */
export function startBareCron(jobs: number): CronSubject {
  const firings = new FiringLog();
  const timerMissed: number[] = [];
  const tasks = Array.from({ length: jobs }, () => cron.schedule('* * * * * *', (ctx) => firings.record(ctx.date.getTime(), Date.now()), { noOverlap: false }));
  watchNodeCron({ missed: timerMissed });
  return {
    firings,
    timerMissed,
    stop: async () => {
      for (const task of tasks) await task.destroy();
    },
  };
}
