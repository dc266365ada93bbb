// Live data without reloading: usePolling reads once, then again every
// interval while the page is visible, and keeps the last good value while a
// refresh is in flight or has failed.
import { useCallback, useEffect, useRef, useState } from "react";

export const kPollIntervalMs = 2000;

export interface Polled<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  refresh: () => void;
}

export function usePolling<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
  intervalMs: number | null = kPollIntervalMs,
): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const [tick, setTick] = useState(0);
  const loader = useCallback(load, deps);

  useEffect(() => {
    setData(undefined);
    setError(undefined);
    setLoading(true);
  }, [loader]);

  useEffect(() => {
    const mine = ++generation.current;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const run = async () => {
      try {
        const value = await loader();
        if (stopped || mine !== generation.current) return;
        setData(value);
        setError(undefined);
      } catch (caught) {
        if (stopped || mine !== generation.current) return;
        setError(caught instanceof Error ? caught : new Error(String(caught)));
      } finally {
        if (!stopped && mine === generation.current) {
          setLoading(false);
          if (intervalMs !== null) timer = setTimeout(run, document.hidden ? intervalMs * 5 : intervalMs);
        }
      }
    };
    void run();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [loader, intervalMs, tick]);

  const refresh = useCallback(() => setTick((value) => value + 1), []);
  return { data, error, loading, refresh };
}
