import { z } from 'zod'

// https://host/path or ssh://user@host/path or scp-like user@host:path; no credentials in the URL
// (a token has its own encrypted field) and nothing that could pass for an option.
export const REPO_URL =
  /^(https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?\/[A-Za-z0-9._~\/-]+|ssh:\/\/[a-z_][a-z0-9_.-]*@[A-Za-z0-9.-]+(:[0-9]{1,5})?\/[A-Za-z0-9._~\/-]+|[a-z_][a-z0-9_.-]*@[A-Za-z0-9.-]+:[A-Za-z0-9._~\/-]+)$/
// A relative path inside the repository: no "..", no leading "/" or "-".
const REPO_PATH = /^(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._][A-Za-z0-9._\/-]*$/
const BRANCH = /^(?!-)(?!.*\.\.)[A-Za-z0-9._\/-]{1,255}$/
const HOST_NAME = /^(?=.{1,200}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/
const BUILD_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/

export const COMMIT_PATTERN = /^[0-9a-f]{7,64}$/
const branchSchema = z.string().regex(BRANCH, 'must be a branch name')

export const sourceInput = z
  .object({
    repo_url: z
      .string()
      .max(1000)
      .regex(REPO_URL, 'must be an https://, ssh:// or user@host:path URL without credentials'),
    branch: branchSchema.default('main'),
    base_dir: z.string().max(500).regex(REPO_PATH, 'must be a relative path inside the repository').optional(),
    dockerfile_path: z.string().max(500).regex(REPO_PATH, 'must be a relative path inside the repository').optional(),
    compose_path: z.string().max(500).regex(REPO_PATH, 'must be a relative path inside the repository').optional(),
    compose_service: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be a compose service name')
      .default('app')
      .describe('For a Dockerfile build: the compose service that runs the built image'),
    auth: z
      .enum(['none', 'ssh', 'token'])
      .default('none')
      .describe('ssh: a deploy key Berth generates; token: an HTTPS token'),
    https_token: z.string().min(1).max(1000).optional().describe('Write-only; kept when omitted'),
    build_args: z.record(z.string().regex(BUILD_KEY), z.string().max(4000)).default({}),
    build_secrets: z
      .record(z.string().regex(BUILD_KEY), z.string().max(10000))
      .optional()
      .describe('Write-only; passed as BuildKit secrets, never as build arguments; kept when omitted'),
    keep_images: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(5)
      .describe('Images of this many latest successful deployments are kept'),
    preview_domain: z
      .string()
      .max(200)
      .regex(HOST_NAME, 'must be a domain name such as preview.example.com')
      .optional()
      .describe('Previews on: each pull/merge request into the branch runs on pr-<n>.<preview_domain>'),
    preview_port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .optional()
      .describe("The port of compose_service a preview's route sends requests to"),
    preview_fork_secrets: z
      .boolean()
      .default(false)
      .describe(
        "Previews of requests from forks get the service's secret variables and build secrets, and in compose mode run the fork's compose file (off: a fork's Dockerfile builds and runs without the secrets; a fork's compose file gets no preview)",
      ),
  })
  .refine((v) => (v.dockerfile_path === undefined) !== (v.compose_path === undefined), {
    message: 'give exactly one of dockerfile_path and compose_path',
    path: ['dockerfile_path'],
  })
  .refine((v) => (v.preview_domain === undefined) === (v.preview_port === undefined), {
    message: 'previews need both preview_domain and preview_port',
    path: ['preview_port'],
  })
export type SourceInput = z.infer<typeof sourceInput>

export const sourceView = z
  .object({
    service_uuid: z.string(),
    repo_url: z.string(),
    branch: z.string(),
    base_dir: z.string(),
    dockerfile_path: z.string().nullable(),
    compose_path: z.string().nullable(),
    compose_service: z.string(),
    auth: z.enum(['none', 'ssh', 'token']),
    deploy_key_public: z.string().nullable().describe('Add it to the repository as a read-only deploy key'),
    https_token_set: z.boolean(),
    build_args: z.record(z.string(), z.string()),
    build_secret_names: z.array(z.string()),
    keep_images: z.number().int(),
    preview_domain: z.string().nullable(),
    preview_port: z.number().int().nullable(),
    preview_fork_secrets: z.boolean(),
    preview_of: z.string().nullable().describe('On a preview: the service it previews'),
    previews: z
      .array(
        z.object({
          number: z.number().int(),
          branch: z.string(),
          head_commit: z.string().nullable(),
          fork: z.string().nullable().describe("A request from a fork: the fork's repository it builds"),
          service_uuid: z.string().describe('The service that runs the preview'),
          host: z.string(),
        }),
      )
      .optional()
      .describe('The open pull/merge requests with a preview'),
    webhook_path: z.string().describe('POST push webhooks here, signed with the webhook secret'),
    deploy_token_set: z.boolean(),
    updated_at: z.string(),
  })
  .meta({ id: 'GitSource' })
