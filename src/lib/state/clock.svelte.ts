/**
 * The current time for relative times ("5 minutes ago") and greetings, as a reactive value that
 * moves on twice a minute while something on screen reads it, and costs nothing otherwise.
 */
import { createSubscriber } from 'svelte/reactivity';

const TICK_MS = 30_000;

class Clock {
  #subscribe = createSubscriber((update) => {
    const timer = setInterval(update, TICK_MS);
    return () => clearInterval(timer);
  });

  /** Milliseconds since the epoch; read in a template or `$derived` and it re-renders on each tick. */
  get now(): number {
    this.#subscribe();
    return Date.now();
  }
}

export const clock = new Clock();
