import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link } from 'react-router'
import { useAbility } from '../../api/abilities'
import type { DatabaseListItem } from '../../api/admin-types'
import { call } from '../../api/client'
import { useDatabase } from '../../api/queries'
import '../../admin.css'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { DeployActions } from '../../components/DeployActions'
import { ErrorNotice } from '../../components/Notice'
import { QueryState } from '../../components/QueryState'
import { LatestDeploymentBadge, RuntimeBadge } from '../../components/StatusBadge'
import { ConnectionFacts } from '../database/ConnectionFacts'
import { CreateDatabase } from './CreateDatabase'

/** The project's standalone databases, each with its connection string. */
export function DatabasesSection({ projectId }: { projectId: string }) {
  const mayWrite = useAbility('write')
  const databases = useQuery({
    queryKey: ['databases', projectId],
    queryFn: () => call<{ databases: DatabaseListItem[] }>('databases', { params: { uuid: projectId } }),
  })
  return (
    <section aria-labelledby="databases-title">
      <h2 id="databases-title">Databases</h2>
      <QueryState query={databases} what="databases">
        {(data) =>
          data.databases.length === 0 ? (
            <p>No databases yet.</p>
          ) : (
            data.databases.map((d) => <DatabaseCard key={d.uuid} projectId={projectId} item={d} />)
          )
        }
      </QueryState>
      {mayWrite && <CreateDatabase projectId={projectId} />}
    </section>
  )
}

function DatabaseCard({ projectId, item }: { projectId: string; item: DatabaseListItem }) {
  const queryClient = useQueryClient()
  const database = useDatabase(item.uuid)
  const [confirming, setConfirming] = useState(false)
  const mayWrite = useAbility('write')
  const remove = useMutation({
    mutationFn: () => call('deleteDatabase', { params: { uuid: item.uuid } }),
    onSuccess: async () => {
      setConfirming(false)
      await queryClient.invalidateQueries({ queryKey: ['databases', projectId] })
    },
  })
  return (
    <article className="database-card" aria-label={`Database ${item.name}`}>
      <header className="card-header">
        <h3>
          <Link to={`/databases/${item.uuid}`}>{item.name}</Link> <small className="badge">{item.type}</small>
        </h3>
        {mayWrite && (
          <button type="button" className="outline secondary small" onClick={() => setConfirming(true)}>
            Delete <span className="visually-hidden">{item.name}</span>
          </button>
        )}
      </header>
      <p className="service-status" aria-label={`Status of ${item.name}`}>
        <LatestDeploymentBadge resourceId={item.uuid} type="database" />{' '}
        <RuntimeBadge resourceId={item.uuid} type="database" />
      </p>
      <QueryState query={database} what="the connection details">
        {(d) => <ConnectionFacts database={d} />}
      </QueryState>
      <DeployActions resourceId={item.uuid} type="database" />
      <ErrorNotice error={remove.error} />
      <ConfirmDialog
        open={confirming}
        title={`Delete ${item.name}?`}
        confirmLabel="Delete database"
        onConfirm={() => remove.mutate()}
        onCancel={() => setConfirming(false)}
      >
        <p>
          Berth forgets its configuration and history. Its containers and the volume{' '}
          <code>{database.data?.volume_name}</code> stay until you remove them.
        </p>
      </ConfirmDialog>
    </article>
  )
}
