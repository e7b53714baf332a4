import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useAbility } from '../../api/abilities'
import { call } from '../../api/client'
import type { Service } from '../../api/types'
import { ErrorNotice, SuccessNotice } from '../../components/Notice'

/** How a deployment of the service is judged: the health timeout and the automatic rollback. */
export function HealthSettings({ service }: { service: Service }) {
  const queryClient = useQueryClient()
  const mayWrite = useAbility('write')
  const [timeout, setTimeoutSeconds] = useState(String(service.health_timeout_seconds))
  const [rollback, setRollback] = useState(service.auto_rollback)
  const save = useMutation({
    mutationFn: () =>
      call<Service>('updateService', {
        params: { uuid: service.uuid },
        body: { health_timeout_seconds: Number(timeout), auto_rollback: rollback },
      }),
    onSuccess: (data) => queryClient.setQueryData(['service', service.uuid], data),
  })

  function submit(event: FormEvent) {
    event.preventDefault()
    save.mutate()
  }

  return (
    <form onSubmit={submit} aria-labelledby="health-settings-title">
      <h3 id="health-settings-title">Health check</h3>
      <p>
        A deployment succeeds once every container is healthy (or, without a health check, has run for a second without
        restarting). A container that restarts, exits or turns unhealthy fails it, with its last output in the log.
      </p>
      <fieldset disabled={!mayWrite || save.isPending}>
        <label>
          Wait for healthy containers up to (seconds)
          <input
            type="number"
            min={1}
            max={3600}
            required
            value={timeout}
            onChange={(e) => setTimeoutSeconds(e.target.value)}
          />
        </label>
        <label>
          <input type="checkbox" checked={rollback} onChange={(e) => setRollback(e.target.checked)} /> Roll back
          automatically to the last version that passed when a deployment fails its health check
        </label>
        <button type="submit">Save health settings</button>
      </fieldset>
      {save.error && <ErrorNotice error={save.error} />}
      {save.isSuccess && <SuccessNotice>Health settings saved.</SuccessNotice>}
    </form>
  )
}
