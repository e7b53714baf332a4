import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { Link } from 'react-router'
import { useAbility } from '../../api/abilities'
import { call, callOrNull } from '../../api/client'
import { deploymentKeys } from '../../api/deployments'
import type { GitSource } from '../../api/types'
import { ErrorNotice, Loading } from '../../components/Notice'

type Form = {
  repo_url: string
  branch: string
  mode: 'dockerfile' | 'compose'
  path: string
  compose_service: string
  auth: 'none' | 'ssh' | 'token'
  https_token: string
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
    preview_domain: s?.preview_domain ?? '',
    preview_port: s?.preview_port ? String(s.preview_port) : '',
    preview_fork_secrets: s?.preview_fork_secrets ?? false,
  }
}

/** Where the service's code comes from: the repository, its credentials, the webhook to give the Git host. */
export function GitTab({ serviceId }: { serviceId: string }) {
  const queryClient = useQueryClient()
  const mayWrite = useAbility('write')
  const mayDeploy = useAbility('deploy')
  const key = ['git', serviceId]
  const source = useQuery({
    queryKey: key,
    // A service not built from Git answers 404: the form starts empty.
    queryFn: () => callOrNull<GitSource>('gitSource', { params: { uuid: serviceId } }),
  })
  const [form, setForm] = useState<Form | undefined>()
  const [secret, setSecret] = useState<string | undefined>()
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
          // Settings this form does not show are sent back as they are, so saving keeps them.
          ...(source.data?.base_dir ? { base_dir: source.data.base_dir } : {}),
          ...(source.data ? { build_args: source.data.build_args, keep_images: source.data.keep_images } : {}),
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
      queryClient.setQueryData(key, data)
      setForm(undefined)
    },
  })
  const rotate = useMutation({
    mutationFn: () => call<{ secret: string }>('rotateGitWebhookSecret', { params: { uuid: serviceId } }),
    onSuccess: (data) => setSecret(data.secret),
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
              Previews of requests from forks get the secret variables and build secrets
              <small>Off: a fork's code, which anyone can write, runs without them.</small>
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
          <h3>Webhook</h3>
          <p>
            Push webhook URL: <code aria-label="Webhook URL">{`${window.location.origin}${s.webhook_path}`}</code>
          </p>
          {secret ? (
            <p role="status">
              Webhook secret (shown once): <code aria-label="Webhook secret">{secret}</code>
            </p>
          ) : (
            mayWrite && (
              <button type="button" className="secondary" onClick={() => rotate.mutate()}>
                New webhook secret
              </button>
            )
          )}
          <ErrorNotice error={rotate.error} />
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
