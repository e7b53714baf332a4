import { useMutation } from '@tanstack/react-query'
import { useAbility } from '../../api/abilities'
import { call } from '../../api/client'
import type { GitSource } from '../../api/types'
import { ErrorNotice } from '../../components/Notice'

/** What a Git host and a CI system are given to start builds: the webhook URL and secret, and a deploy token. */
export function GitHooks({ source }: { source: GitSource }) {
  const mayWrite = useAbility('write')
  const uuid = source.service_uuid
  const rotate = useMutation({
    mutationFn: () => call<{ secret: string }>('rotateGitWebhookSecret', { params: { uuid } }),
  })
  const rotateToken = useMutation({
    mutationFn: () => call<{ token: string; deploy_path: string }>('rotateGitDeployToken', { params: { uuid } }),
  })
  const deployToken = rotateToken.data
  return (
    <>
      <h3>Webhook</h3>
      <p>
        Push webhook URL: <code aria-label="Webhook URL">{`${window.location.origin}${source.webhook_path}`}</code>
      </p>
      {rotate.data ? (
        <p role="status">
          Webhook secret (shown once): <code aria-label="Webhook secret">{rotate.data.secret}</code>
        </p>
      ) : (
        mayWrite && (
          <button type="button" className="secondary" onClick={() => rotate.mutate()}>
            New webhook secret
          </button>
        )
      )}
      <ErrorNotice error={rotate.error} />
      <h3>Deploys from CI</h3>
      {deployToken ? (
        <p role="status">
          POST <code aria-label="Deploy URL">{`${window.location.origin}${deployToken.deploy_path}`}</code> with the
          header <code>X-Berth-Deploy-Token: </code>
          <code aria-label="Deploy token">{deployToken.token}</code> (shown once)
        </p>
      ) : (
        mayWrite && (
          <button type="button" className="secondary" onClick={() => rotateToken.mutate()}>
            {source.deploy_token_set ? 'New deploy token' : 'Create a deploy token'}
          </button>
        )
      )}
      <ErrorNotice error={rotateToken.error} />
    </>
  )
}
