// The readers of bench/log-stream.bench.ts, in a process of their own so that parsing what they
// receive does not compete with the server for its event loop (and its RSS is the server's alone).
// Usage: node log-stream-clients.mjs <stream url> <token> <clients>. Prints `connected` once every stream is open, then one JSON line: per client
// the lines received and whether in order, and when (Date.now()) each sequence number ending a
// 10,000-line batch arrived at the slowest client.
const [url, token, clients] = process.argv.slice(2)
const BATCH = 10_000

async function connect() {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
  if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`)
  return res
}

async function follow(res, arrivals) {
  const decoder = new TextDecoder()
  let buffer = ''
  let expected = 1
  let inOrder = true
  for await (const chunk of res.body) {
    buffer += decoder.decode(chunk, { stream: true })
    const cut = buffer.lastIndexOf('\n\n')
    if (cut < 0) continue
    const events = buffer.slice(0, cut)
    buffer = buffer.slice(cut + 2)
    for (const match of events.matchAll(/^id: (\d+)$/gm)) {
      const seq = Number(match[1])
      if (seq !== expected) inOrder = false
      expected = seq + 1
      if (seq % BATCH === 0) arrivals.set(seq, Math.max(arrivals.get(seq) ?? 0, Date.now()))
    }
    if (/^event: end$/m.test(events)) break
  }
  return { received: expected - 1, inOrder }
}

const streams = await Promise.all(Array.from({ length: Number(clients) }, connect))
console.log('connected') // the writer starts now
const arrivals = new Map()
const results = await Promise.all(streams.map((res) => follow(res, arrivals)))
const cpu = process.cpuUsage()
console.log(
  JSON.stringify({ results, arrivals: Object.fromEntries(arrivals), cpuSeconds: (cpu.user + cpu.system) / 1e6 }),
)
