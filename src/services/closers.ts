/**
 * What a composition has started, to be stopped in reverse order: a later part (a route) may
 * depend on an earlier one (its listener), never the other way. A fault while closing one does
 * not stop the others from closing; it is told to `onError`.
 */
export class Closers {
  readonly #closers: (() => Promise<void> | void)[] = [];

  add(close: () => Promise<void> | void): void {
    this.#closers.push(close);
  }

  async closeAll(onError: (error: unknown) => void): Promise<void> {
    for (const close of this.#closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        onError(error);
      }
    }
  }
}
