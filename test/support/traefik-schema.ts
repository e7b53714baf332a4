// A fast, static check of Traefik's side of the contract against SchemaStore's Traefik v3 schemas
// (draft-07) in ../shared/schemas/, beside the real Traefik of test/traefik.e2e.test.ts. The schemas
// lag Traefik a little; a failure is a finding to look at, with Traefik itself as the authority.
import { readFileSync } from 'node:fs'
import { Ajv, type ErrorObject } from 'ajv'
import { parse } from 'yaml'

function load(name: string): object {
  return JSON.parse(readFileSync(new URL(`../../../shared/schemas/${name}`, import.meta.url), 'utf8')) as object
}

// strict:false: the schemas use keywords and union types Ajv's strict mode would only complain about.
const ajv = new Ajv({ allErrors: true, strict: false })
const dynamicSchema = ajv.compile(load('traefik-v3-file-provider.json'))
const staticSchema = ajv.compile(load('traefik-v3.json'))

function errors(validate: typeof dynamicSchema, doc: unknown): string[] {
  return validate(doc)
    ? []
    : (validate.errors ?? []).map(
        (e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
      )
}

/** Schema errors of one generated Traefik file (YAML text), chosen by its path: static/ or dynamic/. */
export function traefikSchemaErrors(path: string, yamlText: string): string[] {
  const doc = parse(yamlText) as unknown
  return path.startsWith('static/') ? errors(staticSchema, doc) : errors(dynamicSchema, doc)
}

export function traefikDynamicSchemaErrors(doc: unknown): string[] {
  return errors(dynamicSchema, doc)
}
