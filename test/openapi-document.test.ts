import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { GENERATED_TYPES_FILE, generatedApiTypes, openApiDocument } from '../scripts/gen-api.js'

const root = new URL('..', import.meta.url).pathname

type Problem = { ruleId: string; severity: string; message: string; location?: { pointer?: string }[] }

describe('the OpenAPI document', () => {
  let document: Record<string, unknown>
  let dir: string
  before(async () => {
    document = await openApiDocument()
    dir = mkdtempSync(join(tmpdir(), 'berth-openapi-lint-'))
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('passes the Redocly linter (recommended rules, redocly.yaml) without an error or a warning', () => {
    const file = join(dir, 'openapi.json')
    writeFileSync(file, JSON.stringify(document, null, 2))
    const run = spawnSync('npx', ['redocly', 'lint', '--config', 'redocly.yaml', '--format', 'json', file], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    })
    const start = run.stdout.indexOf('{')
    assert.ok(start >= 0, `redocly printed no report: ${run.stdout}${run.stderr}`)
    const report = JSON.parse(run.stdout.slice(start)) as {
      totals: { errors: number; warnings: number }
      problems: Problem[]
    }
    const problems = report.problems.map(
      (p) => `${p.severity} ${p.ruleId} at ${p.location?.[0]?.pointer}: ${p.message}`,
    )
    assert.deepEqual(problems, [])
    assert.equal(report.totals.errors, 0)
    assert.equal(run.status, 0, run.stderr)
  })

  it('describes a response body for every operation, and the error shape for its errors', () => {
    const paths = document.paths as Record<string, Record<string, { responses: Record<string, { content?: unknown }> }>>
    const undescribed: string[] = []
    for (const [path, operations] of Object.entries(paths))
      for (const [method, operation] of Object.entries(operations))
        for (const [status, response] of Object.entries(operation.responses)) {
          if (status === '204') continue
          const json = (response.content as Record<string, { schema: unknown }> | undefined)?.['application/json']
          if (!response.content) undescribed.push(`${method} ${path} ${status}: no content`)
          else if (status.startsWith('4') && JSON.stringify(json?.schema) !== '{"$ref":"#/components/schemas/Error"}')
            undescribed.push(`${method} ${path} ${status}: not the shared Error schema`)
        }
    assert.deepEqual(undescribed, [])
  })

  it('matches the web UI types committed in web/src/api/openapi.gen.ts (run `npm run gen:api` after an API change)', async () => {
    const expected = await generatedApiTypes(document)
    assert.ok(readFileSync(GENERATED_TYPES_FILE, 'utf8') === expected, 'web/src/api/openapi.gen.ts is stale')
  })
})
