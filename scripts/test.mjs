#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with Node's own test runner (TypeScript through tsx),
// after a type check, and ends with one plain summary line ("N passed, N failed, N skipped").
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const filters = process.argv.slice(2)

function findTests(dir) {
  const found = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) found.push(...findTests(path))
    else if (name.endsWith('.test.ts')) found.push(relative(root, path))
  }
  return found
}

const files = ['src', 'test']
  .flatMap((dir) => findTests(join(root, dir)))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort()

if (filters.length === 0) {
  const check = spawnSync('npx', ['tsc', '-p', 'tsconfig.check.json'], { cwd: root, stdio: 'inherit' })
  if (check.status !== 0) {
    console.log('type check failed')
    console.log('0 passed, 1 failed')
    process.exit(1)
  }
}

const run = spawnSync(
  process.execPath,
  [
    '--import', 'tsx',
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=./test/support/summary-reporter.mjs', '--test-reporter-destination=stdout',
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' } },
)
process.exit(run.status ?? 1)
