import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { Link } from 'react-router'
import { useAbility } from '../../api/abilities'
import { call } from '../../api/client'
import { deploymentKeys } from '../../api/deployments'
import type { GitSource, Service } from '../../api/types'
import { useService } from '../../api/queries'
import { ErrorNotice, Loading } from '../../components/Notice'
import { GitHooks } from './GitHooks'

type Form = {
  repo_url: string
  branch: string
  mode: 'dockerfile' | 'compose'
  path: string
  compose_service: string
  auth: 'none' | 'ssh' | 'token'
  https_token: string
  base_dir: string
  build_args: string
  /** Write-only: empty keeps the stored build secrets. */
  build_secrets: string
  keep_images: string
  preview_domain: string
  preview_port: string
  preview_fork_secrets: boolean
}

function formOf(s: GitSource | undefined): Form {
  return {
    repo_url: s?.repo_url ?? '',
    branch: s?.branch ?? 'main',
    mode: s?.compose_path ? 'compose' : 'dockerfile',
    path: s?.compose_path ?? s?.dockerfile_path ?? 'Dockerfile',
    compose_service: s?.compose_service ?? 'app',
    auth: s?.auth ?? 'none',
    https_token: '',
    base_dir: s?.base_dir ?? '',
    build_args: Object.entries(s?.build_args ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
    build_secrets: '',
    keep_images: String(s?.keep_images ?? 5),
    preview_domain: s?.preview_domain ?? '',
    preview_port: s?.preview_port ? String(s.preview_port) : '',
    preview_fork_secrets: s?.preview_fork_secrets ?? false,
  }
}

/** NAME=value lines (blank lines skipped; the value is everything after the first "="). */
function pairsOf(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line) =>
        line.includes('=') ? [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] : [line, ''],
      ),
  )
}

