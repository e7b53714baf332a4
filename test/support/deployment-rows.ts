import type { Insertable } from 'kysely'
import type { DeploymentTable } from '../../src/db/schema.js'

/** A finished deployment row of a service, for tests that fill the table directly; overrides win. */
export function deploymentRow(
  row: Pick<Insertable<DeploymentTable>, 'id' | 'team_id' | 'created_at'> & Partial<Insertable<DeploymentTable>>,
): Insertable<DeploymentTable> {
  return {
    resource_type: 'service',
    resource_id: 'r',
    resource_name: 'web',
    server_id: 's',
    server_name: 'local',
    action: 'deploy',
    status: 'finished',
    trigger: 'api',
    compose_version: 1,
    force: 0,
    pull_latest_images: 0,
    stop_before_start: 0,
    exit_code: 0,
    message: null,
    created_by: 't',
    started_at: null,
    finished_at: null,
    ...row,
  }
}
