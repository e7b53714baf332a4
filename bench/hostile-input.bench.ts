// The costs of refusing hostile input, kept out of the unit tests (figures are noisy on shared
// machines): parsing and refusing a billion-laughs compose file, and redacting a build line
// against 500 secrets. Run: npm run bench:hostile. Prints the median of 7 rounds.
import { createRedactor } from '../src/crypto/redact.js'
import { parseYamlSafely } from '../src/compose/compose.yaml.js'
import { aliasBomb } from '../test/support/fuzz.js'

const ROUNDS = 7

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

const bomb = aliasBomb(9, 10)
parseYamlSafely('warm: [up]\n') // the first call pays for loading the parser
const refusals: number[] = []
for (let round = 0; round < ROUNDS; round++) {
  const started = performance.now()
  const result = parseYamlSafely(bomb)
  refusals.push(performance.now() - started)
  if (result.ok) throw new Error('the billion-laughs document was accepted')
}
console.log(`billion-laughs refusal: median ${median(refusals).toFixed(2)} ms (target < 100 ms)`)

const secrets = Array.from({ length: 500 }, (_, i) => `secret-${i}-${Math.random().toString(36).slice(2)}`)
const redact = createRedactor(secrets)
const line = `#5 [web 2/4] RUN npm ci --omit=dev && echo ${secrets[250]} done in 1.2s, pulling layer sha256:0123456789abcdef`
const LINES = 20_000
const perLine: number[] = []
for (let round = 0; round < ROUNDS; round++) {
  const started = performance.now()
  for (let i = 0; i < LINES; i++) redact(line)
  perLine.push(((performance.now() - started) * 1000) / LINES)
}
console.log(`redaction with 500 secrets: median ${median(perLine).toFixed(2)} µs per line (target < 20 µs)`)
