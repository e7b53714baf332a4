import { assertComposeProjectName } from '../servers/docker-host.js'

/**
 * The Compose project of a resource. Derived from the id, not the name, so renaming a service
 * never orphans its running containers under an old project name.
 */
export function composeProjectName(resourceId: string): string {
  const name = `berth-${resourceId.toLowerCase()}`
  assertComposeProjectName(name)
  return name
}
