/**
 * The relay workload every latency figure comes from: senders write small updates into their
 * room at a fixed total rate (open loop: the schedule does not wait for the server), receivers
 * time each delivery.
 *
 * An update is `m.set('s<sender>', { t, n })` on the sender's doc, `t` the send time on the
 * machine-wide clock (`performance.timeOrigin + now()`); a receiver's map observer computes
 * `now - t`. Each sender overwrites its own key, so documents stay small however long the run.
 * Only updates sent inside the measurement window (after the warm-up) count; after the window
 * the run waits up to `drainMs` for stragglers, and whatever has not arrived by then counts as
 * lost (see stats.ts).
 */
import type * as Y from 'yjs';
import type { Client } from './clients';
import { now, sleep, type CpuMeter } from './proc';
import { summarize, type LatencySummary } from './stats';

export interface RelayRoom {
  senders: Client[];
  receivers: Client[];
}

export interface RelayPlan {
  rooms: RelayRoom[];
  /** Updates per second into each room, spread round-robin over its senders. */
  ratePerRoom: number;
  warmupMs: number;
  measureMs: number;
  drainMs: number;
  /** Extra bytes carried by each update (string `p`), for the flood. */
  padding?: string;
  cpu?: CpuMeter;
  /** Called about every 100 ms while sending (the flood samples memory here). */
  onTick?: () => void;
}

export interface RelayResult extends LatencySummary {
  /** Updates per second asked for, and sent, in the window (all rooms). */
  targetRate: number;
  achievedRate: number;
  sent: number;
  /** Longest a send ran behind its schedule (load generator overload shows here). */
  maxLagMs: number;
  /** Share of one core used in the window by the server and by this process. */
  serverCpu: number;
  clientCpu: number;
}

interface Sample {
  t: number;
  n: number;
}

interface RoomState {
  room: RelayRoom;
  /** Offset (0..1 of one interval) so that rooms do not all send in the same millisecond. */
  phase: number;
  sent: number;
  sentInWindow: number;
  received: number[];
}

export async function runRelay(plan: RelayPlan): Promise<RelayResult> {
  // The load generator's own garbage is collected first (when node runs with --expose-gc), so that
  // every run starts from the same heap. Otherwise what came before decides how many of the load
  // generator's major collections, each a stall of 10 ms or more, land in the window; and only Fika's
  // runs come right after HTTP calls of the load generator's (its metrics are read just before).
  (globalThis as { gc?: () => void }).gc?.();
  const rate = plan.ratePerRoom;
  const t0 = now() + 20;
  const windowStart = t0 + plan.warmupMs;
  const windowEnd = windowStart + plan.measureMs;
  const latencies: number[] = [];
  const states: RoomState[] = plan.rooms.map((room, r) => ({
    room,
    phase: r / plan.rooms.length,
    sent: 0,
    sentInWindow: 0,
    received: room.receivers.map(() => 0)
  }));

  const detach: Array<() => void> = [];
  for (const state of states) {
    state.room.receivers.forEach((receiver, j) => {
      const observer = (event: Y.YMapEvent<unknown>) => {
        const arrived = now();
        for (const key of event.keysChanged) {
          const value = receiver.map.get(key) as Sample | undefined;
          if (value && value.t >= windowStart && value.t < windowEnd) {
            latencies.push(arrived - value.t);
            state.received[j]!++;
          }
        }
      };
      receiver.map.observe(observer);
      detach.push(() => receiver.map.unobserve(observer));
    });
  }

  let maxLagMs = 0;
  let cpuStarted = false;
  let cpu = { server: NaN, client: NaN };
  let lastTick = 0;
  for (;;) {
    const t = now();
    if (!cpuStarted && t >= windowStart) {
      plan.cpu?.start();
      cpuStarted = true;
    }
    if (t >= windowEnd) break;
    for (const state of states) {
      const due = Math.floor(((t - t0) / 1000) * rate + state.phase);
      while (state.sent < due) {
        const senders = state.room.senders;
        const index = state.sent % senders.length;
        const sentAt = now();
        const sample: Sample & { p?: string } = { t: sentAt, n: state.sent };
        if (plan.padding) sample.p = plan.padding;
        senders[index]!.map.set(`s${index}`, sample);
        if (sentAt >= windowStart && sentAt < windowEnd) {
          state.sentInWindow++;
          const scheduled = t0 + ((state.sent + 1 - state.phase) / rate) * 1000;
          maxLagMs = Math.max(maxLagMs, sentAt - scheduled);
        }
        state.sent++;
      }
    }
    if (plan.onTick && t - lastTick >= 100) {
      lastTick = t;
      plan.onTick();
    }
    await sleep(1);
  }
  if (plan.cpu) cpu = plan.cpu.read();

  const drainEnd = now() + plan.drainMs;
  const complete = () => states.every((s) => s.received.every((n) => n >= s.sentInWindow));
  while (!complete() && now() < drainEnd) {
    plan.onTick?.();
    await sleep(20);
  }
  for (const off of detach) off();

  const sent = states.reduce((sum, s) => sum + s.sentInWindow, 0);
  const expected = states.reduce((sum, s) => sum + s.sentInWindow * s.room.receivers.length, 0);
  return {
    ...summarize(latencies, expected),
    targetRate: rate * plan.rooms.length,
    achievedRate: sent / (plan.measureMs / 1000),
    sent,
    maxLagMs,
    serverCpu: cpu.server,
    clientCpu: cpu.client
  };
}
