import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { call } from '../api/client'
import { deploymentKeys, type DeploymentList } from '../api/deployments'
import { useDeploymentEvents } from '../api/useDeploymentEvents'
import { DeploymentsTable } from '../components/DeploymentsTable'
import { ErrorNotice, Loading } from '../components/Notice'
import { Pager } from '../components/Pager'

const PAGE_SIZE = 25

/** The team's queue (queued and running) and its whole deployment history, both live. */
export function DeploymentsPage() {
  useDeploymentEvents()
  const [page, setPage] = useState(0)
  const active = useQuery({ queryKey: deploymentKeys.active, queryFn: () => call<DeploymentList>('deployments') })
  const history = useQuery({
    queryKey: deploymentKeys.team(page),
    queryFn: () =>
      call<DeploymentList>('deployments', { query: { scope: 'all', skip: page * PAGE_SIZE, take: PAGE_SIZE } }),
    placeholderData: keepPreviousData,
  })

  return (
    <section>
      <h1>Deployments</h1>
      <h2 id="queue-title">Queue</h2>
      {active.isPending ? (
        <Loading what="the queue" />
      ) : active.error ? (
        <ErrorNotice error={active.error} />
      ) : active.data.count === 0 ? (
        <p>Nothing is queued or running.</p>
      ) : (
        <DeploymentsTable deployments={active.data.deployments} label="Queued and running deployments" />
      )}

      <h2>History</h2>
      {history.isPending ? (
        <Loading what="the deployment history" />
      ) : history.error ? (
        <ErrorNotice error={history.error} />
      ) : history.data.count === 0 ? (
        <p>No deployments yet: deploy a service from its page.</p>
      ) : (
        <>
          <DeploymentsTable deployments={history.data.deployments} label="All deployments, newest first" />
          <Pager page={page} pageSize={PAGE_SIZE} count={history.data.count} onPage={setPage} />
        </>
      )}
    </section>
  )
}
