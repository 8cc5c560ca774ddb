import { useCallback, useEffect, useState } from 'preact/hooks';

export type Resource<Value> =
  { readonly state: 'loading' } | { readonly state: 'failed'; readonly error: Error } | { readonly state: 'loaded'; readonly value: Value };

/** Loads `load()` when `key` changes; `reload` loads it again. Answers of a superseded load are dropped. */
export function useResource<Value>(load: () => Promise<Value>, key: string): [Resource<Value>, () => void] {
  const [resource, setResource] = useState<Resource<Value>>({ state: 'loading' });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let isCurrent = true;
    setResource({ state: 'loading' });
    load().then(
      (value) => isCurrent && setResource({ state: 'loaded', value }),
      (error: unknown) => isCurrent && setResource({ state: 'failed', error: error instanceof Error ? error : new Error(String(error)) }),
    );
    return () => {
      isCurrent = false;
    };
    // `load` is a new closure each render; `key` says when what it loads changes.
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return [resource, reload];
}
