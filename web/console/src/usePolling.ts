import { useEffect, useState } from 'react';

/**
 * Loads `load()` now and every `everyMs` while the component is shown, so the queue and an open conversation stay
 * current without a reload. Returns the latest value, the latest error, and a way to reload at once.
 */
export function usePolling<T>(load: () => Promise<T>, everyMs: number, key: string): { value: T | undefined; error: string | undefined; reload: () => void } {
  const [value, setValue] = useState<T>();
  const [error, setError] = useState<string>();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    const run = () =>
      load().then(
        (loaded) => live && (setValue(loaded), setError(undefined)),
        (failed: Error) => live && setError(failed.message),
      );
    void run();
    const timer = setInterval(run, everyMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
    // `key` names what `load` loads: a new key (another ticket, another filter) starts over.
  }, [key, tick, everyMs]);
  return { value, error, reload: () => setTick((n) => n + 1) };
}
