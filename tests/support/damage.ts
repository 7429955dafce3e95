/**
 * Seeded damage to real updates, for the tests that check what the server does with updates no
 * client would send: the same bytes on every run.
 */

/** A small seeded generator (mulberry32): `pick(n)` is a whole number from 0 to n − 1. */
export function random(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** One to four byte changes: replaced, flipped, inserted, removed, or copied from a donor. */
export function damage(
  update: Uint8Array,
  donors: readonly Uint8Array[],
  pick: (n: number) => number
): Uint8Array {
  const bytes = Array.from(update);
  for (let n = 1 + pick(4); n > 0; n--) {
    const at = pick(bytes.length);
    switch (pick(5)) {
      case 0:
        bytes[at] = [0, 1, 2, 127, 128, 255, pick(256)][pick(7)]!;
        break;
      case 1:
        bytes[at]! ^= 1 << pick(8);
        break;
      case 2:
        bytes.splice(at, 0, pick(256));
        break;
      case 3:
        bytes.splice(at, 1);
        break;
      default: {
        const donor = donors[pick(donors.length)]!;
        const from = pick(donor.length);
        bytes.splice(at, pick(3), ...donor.subarray(from, from + 1 + pick(8)));
      }
    }
  }
  return Uint8Array.from(bytes);
}
