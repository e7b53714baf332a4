import { parseDocument } from 'yaml'

/**
 * The service's compose file with `service` running the image a build produced: its `image` set
 * to the tag and any `build` section dropped (Berth built it already). Everything else the user
 * wrote (ports, env, volumes, health check) stays as it was.
 */
export function withBuiltImage(composeYaml: string, service: string, image: string): string {
  const doc = parseDocument(composeYaml)
  if (!doc.hasIn(['services', service]))
    throw new Error(`the compose file has no service "${service}" to run the built image`)
  doc.setIn(['services', service, 'image'], image)
  doc.deleteIn(['services', service, 'build'])
  return doc.toString()
}
