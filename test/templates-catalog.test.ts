// Every template of the shipped catalog: its manifest validates, its compose file renders with
// generated secrets, passes Berth's validator, the Compose Specification schema and
// `docker compose config -q`, and carries no plain-text password.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { renderComposeTemplate } from '../src/compose/compose.params.js'
import { parseYamlSafely } from '../src/compose/compose.yaml.js'
import { CATALOG_DIR, defaultParameters, loadTemplateCatalog } from '../src/templates/templates.catalog.js'
import { generateSecret } from '../src/templates/templates.secrets.js'
import { requireDocker } from './support/docker.js'

const schema = JSON.parse(
  readFileSync(new URL('../../shared/schemas/compose-spec.json', import.meta.url), 'utf8'),
) as object
const validateSchema = new Ajv2020({ allErrors: true, strict: false }).compile(schema)
const catalog = loadTemplateCatalog([CATALOG_DIR])
const work = mkdtempSync(join(tmpdir(), 'berth-templates-'))
after(() => rmSync(work, { recursive: true, force: true }))

describe('the template catalog', () => {
  it('holds at least 40 templates, the three site types among them', () => {
    const ids = catalog.list().map((t) => t.id)
    assert.ok(ids.length >= 40, `only ${ids.length} templates`)
    for (const id of ['wordpress', 'php-nginx', 'laravel']) assert.ok(ids.includes(id), `${id} is missing`)
  })

  for (const template of catalog.list()) {
    it(`${template.id}: renders, matches the Compose schema and passes docker compose config`, async (t) => {
      const rendered = renderComposeTemplate(template.compose, defaultParameters(template))
      assert.ok(rendered.ok)
      const parsed = parseYamlSafely(rendered.text)
      assert.ok(parsed.ok)
      assert.ok(validateSchema(parsed.value), JSON.stringify(validateSchema.errors, null, 2))
      const secrets = Object.fromEntries(template.secrets.map((s) => [s.env, generateSecret(s.generate)]))
      // Secrets reach the file only as `${NAME}` Compose fills in from .env, never as values.
      for (const name of Object.keys(secrets))
        assert.match(rendered.text, new RegExp(`\\$\\{${name}[:}-]`), `${name} is read from the .env file`)
      assert.doesNotMatch(rendered.text, /(PASSWORD|SECRET)[A-Z_]*:\s*["']?[A-Za-z0-9]/)
      if (!(await requireDocker(t))) return
      const dir = join(work, template.id)
      execFileSync('mkdir', ['-p', dir])
      writeFileSync(join(dir, 'compose.yaml'), rendered.text)
      writeFileSync(
        join(dir, '.env'),
        Object.entries(secrets)
          .map(([k, v]) => `${k}=${v}\n`)
          .join(''),
      )
      execFileSync('docker', ['compose', '--project-directory', dir, 'config', '-q'], { stdio: 'pipe' })
    })
  }
})
