import type { Kysely } from 'kysely'
import { SYSTEM_ACTOR, type Actor, type AuditService } from '../audit/audit.service.js'
import type { ComposeService } from '../compose/compose.service.js'
import type { SecretCipher } from '../crypto/cipher.js'
import { generateToken, hashToken } from '../crypto/tokens.js'
import type { DB, GitSourceTable } from '../db/schema.js'
import { nowIso } from '../db/time.js'
import { triggerOf, type DeploymentsService } from '../deployments/deployments.service.js'
import { BadRequestError, NotFoundError, UnauthorizedError } from '../errors.js'
import { findOwningTeam, findTeamService } from '../services/services.repo.js'
import { builtImageOf, withBuiltImages, withoutHostBindings } from './compose-image.js'
import { generateDeployKey } from './deploy-key.js'
import { deleteSource, findSource, insertSource, updateSource, type GitSourceRow } from './git-sources.repo.js'
import { COMMIT_PATTERN, type SourceInput } from './git-sources.types.js'
import { createPreviews, type WebhookOutcome } from './previews.js'
import { newWebhookSecret, type VerifiedWebhook } from './webhook-verify.js'

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  cipher: SecretCipher
  compose: Pick<ComposeService, 'getCurrent' | 'update'>
  deployments: Pick<DeploymentsService, 'queue' | 'get'>
  /** What previews are made of (see previews.ts). */
  previews: Omit<Parameters<typeof createPreviews>[0], 'db' | 'audit' | 'cipher' | 'compose' | 'queueBuild'>
}

/** What the deployment worker needs to fetch and build one service (secrets decrypted). */
export type BuildSpec = {
  repoUrl: string
  branch: string
  baseDir: string
  dockerfilePath: string | null
  composePath: string | null
  /** The compose service a Dockerfile build's image runs as. */
  composeService: string
  auth: { kind: 'none' } | { kind: 'ssh'; privateKey: string } | { kind: 'token'; token: string }
  buildArgs: Record<string, string>
  buildSecrets: Record<string, string>
}

export type GitSourcesService = ReturnType<typeof createGitSourcesService>

const webhookPath = (serviceId: string) => `/api/v1/webhooks/git/${serviceId}`

// The actor of deployments a Git host or a CI system asked for: no user, a name saying how.
const hookActor = (teamId: string, name: string, ip: string | null): Actor => ({
  ...SYSTEM_ACTOR,
  name,
  teamId,
  via: 'webhook',
  ip,
})

