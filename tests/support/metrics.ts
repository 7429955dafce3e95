/** Reading the server's Prometheus metrics, for tests in Node and for the end-to-end tests. */

/** Reads one counter or gauge value (summed over labels matching `labels`) from `/metrics`. */
export async function metric(server: { url: string }, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const [key, value] = line.split(' ');
    if (!key || value === undefined) continue;
    const base = key.split('{')[0];
    if (base === name && key.includes(labels)) sum += Number(value);
  }
  return sum;
}
