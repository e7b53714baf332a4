import type { Kysely } from 'kysely'
import { createRedactor } from '../crypto/redact.js'
import type { DB } from '../db/schema.js'
import type { EnvService } from '../env/env.service.js'
import { AppError } from '../errors.js'
import { checkWithComposeCli } from './compose-cli-check.js'
import { findTeamService } from '../services/services.repo.js'
import { findVersion, listParameterRows, parameterFromRow } from './compose.repo.js'
import type { ComposeIssue } from './compose.types.js'
import { prepareVersion } from './versioning.js'

type Deps = { db: Kysely<DB>; env: Pick<EnvService, 'valuesForRender'> }

export type ComposeValidationService = ReturnType<typeof createComposeValidationService>

export function createComposeValidationService({ db, env }: Deps) {
  /**
   * Checks a proposed file (or the current one) the way a save would, then with Compose itself.
   * Nothing is stored. Compose's output is scrubbed of secret values before it is returned.
   */
  async function validate(teamId: string, serviceId: string, yaml?: string) {
    const service = await findTeamService(db, teamId, serviceId)
    const text = yaml ?? (await findVersion(db, serviceId, service.current_version)).yaml
    const parameters = (await listParameterRows(db, serviceId)).map(parameterFromRow)
    let rendered: string
    try {
      rendered = prepareVersion(text, parameters).renderedYaml
    } catch (error) {
      if (error instanceof AppError && error.code === 'invalid_compose') {
        return {
          valid: false,
          issues: (error.details as { issues: ComposeIssue[] }).issues,
          compose_cli: { ran: false as const, reason: 'the file has structural errors' },
        }
      }
      throw error
    }
    const values = await env.valuesForRender(teamId, serviceId)
    const cli = await checkWithComposeCli(rendered, values.env, createRedactor(values.secrets))
    return { valid: !cli.ran || cli.ok, issues: [], compose_cli: cli }
  }

  return { validate }
}
