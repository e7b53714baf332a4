import { parseDocument } from 'yaml'
import { parseParameterValue, type Parameter } from '../compose/compose.params.js'
import { BadRequestError } from '../errors.js'
import type { TemplateManifest } from './templates.manifest.js'

/**
 * The parameters a service gets from a template: the caller's values over the kept ones (an
 * upgrade keeps what the user had) over the manifest's defaults. Names the template does not
 * declare are refused rather than ignored, so a typo is not silently lost.
 */
export function resolveParameters(
  manifest: TemplateManifest,
  given: Record<string, unknown>,
  kept: Parameter[] = [],
): Parameter[] {
  const declared = new Map(manifest.parameters.map((p) => [p.name, p]))
  const unknown = Object.keys(given).filter((name) => !declared.has(name))
  if (unknown.length > 0)
    throw new BadRequestError(
      'unknown_parameter',
      `The template ${manifest.id} has no parameter "${unknown[0]}"; it has ${[...declared.keys()].join(', ') || 'none'}.`,
      { unknown },
    )
  const keptByName = new Map(kept.map((p) => [p.name, p]))
  return manifest.parameters.map((p) => {
    const raw = p.name in given ? given[p.name] : keptByName.has(p.name) ? keptByName.get(p.name)!.value : p.default
    const parsed = parseParameterValue(p.type, raw)
    if (!parsed.ok)
      throw new BadRequestError('invalid_parameters', `Parameter ${p.name}: ${parsed.message}.`, {
        problems: [{ name: p.name, message: parsed.message }],
      })
    return { name: p.name, type: p.type, value: parsed.value }
  })
}

/**
 * Replaces the image of named compose services, for hosts that cannot pull the catalog's images
 * (an air-gapped registry mirror, a locally built image). Comments and placeholders survive.
 */
export function overrideImages(compose: string, images: Record<string, string>): string {
  if (Object.keys(images).length === 0) return compose
  const document = parseDocument(compose)
  for (const [service, image] of Object.entries(images)) {
    if (!document.hasIn(['services', service]))
      throw new BadRequestError('unknown_compose_service', `The template has no compose service "${service}".`, {
        service,
      })
    document.setIn(['services', service, 'image'], image)
  }
  return document.toString()
}
