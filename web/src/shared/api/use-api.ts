import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/** State of one load: the data, the error, and a reload. Stale answers are ignored. */
export interface Load<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[], options: { refreshMs?: number } = {}): Load<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    loader
      .current(controller.signal)
      .then((data) => {
        if (!controller.signal.aborted) setState({ data, error: undefined, loading: false });
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setState((s) => ({ data: s.data, error, loading: false }));
      });
    return () => controller.abort();
  }, [...deps, tick]);
  useEffect(() => {
    if (!options.refreshMs) return;
    const timer = setInterval(() => setTick((n) => n + 1), options.refreshMs);
    return () => clearInterval(timer);
  }, [options.refreshMs]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

/** A user action (submit, launch, redeem): runs once at a time, keeps its error for display. */
export function useAction<A extends unknown[], R>(run: (...args: A) => Promise<R>) {
  const [state, setState] = useState<{ busy: boolean; error: unknown; result: R | undefined }>({ busy: false, error: undefined, result: undefined });
  const busy = useRef(false);
  const go = useCallback(
    async (...args: A): Promise<R | undefined> => {
      if (busy.current) return undefined;
      busy.current = true;
      setState({ busy: true, error: undefined, result: undefined });
      try {
        const result = await run(...args);
        setState({ busy: false, error: undefined, result });
        return result;
      } catch (error) {
        setState({ busy: false, error, result: undefined });
        return undefined;
      } finally {
        busy.current = false;
      }
    },
    [run],
  );
  return { ...state, run: go, clear: () => setState({ busy: false, error: undefined, result: undefined }) };
}