export function createGitSourcesService({ db, audit, cipher, compose, deployments, previews: previewDeps }: Deps) {
  const decryptJson = (stored: string | null) =>
    stored ? (JSON.parse(cipher.decrypt(stored)) as Record<string, string>) : {}

  /** A source as the API shows it: secrets never, only whether each is set (build secrets by name). */
  function view(row: GitSourceRow) {
    return {
      service_uuid: row.service_id,
      repo_url: row.repo_url,
      branch: row.branch,
      base_dir: row.base_dir,
      dockerfile_path: row.dockerfile_path,
      compose_path: row.compose_path,
      compose_service: row.compose_service,
      auth: row.auth,
      deploy_key_public: row.auth === 'ssh' ? row.deploy_key_public : null,
      https_token_set: row.https_token !== null,
      build_args: JSON.parse(row.build_args) as Record<string, string>,
      build_secret_names: Object.keys(decryptJson(row.build_secrets)).sort(),
      keep_images: row.keep_images,
      preview_domain: row.preview_domain ?? null,
      preview_port: row.preview_port ?? null,
      preview_fork_secrets: row.preview_fork_secrets === 1,
      preview_of: row.preview_of ?? null,
      webhook_path: webhookPath(row.service_id),
      deploy_token_set: row.deploy_token_hash !== null,
      updated_at: row.updated_at,
    }
  }

  const previews = createPreviews({ ...previewDeps, db, audit, cipher, compose, queueBuild })

  async function sourceOf(teamId: string, serviceId: string): Promise<GitSourceRow> {
    await findTeamService(db, teamId, serviceId)
    const row = await findSource(db, serviceId)
    if (!row) throw new NotFoundError(`Service ${serviceId} has no Git source.`)
    return row
  }

  /** Whether a service (its team already checked by the caller) builds from Git. */
  async function has(serviceId: string): Promise<boolean> {
    return (await findSource(db, serviceId)) !== undefined
  }

  async function get(teamId: string, serviceId: string) {
    const row = await sourceOf(teamId, serviceId)
    const open = await previews.list(serviceId)
    return {
      ...view(row),
      previews: open.map((p) => ({
        number: p.number,
        branch: p.branch,
        head_commit: p.head_commit,
        fork: p.fork_repo_url,
        service_uuid: p.preview_service_id,
        host: `pr-${p.number}.${row.preview_domain}`,
      })),
    }
  }

  /** Creates or replaces a service's Git source; an SSH deploy key is generated once and kept. */
  async function put(teamId: string, serviceId: string, input: SourceInput, actor: Actor) {
    await findTeamService(db, teamId, serviceId)
    const existing = await findSource(db, serviceId)
    if (input.auth === 'token' && !input.https_token && !existing?.https_token)
      throw new BadRequestError('token_required', `Service ${serviceId}: auth "token" needs an https_token.`)
    // Outside the transaction: ssh-keygen is a process, and a transaction holds no process.
    const key =
      input.auth === 'ssh' && !existing?.deploy_key_private ? await generateDeployKey(`berth-${serviceId}`) : undefined
    const now = nowIso()
    const fields: Omit<
      GitSourceTable,
      'service_id' | 'team_id' | 'webhook_secret' | 'deploy_token_hash' | 'created_at'
    > = {
      repo_url: input.repo_url,
      branch: input.branch,
      base_dir: input.base_dir ?? '',
      dockerfile_path: input.dockerfile_path ?? null,
      compose_path: input.compose_path ?? null,
      compose_service: input.compose_service,
      auth: input.auth,
      deploy_key_public: key?.publicKey ?? existing?.deploy_key_public ?? null,
      deploy_key_private: key ? cipher.encrypt(key.privateKey) : (existing?.deploy_key_private ?? null),
      https_token: input.https_token ? cipher.encrypt(input.https_token) : (existing?.https_token ?? null),
      build_args: JSON.stringify(input.build_args),
      build_secrets: input.build_secrets
        ? cipher.encrypt(JSON.stringify(input.build_secrets))
        : (existing?.build_secrets ?? null),
      keep_images: input.keep_images,
      preview_domain: input.preview_domain ?? null,
      preview_port: input.preview_port ?? null,
      preview_fork_secrets: input.preview_fork_secrets ? 1 : 0,
      updated_at: now,
    }
    await db.transaction().execute(async (trx) => {
      if (existing) await updateSource(trx, serviceId, fields)
      else
        await insertSource(trx, {
          ...fields,
          service_id: serviceId,
          team_id: teamId,
          webhook_secret: cipher.encrypt(newWebhookSecret()),
          deploy_token_hash: null,
          created_at: now,
        })
      await audit.record(trx, actor, {
        action: existing ? 'git_source.updated' : 'git_source.created',
        resourceType: 'service',
        resourceId: serviceId,
        details: {
          repo_url: input.repo_url,
          branch: input.branch,
          auth: input.auth,
          mode: input.dockerfile_path ? 'dockerfile' : 'compose',
          previews: input.preview_domain ?? null,
          ...(input.preview_fork_secrets ? { preview_fork_secrets: true } : {}),
          ...(key ? { deploy_key: 'generated' } : {}),
        },
      })
    })
    return get(teamId, serviceId)
  }

  /** A new webhook secret, shown this once (the old one stops working). */
  async function rotateWebhookSecret(teamId: string, serviceId: string, actor: Actor) {
    await sourceOf(teamId, serviceId)
    const secret = newWebhookSecret()
    await db.transaction().execute(async (trx) => {
      await updateSource(trx, serviceId, { webhook_secret: cipher.encrypt(secret), updated_at: nowIso() })
      await audit.record(trx, actor, {
        action: 'git_source.webhook_secret_rotated',
        resourceType: 'service',
        resourceId: serviceId,
      })
    })
    return { webhook_path: webhookPath(serviceId), secret }
  }

  /** A new CI deploy token, shown this once; only its hash is stored. */
  async function rotateDeployToken(teamId: string, serviceId: string, actor: Actor) {
    await sourceOf(teamId, serviceId)
    const token = generateToken('bdt')
    await db.transaction().execute(async (trx) => {
      await updateSource(trx, serviceId, { deploy_token_hash: hashToken(token), updated_at: nowIso() })
      await audit.record(trx, actor, {
        action: 'git_source.deploy_token_rotated',
        resourceType: 'service',
        resourceId: serviceId,
      })
    })
    return { deploy_path: `${webhookPath(serviceId)}/deploy`, token }
  }

  /** Queues a build of the branch's head, or of one commit. */
  async function deploy(teamId: string, serviceId: string, input: { commit?: string }, actor: Actor) {
    return queueBuild(teamId, await sourceOf(teamId, serviceId), input.commit, actor)
  }

  /** Queues a build of a source the caller has already read (and whose team it has checked). */
  async function queueBuild(teamId: string, source: GitSourceRow, commit: string | undefined, actor: Actor) {
    if (commit !== undefined && !COMMIT_PATTERN.test(commit))
      throw new BadRequestError('invalid_commit', `"${commit}" is not a commit sha (7 to 64 hex digits).`)
    const [queued] = await deployments.queue(
      teamId,
      [source.service_id],
      {
        trigger: actor.via === 'webhook' ? 'webhook' : triggerOf(actor.via),
        git: { ref: commit ?? source.branch },
        expectedType: 'service',
      },
      actor,
    )
    return queued!
  }

  /**
   * Redeploys what an earlier successful deployment ran: its compose version and image, with no
   * fetch and no build (the image is still on the server while it is among the kept ones).
   */
  async function rollback(teamId: string, serviceId: string, deploymentId: string, actor: Actor) {
    await sourceOf(teamId, serviceId)
    const earlier = await deployments.get(teamId, deploymentId, 'service')
    if (
      earlier.resource_id !== serviceId ||
      earlier.status !== 'finished' ||
      !earlier.git_commit ||
      !earlier.compose_version
    )
      throw new BadRequestError(
        'not_a_build',
        `Deployment ${deploymentId} is not a successful Git deployment of service ${serviceId}.`,
      )
    const [queued] = await deployments.queue(
      teamId,
      [serviceId],
      {
        trigger: 'rollback',
        force: true,
        expectedType: 'service',
        targetVersion: earlier.compose_version,
        git: {
          ref: earlier.git_commit,
          commit: earlier.git_commit,
          message: earlier.git_message,
          author: earlier.git_author,
          image: earlier.image,
        },
      },
      actor,
    )
    return queued!
  }

  /**
   * A webhook (see webhook-verify.ts for the hosts): a bad or missing signature is refused with 401
   * and an audit row; a push to the source's branch queues its build, a push to another branch
   * queues nothing, and a pull/merge request opens, updates or closes its preview (previews.ts).
   */
  async function receiveWebhook(
    serviceId: string,
    verify: (secret: string) => VerifiedWebhook,
    ip: string | null,
  ): Promise<WebhookOutcome> {
    const teamId = await findOwningTeam(db, serviceId)
    const source = teamId ? await findSource(db, serviceId) : undefined
    if (!teamId || !source) throw new NotFoundError(`Service ${serviceId} has no Git source.`)
    const hook = verify(cipher.decrypt(source.webhook_secret))
    if (!hook.ok) {
      await db.transaction().execute((trx) =>
        audit.record(trx, hookActor(teamId, 'webhook', ip), {
          action: 'git_source.webhook_refused',
          resourceType: 'service',
          resourceId: serviceId,
          details: { reason: hook.reason },
        }),
      )
      throw new UnauthorizedError(`Webhook for service ${serviceId} refused: ${hook.reason}.`)
    }
    const { event } = hook
    const actor = hookActor(teamId, `${hook.provider} webhook`, ip)
    if (event.kind === 'ignored')
      return { queued: false, deployment_uuid: null, message: `Ignored: Berth does not act on ${event.what} events.` }
    if (event.kind === 'pull_request') return previews.receive(teamId, source, event, actor)
    if (event.branch !== source.branch)
      return {
        queued: false,
        deployment_uuid: null,
        message: `Ignored: a push to ${event.branch ?? 'no branch'}, not ${source.branch}.`,
      }
    const queued = await queueBuild(teamId, source, event.commit ?? undefined, actor)
    return { queued: true, deployment_uuid: queued.deployment_uuid, message: queued.message }
  }

  /** A CI system's deploy call: the token decides, the branch head (or the commit named) is built. */
  async function deployWithToken(serviceId: string, token: string, commit: string | undefined, ip: string | null) {
    const teamId = await findOwningTeam(db, serviceId)
    const source = teamId ? await findSource(db, serviceId) : undefined
    if (!token || !teamId || !source?.deploy_token_hash || source.deploy_token_hash !== hashToken(token))
      throw new UnauthorizedError(`Deploy of service ${serviceId} refused: the deploy token does not match.`)
    return queueBuild(teamId, source, commit, hookActor(teamId, 'deploy token', ip))
  }

  /** For the deployment worker: how to fetch and build, or undefined for a service not built from Git. */
  async function buildSpecFor(serviceId: string): Promise<BuildSpec | undefined> {
    const row = await findSource(db, serviceId)
    if (!row) return undefined
    return {
      repoUrl: row.repo_url,
      branch: row.branch,
      baseDir: row.base_dir,
      dockerfilePath: row.dockerfile_path,
      composePath: row.compose_path,
      composeService: row.compose_service,
      auth:
        row.auth === 'ssh' && row.deploy_key_private
          ? { kind: 'ssh', privateKey: cipher.decrypt(row.deploy_key_private) }
          : row.auth === 'token' && row.https_token
            ? { kind: 'token', token: cipher.decrypt(row.https_token) }
            : { kind: 'none' },
      buildArgs: JSON.parse(row.build_args) as Record<string, string>,
      buildSecrets: decryptJson(row.build_secrets),
    }
  }

  /**
   * For the deployment worker, after a build: the compose version it deploys, written as a new
   * version described with the commit (the repository's compose file, or the current one with the
   * built image). History, diff and rollback then work as for any service.
   */
  async function importBuild(
    teamId: string,
    serviceId: string,
    build: { image: string } | { composeYaml: string },
    description: string,
  ): Promise<number> {
    const source = await sourceOf(teamId, serviceId)
    const current = await compose.getCurrent(teamId, serviceId)
    // A preview runs beside the service it previews: the repository's file loses its host ports there too.
    const yaml =
      'image' in build
        ? withBuiltImages(current.yaml, { [source.compose_service]: build.image })
        : source.preview_of
          ? withoutHostBindings(build.composeYaml)
          : build.composeYaml
    const written = await compose.update(
      teamId,
      serviceId,
      { yaml, baseVersion: current.version, description },
      { ...SYSTEM_ACTOR, teamId, name: 'git' },
    )
    return written.version
  }

  /**
   * A compose file written over the service's (a template upgrade) with the image the current
   * version runs for compose_service kept, when that is a Dockerfile build of this service: the
   * service keeps running its own code until the next build. Other files come back as they are.
   */
  async function keepBuiltImages(teamId: string, serviceId: string, yaml: string): Promise<string> {
    const source = await findSource(db, serviceId)
    if (!source?.dockerfile_path) return yaml
    const current = await compose.getCurrent(teamId, serviceId)
    const image = builtImageOf(current.yaml, source.compose_service, serviceId)
    return image ? withBuiltImages(yaml, { [source.compose_service]: image }) : yaml
  }

  /**
   * A deleted service's source goes with it (its cache dir goes with the removal deployment), and
   * so do its previews (or, for a preview deleted by hand, its preview row and domain).
   */
  async function forget(teamId: string, serviceId: string) {
    await deleteSource(db, serviceId)
    await previews.serviceDeleted(teamId, serviceId, { ...SYSTEM_ACTOR, teamId, name: 'git previews' })
  }

  return {
    forget,
    keepBuiltImages,
    has,
    get,
    put,
    rotateWebhookSecret,
    rotateDeployToken,
    deploy,
    rollback,
    receiveWebhook,
    deployWithToken,
    buildSpecFor,
    importBuild,
  }
}
