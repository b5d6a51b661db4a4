/** A minimal typed event emitter (no Node dependency, so the engine also runs in browsers). */
export class Emitter<Events extends { [K in keyof Events]: (...args: never[]) => void }> {
  private readonly handlers = new Map<keyof Events, Set<Events[keyof Events]>>();

  on<K extends keyof Events>(event: K, fn: Events[K]): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(fn);
    return () => void set.delete(fn);
  }

  protected emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    for (const fn of this.handlers.get(event) ?? []) {
      try {
        (fn as (...a: Parameters<Events[K]>) => void)(...args);
      } catch {
        // A listener's failure is its own; the engine carries on.
      }
    }
  }
}
