import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { dirname } from 'node:path';

/** How long file events are gathered before one reload: editors write a file in several steps. */
const SETTLE_MS = 300;

/**
 * Calls `reload` once after SIGHUP or after any of `files` changes (renamed over, rewritten,
 * removed and recreated). Folders are watched, not the files, so a file replaced by rename (how
 * certificate renewal tools write) is still seen. `rewatch` takes up a new list of files after a
 * reload; `stop` ends it all.
 */
export function watchForReload(
  files: () => readonly string[],
  reload: () => void,
): { readonly rewatch: () => void; readonly stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let watchers: FSWatcher[] = [];
  const schedule = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      reload();
    }, SETTLE_MS);
  };
  const rewatch = (): void => {
    for (const watcher of watchers) watcher.close();
    const wanted = new Set(files());
    const folders = new Set([...wanted].map((file) => dirname(file)));
    watchers = [...folders].flatMap((folder) => {
      try {
        const watcher = watch(folder, { persistent: false }, (_event, name) => {
          if (name === null || [...wanted].some((file) => file === `${folder}/${name}`)) schedule();
        });
        watcher.on('error', () => undefined);
        return [watcher];
      } catch {
        return [];
      }
    });
  };
  const onHangup = (): void => schedule();
  process.on('SIGHUP', onHangup);
  rewatch();
  return {
    rewatch,
    stop() {
      process.off('SIGHUP', onHangup);
      if (timer !== undefined) clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