/** Where the service's code comes from: the repository, its credentials, the webhook to give the Git host. */
export function GitTab({ serviceId }: { serviceId: string }) {
  const queryClient = useQueryClient()
  const mayWrite = useAbility('write')
  const mayDeploy = useAbility('deploy')
  const key = ['git', serviceId]
  const service = useService(serviceId)
  const hasSource = service.data?.git_source === true
  const source = useQuery({
    queryKey: [...key, hasSource],
    // A service not built from Git has no source to ask for (it would answer 404): the form starts empty.
    queryFn: () => (hasSource ? call<GitSource>('gitSource', { params: { uuid: serviceId } }) : null),
    enabled: service.isSuccess,
  })
  const [form, setForm] = useState<Form | undefined>()
  const current = form ?? formOf(source.data ?? undefined)

  const save = useMutation({
    mutationFn: () =>
      call<GitSource>('putGitSource', {
        params: { uuid: serviceId },
        body: {
          repo_url: current.repo_url,
          branch: current.branch,
          [current.mode === 'compose' ? 'compose_path' : 'dockerfile_path']: current.path,
          compose_service: current.compose_service,
          auth: current.auth,
          ...(current.https_token ? { https_token: current.https_token } : {}),
          ...(current.base_dir ? { base_dir: current.base_dir } : {}),
          build_args: pairsOf(current.build_args),
          ...(current.build_secrets.trim() ? { build_secrets: pairsOf(current.build_secrets) } : {}),
          keep_images: Number(current.keep_images),
          ...(current.preview_domain
            ? {
                preview_domain: current.preview_domain,
                preview_port: Number(current.preview_port),
                preview_fork_secrets: current.preview_fork_secrets,
              }
            : {}),
        },
      }),
    onSuccess: (data) => {
      queryClient.setQueryData([...key, true], data)
      // The service now says it builds from Git (the source above is read under that answer).
      queryClient.setQueryData(['service', serviceId], (s: Service | undefined) => s && { ...s, git_source: true })
      setForm(undefined)
    },
  })
  const deploy = useMutation({
    mutationFn: () => call<{ message: string }>('deployGitCommit', { params: { uuid: serviceId }, body: {} }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: deploymentKeys.all }),
  })

  function submit(event: FormEvent) {
    event.preventDefault()
    save.mutate()
  }
  const set = (changes: Partial<Form>) => setForm({ ...current, ...changes })

  if (source.isPending) return <Loading what="the Git source" />
  if (source.error) return <ErrorNotice error={source.error} />
  const s = source.data
  return (
    <section aria-labelledby="git-title">
      <h2 id="git-title">Git source</h2>
      <form onSubmit={submit} aria-label="Git source">
        <fieldset disabled={!mayWrite}>
          <label>
            Repository URL
            <input required value={current.repo_url} onChange={(e) => set({ repo_url: e.target.value })} />
          </label>
          <div className="grid">
            <label>
              Branch
              <input required value={current.branch} onChange={(e) => set({ branch: e.target.value })} />
            </label>
            <label>
              Build from
              <select
                value={current.mode}
                onChange={(e) => {
                  const mode = e.target.value as Form['mode']
                  set({ mode, path: mode === 'compose' ? 'compose.yaml' : 'Dockerfile' })
                }}
              >
                <option value="dockerfile">A Dockerfile</option>
                <option value="compose">A compose file</option>
              </select>
            </label>
            <label>
              Path in the repository
              <input required value={current.path} onChange={(e) => set({ path: e.target.value })} />
            </label>
          </div>
          {current.mode === 'dockerfile' && (
            <label>
              Compose service running the image
              <input value={current.compose_service} onChange={(e) => set({ compose_service: e.target.value })} />
            </label>
          )}
          <label>
            Credentials
            <select value={current.auth} onChange={(e) => set({ auth: e.target.value as Form['auth'] })}>
              <option value="none">None (public repository)</option>
              <option value="ssh">SSH deploy key (Berth generates it)</option>
              <option value="token">HTTPS token</option>
            </select>
          </label>
          {current.auth === 'token' && (
            <label>
              HTTPS token
              <input
                type="password"
                autoComplete="off"
                placeholder={s?.https_token_set ? 'Set (leave empty to keep it)' : ''}
                value={current.https_token}
                onChange={(e) => set({ https_token: e.target.value })}
              />
            </label>
          )}
          <div className="grid">
            <label>
              Base directory
              <input
                value={current.base_dir}
                placeholder="(the repository root)"
                onChange={(e) => set({ base_dir: e.target.value })}
              />
            </label>
            <label>
              Images kept for rollbacks
              <input
                type="number"
                min={1}
                max={100}
                required
                value={current.keep_images}
                onChange={(e) => set({ keep_images: e.target.value })}
              />
            </label>
          </div>
          <div className="grid">
            <label>
              Build arguments
              <textarea
                rows={3}
                placeholder="NAME=value, one a line"
                value={current.build_args}
                onChange={(e) => set({ build_args: e.target.value })}
              />
              <small>Not secret: they stay in the image's history.</small>
            </label>
            <label>
              Build secrets
              <textarea
                rows={3}
                autoComplete="off"
                placeholder={
                  s?.build_secret_names.length
                    ? `Set: ${s.build_secret_names.join(', ')} (empty keeps them; new lines replace them all)`
                    : 'NAME=value, one a line'
                }
                value={current.build_secrets}
                onChange={(e) => set({ build_secrets: e.target.value })}
              />
              <small>
                Mounted by <code>RUN --mount=type=secret,id=NAME</code>; never in the image or the log.
              </small>
            </label>
          </div>
          <div className="grid">
            <label>
              Preview domain
              <input
                value={current.preview_domain}
                placeholder="preview.example.com"
                onChange={(e) => set({ preview_domain: e.target.value })}
              />
              <small>
                Each pull/merge request into the branch runs on pr-&lt;number&gt;.this domain. Empty: no previews.
              </small>
            </label>
            <label>
              Preview port
              <input
                type="number"
                min={1}
                max={65535}
                required={current.preview_domain !== ''}
                value={current.preview_port}
                onChange={(e) => set({ preview_port: e.target.value })}
              />
              <small>The port the compose service listens on.</small>
            </label>
          </div>
          {current.preview_domain !== '' && (
            <label>
              <input
                type="checkbox"
                checked={current.preview_fork_secrets}
                onChange={(e) => set({ preview_fork_secrets: e.target.checked })}
              />
              Previews of requests from forks get the secret variables and build secrets, and run a fork's compose file
              (off: a fork's Dockerfile builds without the secrets, and its compose file gets no preview)
            </label>
          )}
          <ErrorNotice error={save.error} />
          <button type="submit" aria-busy={save.isPending}>
            Save Git source
          </button>
        </fieldset>
      </form>
      {s && (
        <>
          {s.deploy_key_public && (
            <label>
              Deploy key (add it to the repository, read-only)
              <textarea readOnly rows={2} value={s.deploy_key_public} aria-label="Deploy key" />
            </label>
          )}
          {s.previews && s.previews.length > 0 && (
            <>
              <h3>Previews</h3>
              <ul aria-label="Open previews">
                {s.previews.map((p) => (
                  <li key={p.number}>
                    #{p.number} ({p.branch}
                    {p.fork ? `, from the fork ${p.fork}` : ''}): <code>{p.host}</code>,{' '}
                    <Link to={`/services/${p.service_uuid}`}>its service</Link>
                  </li>
                ))}
              </ul>
            </>
          )}
          <GitHooks source={s} />
          {mayDeploy && (
            <p>
              <button type="button" aria-busy={deploy.isPending} onClick={() => deploy.mutate()}>
                Build and deploy {s.branch}
              </button>
              {deploy.data && <span role="status"> {deploy.data.message}</span>}
            </p>
          )}
          <ErrorNotice error={deploy.error} />
        </>
      )}
    </section>
  )
}
