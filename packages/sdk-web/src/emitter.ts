/** A minimal typed event emitter; a throwing handler is reported and never breaks the client. */
export class Emitter<Events extends object> {
  readonly #handlers = new Map<keyof Events, Set<(event: never) => void>>();

  on<K extends keyof Events>(name: K, handler: (event: Events[K]) => void): () => void {
    let set = this.#handlers.get(name);
    if (!set) this.#handlers.set(name, (set = new Set()));
    set.add(handler as (event: never) => void);
    return () => {
      set.delete(handler as (event: never) => void);
    };
  }

  emit<K extends keyof Events>(name: K, event: Events[K]): void {
    for (const handler of [...(this.#handlers.get(name) ?? [])]) {
      try {
        (handler as (event: Events[K]) => void)(event);
      } catch (error) {
        // Surface it like an uncaught error in an event listener, without stopping the others.
        setTimeout(() => {
          throw error;
        });
      }
    }
  }

  clear(): void {
    this.#handlers.clear();
  }
}
